# Administration of persons and organisations (admin role only).
# The runner's "as" only knows the fixture persons: a person created here
# logs in anonymously, and the case keeps its cookie and CSRF token
# (save-header / save) to act as that person.

# ---- listing ----------------------------------------------------------------

=== the admin lists persons, ordered by handle
as admin
GET /api/v1/persons
expect 200
expect-header Cache-Control: no-store
expect-json /items length 5
expect-json /items/0/handle = "admin"
expect-json /items/0/role = "admin"
expect-json /items/1/handle = "alice"
expect-json /items/1/id = "${alice_id}"
expect-json /items/1/role = "resident"
expect-json /items/1/disabled = false
expect-json /items/1/created ~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T
expect-json /items/2/handle = "bob"
expect-json /items/3/handle = "carol"
expect-json /items/3/disabled = true
expect-json /items/4/handle = "pro"
expect-json /items/4/role = "professional"

=== the list never shows a password or its hash
as admin
GET /api/v1/persons
expect 200
expect-json /items/1/password absent
expect-json /items/1/pwhash absent
expect-json /items/1/hash absent

=== there are no organisations yet
as admin
GET /api/v1/orgs
expect 200
expect-json /items length 0

# ---- creating persons -------------------------------------------------------

=== create a person: a resident by default
as admin
POST /api/v1/persons
body {"handle":"dave","password":"pw-dave-correct-horse"}
expect 201
expect-json /handle = "dave"
expect-json /role = "resident"
expect-json /disabled = false
expect-json /org = null
expect-json /id ~ ^[0-9a-f]{32}$
expect-json /password absent
save dave_id = /id

=== the new person is in the list
as admin
GET /api/v1/persons
expect 200
expect-json /items length 6
expect-json /items/4/handle = "dave"
expect-json /items/4/id = "${dave_id}"

=== the new person can log in
POST /api/v1/auth/login
body {"handle":"dave","password":"pw-dave-correct-horse"}
expect 200
expect-json /person/id = "${dave_id}"
expect-json /person/handle = "dave"
save-header dave_cookie = Set-Cookie
save dave_csrf = /csrf

=== and is who the admin made
header Cookie: ${dave_cookie}
GET /api/v1/me
expect 200
expect-json /handle = "dave"
expect-json /role = "resident"
expect-json /auth = "session"

=== the new person writes a record of their own
header Cookie: ${dave_cookie}
header X-CSRF-Token: ${dave_csrf}
POST /api/v1/records/bank.transaction
body {"date":"2024-05-01","amount":-3.2,"currency":"EUR","label":"dave's coffee"}
expect 201
expect-json /data/label = "dave's coffee"

=== the new person makes an API token
header Cookie: ${dave_cookie}
header X-CSRF-Token: ${dave_csrf}
POST /api/v1/tokens
body {"name":"dave's script"}
expect 201
expect-json /token ~ ^cmn_
save dave_token = /token

=== the token works
header Authorization: Bearer ${dave_token}
GET /api/v1/me
expect 200
expect-json /handle = "dave"
expect-json /auth = "token"

=== a duplicate handle is 409
as admin
POST /api/v1/persons
body {"handle":"dave","password":"pw-dave-other-horse"}
expect 409
expect-json /type = "urn:commune:problem:already-exists"
expect-json /detail = "this handle is taken"

=== a duplicate of a fixture handle is 409, whatever the role asked
as admin
POST /api/v1/persons
body {"handle":"alice","password":"pw-alice-other-horse","role":"admin"}
expect 409
expect-json /type = "urn:commune:problem:already-exists"

=== the duplicate changed nothing: alice is still a resident with her password
POST /api/v1/auth/login
body {"handle":"alice","password":"pw-alice-correct-horse"}
expect 200
expect-json /person/id = "${alice_id}"
expect-json /person/role = "resident"

=== a handle with capitals is 400
as admin
POST /api/v1/persons
body {"handle":"Erin","password":"pw-erin-correct-horse"}
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /detail ~ ^the handle must be

=== a handle starting with a dot is 400
as admin
POST /api/v1/persons
body {"handle":".erin","password":"pw-erin-correct-horse"}
expect 400
expect-json /detail ~ ^the handle must be

=== a handle with a slash is 400
as admin
POST /api/v1/persons
body {"handle":"../erin","password":"pw-erin-correct-horse"}
expect 400
expect-json /detail ~ ^the handle must be

=== a handle with a space is 400
as admin
POST /api/v1/persons
body {"handle":"erin x","password":"pw-erin-correct-horse"}
expect 400
expect-json /detail ~ ^the handle must be

=== a handle with a quote is 400
as admin
POST /api/v1/persons
body {"handle":"erin'--","password":"pw-erin-correct-horse"}
expect 400
expect-json /detail ~ ^the handle must be

=== a non-ASCII handle is 400
as admin
POST /api/v1/persons
body {"handle":"\xc3\xa9rin","password":"pw-erin-correct-horse"}
expect 400
expect-json /detail ~ ^the handle must be

=== an empty handle is 400
as admin
POST /api/v1/persons
body {"handle":"","password":"pw-erin-correct-horse"}
expect 400
expect-json /detail ~ ^the handle must be

=== a 65-byte handle is 400
as admin
POST /api/v1/persons
body {"handle":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","password":"pw-erin-correct-horse"}
expect 400
expect-json /detail ~ ^the handle must be

=== a 64-byte handle is accepted
as admin
POST /api/v1/persons
body {"handle":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","password":"pw-long-correct-horse"}
expect 201
expect-json /handle = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

=== a handle with . _ @ - is accepted
as admin
POST /api/v1/persons
body {"handle":"e.r_i-n@example.org","password":"pw-erin-correct-horse"}
expect 201
expect-json /handle = "e.r_i-n@example.org"

=== an unknown role is 400
as admin
POST /api/v1/persons
body {"handle":"frank","password":"pw-frank-correct-horse","role":"root"}
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /detail ~ ^the role must be

=== a role in capitals is 400
as admin
POST /api/v1/persons
body {"handle":"frank","password":"pw-frank-correct-horse","role":"Admin"}
expect 400
expect-json /detail ~ ^the role must be

=== a role that is not a string is 400, with its pointer
as admin
POST /api/v1/persons
body {"handle":"frank","password":"pw-frank-correct-horse","role":1}
expect 400
expect-json /errors/0/pointer = "/role"

=== a short password is 400
as admin
POST /api/v1/persons
body {"handle":"frank","password":"short"}
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /detail = "the password must have at least 10 characters"

=== a 9-character password is 400
as admin
POST /api/v1/persons
body {"handle":"frank","password":"123456789"}
expect 400
expect-json /detail = "the password must have at least 10 characters"

=== characters are counted, not bytes: 9 two-byte characters are too few
as admin
POST /api/v1/persons
body {"handle":"frank","password":"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"}
expect 400
expect-json /detail = "the password must have at least 10 characters"

=== a password over 1024 bytes is 400
as admin
POST /api/v1/persons
body {"handle":"frank","password":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}
expect 400
expect-json /detail ~ at most 1024 bytes

=== 10 two-byte characters are enough
as admin
POST /api/v1/persons
body {"handle":"frank","password":"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"}
expect 201
expect-json /handle = "frank"

=== and that password logs in
POST /api/v1/auth/login
body {"handle":"frank","password":"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"}
expect 200
expect-json /person/handle = "frank"

=== a missing password is 400 with its pointer
as admin
POST /api/v1/persons
body {"handle":"gina"}
expect 400
expect-json /errors/0/pointer = "/password"
expect-json /errors/0/detail = "is required"

=== an unknown member is 400 with its pointer
as admin
POST /api/v1/persons
body {"handle":"gina","password":"pw-gina-correct-horse","disabled":false}
expect 400
expect-json /errors/0/pointer = "/disabled"

=== none of the refused persons exist
as admin
GET /api/v1/persons
expect 200
# admin, alice, bob, carol, dave, e.r_i-n@..., aaa...(64), frank, pro
expect-json /items length 9
expect-json /items/0/handle = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
expect-json /items/8/handle = "pro"

# ---- organisations ----------------------------------------------------------

=== create an organisation
as admin
POST /api/v1/orgs
body {"name":"Ville de Test","kind":"city"}
expect 201
expect-json /name = "Ville de Test"
expect-json /kind = "city"
expect-json /id ~ ^[0-9a-f]{32}$
expect-json /created ~ ^20[0-9]{2}-

=== a duplicate organisation name is 409
as admin
POST /api/v1/orgs
body {"name":"Ville de Test","kind":"holder"}
expect 409
expect-json /type = "urn:commune:problem:already-exists"
expect-json /detail = "an organisation has this name"

=== an unknown kind is 400
as admin
POST /api/v1/orgs
body {"name":"ACME","kind":"company"}
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /detail ~ ^kind must be city, holder, reuser, trust or cooperative

=== a missing kind is 400 with its pointer
as admin
POST /api/v1/orgs
body {"name":"ACME"}
expect 400
expect-json /errors/0/pointer = "/kind"

=== an empty name is 400 with its pointer
as admin
POST /api/v1/orgs
body {"name":"","kind":"trust"}
expect 400
expect-json /errors/0/pointer = "/name"

=== a second organisation of another kind
as admin
POST /api/v1/orgs
body {"name":"Coop Energie","kind":"cooperative"}
expect 201
expect-json /kind = "cooperative"

=== the organisations, ordered by name: only the two created
as admin
GET /api/v1/orgs
expect 200
expect-json /items length 2
expect-json /items/0/name = "Coop Energie"
expect-json /items/1/name = "Ville de Test"
expect-json /items/1/kind = "city"

=== a person in an organisation
as admin
POST /api/v1/persons
body {"handle":"agent.smith","password":"pw-agent-correct-horse","role":"agent","org":"Ville de Test"}
expect 201
expect-json /role = "agent"
expect-json /org = "Ville de Test"

=== a person in an unknown organisation is 400 and not created
as admin
POST /api/v1/persons
body {"handle":"ghost","password":"pw-ghost-correct-horse","org":"Nowhere"}
expect 400
expect-json /detail = "no such organisation"

=== the ghost was not created
POST /api/v1/auth/login
body {"handle":"ghost","password":"pw-ghost-correct-horse"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

# ---- changing persons -------------------------------------------------------

=== change a role
as admin
PATCH /api/v1/persons/dave
body {"role":"professional"}
expect 200
expect-json /handle = "dave"
expect-json /role = "professional"
expect-json /disabled = false

=== the person sees the new role at once
header Cookie: ${dave_cookie}
GET /api/v1/me
expect 200
expect-json /role = "professional"

=== an empty patch changes nothing
as admin
PATCH /api/v1/persons/dave
body {}
expect 200
expect-json /role = "professional"
expect-json /disabled = false

=== an unknown role is 400
as admin
PATCH /api/v1/persons/dave
body {"role":"root"}
expect 400
expect-json /detail = "unknown role"

=== disabled must be a boolean
as admin
PATCH /api/v1/persons/dave
body {"disabled":"yes"}
expect 400
expect-json /errors/0/pointer = "/disabled"

=== an unknown member in a patch is 400
as admin
PATCH /api/v1/persons/dave
body {"handle":"david"}
expect 400
expect-json /errors/0/pointer = "/handle"

=== the refused patches left dave as he was
as admin
GET /api/v1/persons
expect 200
# aaa..., admin, agent.smith, alice, bob, carol, dave, ...
expect-json /items/6/handle = "dave"
expect-json /items/6/role = "professional"
expect-json /items/6/disabled = false

=== an administrator cannot disable themselves
as admin
PATCH /api/v1/persons/admin
body {"disabled":true}
expect 409
expect-json /type = "urn:commune:problem:conflict"
expect-json /detail = "administrators cannot disable or demote themselves"

=== nor demote themselves
as admin
PATCH /api/v1/persons/admin
body {"role":"resident"}
expect 409
expect-json /type = "urn:commune:problem:conflict"

=== the admin is still an enabled admin
as admin
GET /api/v1/me
expect 200
expect-json /role = "admin"
expect-json /disabled = false

=== patching an unknown handle is 404
as admin
PATCH /api/v1/persons/nobody
body {"role":"resident"}
expect 404
expect-json /type = "urn:commune:problem:not-found"
expect-json /detail = "no such person"

=== disable a person
as admin
PATCH /api/v1/persons/dave
body {"disabled":true}
expect 200
expect-json /disabled = true

=== a disabled person's session ends
header Cookie: ${dave_cookie}
GET /api/v1/me
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== a disabled person cannot log in
POST /api/v1/auth/login
body {"handle":"dave","password":"pw-dave-correct-horse"}
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header Set-Cookie: absent

=== enable them again
as admin
PATCH /api/v1/persons/dave
body {"disabled":false}
expect 200
expect-json /disabled = false
expect-json /role = "professional"

=== an enabled person logs in again
POST /api/v1/auth/login
body {"handle":"dave","password":"pw-dave-correct-horse"}
expect 200
expect-json /person/disabled = false
save-header dave_cookie = Set-Cookie

=== and still has their data
header Cookie: ${dave_cookie}
GET /api/v1/records/bank.transaction
expect 200
expect-json /items length 1
expect-json /items/0/data/label = "dave's coffee"

# ---- erasing persons --------------------------------------------------------

=== erasing without the right confirmation is 400
as admin
DELETE /api/v1/persons/dave
body {"confirm":"dav"}
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /detail ~ confirm

=== confirming with another handle is 400
as admin
DELETE /api/v1/persons/dave
body {"confirm":"alice"}
expect 400
expect-json /type = "urn:commune:problem:invalid-request"

=== a missing confirmation is 400 with its pointer
as admin
DELETE /api/v1/persons/dave
body {}
expect 400
expect-json /errors/0/pointer = "/confirm"

=== erasing needs a body
as admin
DELETE /api/v1/persons/dave
expect 415
expect-json /type = "urn:commune:problem:unsupported-media-type"

=== the refused erasures left dave in place
header Cookie: ${dave_cookie}
GET /api/v1/me
expect 200
expect-json /handle = "dave"

=== erase a person with the confirmation
as admin
DELETE /api/v1/persons/dave
body {"confirm":"dave"}
expect 204

=== the person is gone from the list
as admin
GET /api/v1/persons
expect 200
expect-json /items length 9
expect-json /items/4/handle = "bob"
expect-json /items/5/handle = "carol"
expect-json /items/6/handle = "e.r_i-n@example.org"

=== the erased person's session is dead
header Cookie: ${dave_cookie}
GET /api/v1/me
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== the erased person's API token is dead
header Authorization: Bearer ${dave_token}
GET /api/v1/me
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== the erased person cannot log in
POST /api/v1/auth/login
body {"handle":"dave","password":"pw-dave-correct-horse"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== erasing again is 404
as admin
DELETE /api/v1/persons/dave
body {"confirm":"dave"}
expect 404
expect-json /type = "urn:commune:problem:not-found"
expect-json /detail = "no such person"

=== patching the erased person is 404
as admin
PATCH /api/v1/persons/dave
body {"disabled":true}
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== erasing an unknown handle is 404
as admin
DELETE /api/v1/persons/nobody
body {"confirm":"nobody"}
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== an administrator cannot erase themselves here
as admin
DELETE /api/v1/persons/admin
body {"confirm":"admin"}
expect 409
expect-json /type = "urn:commune:problem:conflict"
expect-json /detail = "use DELETE /api/v1/me to erase yourself"

=== the handle can be given again: a new person
as admin
POST /api/v1/persons
body {"handle":"dave","password":"pw-dave-second-horse"}
expect 201
expect-json /id != "${dave_id}"

=== the old password is not the new person's
POST /api/v1/auth/login
body {"handle":"dave","password":"pw-dave-correct-horse"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== the new dave logs in
POST /api/v1/auth/login
body {"handle":"dave","password":"pw-dave-second-horse"}
expect 200
save-header dave_cookie = Set-Cookie

=== and inherits none of the erased person's records
header Cookie: ${dave_cookie}
GET /api/v1/records/bank.transaction
expect 200
expect-json /items length 0

=== nor their audit chain
header Cookie: ${dave_cookie}
GET /api/v1/audit/verify
expect 200
expect-json /intact = true
expect-json /entries = 0

=== nor their API token
header Authorization: Bearer ${dave_token}
GET /api/v1/me
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== nor their tokens in the list
header Cookie: ${dave_cookie}
GET /api/v1/tokens
expect 200
expect-json /items length 0

=== a percent-encoded handle in the path is decoded
as admin
PATCH /api/v1/persons/e.r_i-n%40example.org
body {"role":"mediator"}
expect 200
expect-json /handle = "e.r_i-n@example.org"
expect-json /role = "mediator"
