# Authorization: who may call which route. Every route of every route
# table is called by an anonymous client, by the disabled carol (with her
# token and with her dead session cookie); session-only routes are called
# with a token, admin routes by non-admins; records and the audit chain are
# checked across persons; and CSRF is enforced on cookie writes.
#
# Routes (src/api/*.c):
#   public:  POST /auth/login, GET /health, GET /openapi.json,
#            GET /doctypes, GET /doctypes/{name}
#   person:  GET /me, records (6 routes), GET /audit, GET /audit/verify
#   session: POST /auth/logout, POST /auth/password, DELETE /me,
#            GET /tokens, POST /tokens, DELETE /tokens/{id}
#   admin:   GET /persons, POST /persons, PATCH /persons/{handle},
#            DELETE /persons/{handle}, GET /orgs, POST /orgs
# HEAD is routed to the GET routes; refused HEADs are not checked here (a
# HEAD answer has no body, and the runner checks every error's problem
# document).

# ---- fixtures of this file --------------------------------------------------

=== alice creates a record
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":-12.5,"currency":"EUR","label":"Boulangerie","category":"food"}
expect 201
expect-json /rev = 1
save atx = /id

=== alice's fixture token id
as alice
GET /api/v1/tokens
expect 200
expect-json /items length 1
save fixture_token_id = /items/0/id

=== the admin makes an API token
as admin
POST /api/v1/tokens
body {"name":"admin script"}
expect 201
save admin_token = /token

# ---- anonymous: 401 with a challenge on every non-public route -------------

=== anonymous: logout is 401
POST /api/v1/auth/logout
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== anonymous: change password is 401
POST /api/v1/auth/password
body {"current":"pw-x-correct-horse","new":"pw-new-battery-staple"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== anonymous: me is 401
GET /api/v1/me
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== anonymous: erase me is 401
DELETE /api/v1/me
body {"password":"pw-carol-correct-horse","confirm":"carol"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== anonymous: list tokens is 401
GET /api/v1/tokens
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== anonymous: create a token is 401
POST /api/v1/tokens
body {"name":"intruder"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== anonymous: revoke a token is 401
DELETE /api/v1/tokens/${fixture_token_id}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== anonymous: list persons is 401
GET /api/v1/persons
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== anonymous: create a person is 401
POST /api/v1/persons
body {"handle":"intruder","password":"pw-intruder-correct-horse","role":"admin"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== anonymous: patch a person is 401
PATCH /api/v1/persons/alice
body {"role":"admin"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== anonymous: erase a person is 401
DELETE /api/v1/persons/bob
body {"confirm":"bob"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== anonymous: list orgs is 401
GET /api/v1/orgs
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== anonymous: create an org is 401
POST /api/v1/orgs
body {"name":"Intruders","kind":"city"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== anonymous: list records is 401
GET /api/v1/records/bank.transaction
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== anonymous: create a record is 401
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":-12.5,"currency":"EUR","label":"Boulangerie","category":"food"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== anonymous: read a record is 401
GET /api/v1/records/bank.transaction/${atx}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== anonymous: replace a record is 401
PUT /api/v1/records/bank.transaction/${atx}
body {"date":"2024-03-01","amount":-99,"currency":"EUR","label":"Boulangerie","category":"food"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== anonymous: patch a record is 401
PATCH /api/v1/records/bank.transaction/${atx}
body {"amount":-99}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== anonymous: delete a record is 401
DELETE /api/v1/records/bank.transaction/${atx}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== anonymous: audit is 401
GET /api/v1/audit
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== anonymous: audit verify is 401
GET /api/v1/audit/verify
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

# ---- a token that was never issued: 401 ------------------------------------

=== unknown token: me is 401
as token:cmn_anything
GET /api/v1/me
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== unknown token: list tokens is 401
as token:cmn_anything
GET /api/v1/tokens
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== unknown token: list persons is 401
as token:cmn_anything
GET /api/v1/persons
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== unknown token: create a record is 401
as token:cmn_anything
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":-12.5,"currency":"EUR","label":"Boulangerie","category":"food"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== unknown token: audit is 401
as token:cmn_anything
GET /api/v1/audit
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== a Bearer value without the cmn_ prefix is 401
header Authorization: Bearer ${alice_id}
GET /api/v1/me
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== Basic authentication is not accepted
header Authorization: Basic YWxpY2U6cHctYWxpY2UtY29ycmVjdC1ob3JzZQ==
GET /api/v1/me
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

# ---- the disabled carol, by her token: 403 account-disabled everywhere -----

=== carol's token: logout is 403 account-disabled
as token:carol
POST /api/v1/auth/logout
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

=== carol's token: change password is 403 account-disabled
as token:carol
POST /api/v1/auth/password
body {"current":"pw-x-correct-horse","new":"pw-new-battery-staple"}
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

=== carol's token: me is 403 account-disabled
as token:carol
GET /api/v1/me
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

=== carol's token: erase me is 403 account-disabled
as token:carol
DELETE /api/v1/me
body {"password":"pw-carol-correct-horse","confirm":"carol"}
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

=== carol's token: list tokens is 403 account-disabled
as token:carol
GET /api/v1/tokens
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

=== carol's token: create a token is 403 account-disabled
as token:carol
POST /api/v1/tokens
body {"name":"intruder"}
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

=== carol's token: revoke a token is 403 account-disabled
as token:carol
DELETE /api/v1/tokens/${fixture_token_id}
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

=== carol's token: list persons is 403 account-disabled
as token:carol
GET /api/v1/persons
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

=== carol's token: create a person is 403 account-disabled
as token:carol
POST /api/v1/persons
body {"handle":"intruder","password":"pw-intruder-correct-horse","role":"admin"}
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

=== carol's token: patch a person is 403 account-disabled
as token:carol
PATCH /api/v1/persons/alice
body {"role":"admin"}
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

=== carol's token: erase a person is 403 account-disabled
as token:carol
DELETE /api/v1/persons/bob
body {"confirm":"bob"}
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

=== carol's token: list orgs is 403 account-disabled
as token:carol
GET /api/v1/orgs
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

=== carol's token: create an org is 403 account-disabled
as token:carol
POST /api/v1/orgs
body {"name":"Intruders","kind":"city"}
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

=== carol's token: list records is 403 account-disabled
as token:carol
GET /api/v1/records/bank.transaction
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

=== carol's token: create a record is 403 account-disabled
as token:carol
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":-12.5,"currency":"EUR","label":"Boulangerie","category":"food"}
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

=== carol's token: read a record is 403 account-disabled
as token:carol
GET /api/v1/records/bank.transaction/${atx}
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

=== carol's token: replace a record is 403 account-disabled
as token:carol
PUT /api/v1/records/bank.transaction/${atx}
body {"date":"2024-03-01","amount":-99,"currency":"EUR","label":"Boulangerie","category":"food"}
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

=== carol's token: patch a record is 403 account-disabled
as token:carol
PATCH /api/v1/records/bank.transaction/${atx}
body {"amount":-99}
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

=== carol's token: delete a record is 403 account-disabled
as token:carol
DELETE /api/v1/records/bank.transaction/${atx}
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

=== carol's token: audit is 403 account-disabled
as token:carol
GET /api/v1/audit
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

=== carol's token: audit verify is 403 account-disabled
as token:carol
GET /api/v1/audit/verify
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header WWW-Authenticate: absent

# ---- the disabled carol, by her old session cookie: 401 everywhere ---------

=== carol's old cookie: logout is 401
as carol
POST /api/v1/auth/logout
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== carol's old cookie: change password is 401
as carol
POST /api/v1/auth/password
body {"current":"pw-x-correct-horse","new":"pw-new-battery-staple"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== carol's old cookie: me is 401
as carol
GET /api/v1/me
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== carol's old cookie: erase me is 401
as carol
DELETE /api/v1/me
body {"password":"pw-carol-correct-horse","confirm":"carol"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== carol's old cookie: list tokens is 401
as carol
GET /api/v1/tokens
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== carol's old cookie: create a token is 401
as carol
POST /api/v1/tokens
body {"name":"intruder"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== carol's old cookie: revoke a token is 401
as carol
DELETE /api/v1/tokens/${fixture_token_id}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== carol's old cookie: list persons is 401
as carol
GET /api/v1/persons
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== carol's old cookie: create a person is 401
as carol
POST /api/v1/persons
body {"handle":"intruder","password":"pw-intruder-correct-horse","role":"admin"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== carol's old cookie: patch a person is 401
as carol
PATCH /api/v1/persons/alice
body {"role":"admin"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== carol's old cookie: erase a person is 401
as carol
DELETE /api/v1/persons/bob
body {"confirm":"bob"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== carol's old cookie: list orgs is 401
as carol
GET /api/v1/orgs
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== carol's old cookie: create an org is 401
as carol
POST /api/v1/orgs
body {"name":"Intruders","kind":"city"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== carol's old cookie: list records is 401
as carol
GET /api/v1/records/bank.transaction
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== carol's old cookie: create a record is 401
as carol
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":-12.5,"currency":"EUR","label":"Boulangerie","category":"food"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== carol's old cookie: read a record is 401
as carol
GET /api/v1/records/bank.transaction/${atx}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== carol's old cookie: replace a record is 401
as carol
PUT /api/v1/records/bank.transaction/${atx}
body {"date":"2024-03-01","amount":-99,"currency":"EUR","label":"Boulangerie","category":"food"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== carol's old cookie: patch a record is 401
as carol
PATCH /api/v1/records/bank.transaction/${atx}
body {"amount":-99}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== carol's old cookie: delete a record is 401
as carol
DELETE /api/v1/records/bank.transaction/${atx}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== carol's old cookie: audit is 401
as carol
GET /api/v1/audit
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== carol's old cookie: audit verify is 401
as carol
GET /api/v1/audit/verify
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

# ---- session-only routes refuse tokens: 403 forbidden -----------------------

=== a token: logout is 403 forbidden
as token:alice
POST /api/v1/auth/logout
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== a token: change password is 403 forbidden
as token:alice
POST /api/v1/auth/password
body {"current":"pw-x-correct-horse","new":"pw-new-battery-staple"}
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== a token: erase me is 403 forbidden
as token:alice
DELETE /api/v1/me
body {"password":"pw-alice-correct-horse","confirm":"alice"}
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== a token: list tokens is 403 forbidden
as token:alice
GET /api/v1/tokens
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== a token: create a token is 403 forbidden
as token:alice
POST /api/v1/tokens
body {"name":"intruder"}
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== a token: revoke a token is 403 forbidden
as token:alice
DELETE /api/v1/tokens/${fixture_token_id}
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== the admin's token: a session-only route is 403 forbidden too
header Authorization: Bearer ${admin_token}
GET /api/v1/tokens
expect 403
expect-json /type = "urn:commune:problem:forbidden"

# ---- admin routes refuse non-admins: 403 forbidden --------------------------

=== alice (resident): list persons is 403 forbidden
as alice
GET /api/v1/persons
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== alice (resident): create a person is 403 forbidden
as alice
POST /api/v1/persons
body {"handle":"intruder","password":"pw-intruder-correct-horse","role":"admin"}
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== alice (resident): patch a person is 403 forbidden
as alice
PATCH /api/v1/persons/alice
body {"role":"admin"}
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== alice (resident): erase a person is 403 forbidden
as alice
DELETE /api/v1/persons/bob
body {"confirm":"bob"}
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== alice (resident): list orgs is 403 forbidden
as alice
GET /api/v1/orgs
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== alice (resident): create an org is 403 forbidden
as alice
POST /api/v1/orgs
body {"name":"Intruders","kind":"city"}
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== pro (professional): list persons is 403 forbidden
as pro
GET /api/v1/persons
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== pro (professional): create a person is 403 forbidden
as pro
POST /api/v1/persons
body {"handle":"intruder","password":"pw-intruder-correct-horse","role":"admin"}
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== pro (professional): patch a person is 403 forbidden
as pro
PATCH /api/v1/persons/alice
body {"role":"admin"}
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== pro (professional): erase a person is 403 forbidden
as pro
DELETE /api/v1/persons/bob
body {"confirm":"bob"}
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== pro (professional): list orgs is 403 forbidden
as pro
GET /api/v1/orgs
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== pro (professional): create an org is 403 forbidden
as pro
POST /api/v1/orgs
body {"name":"Intruders","kind":"city"}
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== alice's token: list persons is 403 forbidden
as token:alice
GET /api/v1/persons
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== alice's token: list orgs is 403 forbidden
as token:alice
GET /api/v1/orgs
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== an admin's token may use admin routes
header Authorization: Bearer ${admin_token}
GET /api/v1/persons
expect 200
expect-json /items length 5

# ---- none of the refused calls changed anything -----------------------------

=== no person was created, changed or erased
as admin
GET /api/v1/persons
expect 200
expect-json /items length 5
expect-json /items/1/handle = "alice"
expect-json /items/1/role = "resident"
expect-json /items/2/handle = "bob"
expect-json /items/3/handle = "carol"
expect-json /items/3/disabled = true

=== no organisation was created
as admin
GET /api/v1/orgs
expect 200
expect-json /items length 0

=== alice's fixture token was not revoked and no token was added
as alice
GET /api/v1/tokens
expect 200
expect-json /items length 1
expect-json /items/0/id = "${fixture_token_id}"

=== alice's password was not changed
POST /api/v1/auth/login
body {"handle":"alice","password":"pw-alice-correct-horse"}
expect 200
expect-json /person/id = "${alice_id}"

=== carol's password was not changed and she was not erased
POST /api/v1/auth/login
body {"handle":"carol","password":"pw-carol-correct-horse"}
expect 403
expect-json /type = "urn:commune:problem:account-disabled"

=== alice's record is unchanged
as alice
GET /api/v1/records/bank.transaction/${atx}
expect 200
expect-json /rev = 1
expect-json /data/amount = -12.5

=== alice still has exactly one record and one audit entry
as alice
GET /api/v1/audit/verify
expect 200
expect-json /intact = true
expect-json /entries = 2

=== alice's session was not logged out by anyone
as alice
GET /api/v1/me
expect 200
expect-json /auth = "session"

# ---- another person: bob and alice's record ---------------------------------

=== bob cannot read alice's record
as bob
GET /api/v1/records/bank.transaction/${atx}
expect 404
expect-json /type = "urn:commune:problem:not-found"
expect-json /detail = "no such record"
expect-header ETag: absent

=== bob cannot read it with a projection either
as bob
GET /api/v1/records/bank.transaction/${atx}?fields=amount
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== bob cannot replace alice's record
as bob
PUT /api/v1/records/bank.transaction/${atx}
body {"date":"2024-03-01","amount":-99,"currency":"EUR","label":"bob was here"}
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== bob's If-Match does not reveal the record: 404, not 412
as bob
PUT /api/v1/records/bank.transaction/${atx}
header If-Match: "r7"
body {"date":"2024-03-01","amount":-99,"currency":"EUR","label":"bob was here"}
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== bob cannot patch alice's record
as bob
PATCH /api/v1/records/bank.transaction/${atx}
header Content-Type: application/merge-patch+json
body {"label":"bob was here"}
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== bob cannot patch it with the right revision either
as bob
PATCH /api/v1/records/bank.transaction/${atx}
header If-Match: "r1"
body {"label":"bob was here"}
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== bob cannot delete alice's record
as bob
DELETE /api/v1/records/bank.transaction/${atx}
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== bob cannot delete it with the right revision either
as bob
DELETE /api/v1/records/bank.transaction/${atx}
header If-Match: "r1"
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== the record is there: alice's own token reads it
as token:alice
GET /api/v1/records/bank.transaction/${atx}
expect 200
expect-json /id = "${atx}"

=== the admin cannot read alice's record either: admins administer, they do not read data
as admin
GET /api/v1/records/bank.transaction/${atx}
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== bob's list of bank transactions does not contain alice's
as bob
GET /api/v1/records/bank.transaction
expect 200
expect-json /items length 0
expect-json /next_cursor = null

=== bob's list filtered on alice's values is empty too
as bob
GET /api/v1/records/bank.transaction?filter.category=food&filter.amount=-12.5
expect 200
expect-json /items length 0

=== bob writes a record of his own
as bob
POST /api/v1/records/bank.transaction
body {"date":"2024-03-02","amount":-4,"currency":"EUR","label":"bob's bread"}
expect 201
save btx = /id

=== bob's list has only his record
as bob
GET /api/v1/records/bank.transaction
expect 200
expect-json /items length 1
expect-json /items/0/id = "${btx}"
expect-json /items/0/data/label = "bob's bread"

=== bob's audit has only his own entry
as bob
GET /api/v1/audit
expect 200
expect-json /items length 1
expect-json /items/0/action = "record.create"
expect-json /items/0/actor = "person:${bob_id}"
expect-json /items/0/object ~ ${btx}
expect-json /next_after = null

=== bob's audit chain counts only his entry
as bob
GET /api/v1/audit/verify
expect 200
expect-json /intact = true
expect-json /entries = 1

=== alice cannot read bob's record
as alice
GET /api/v1/records/bank.transaction/${btx}
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== alice's audit has only her entries: her fixture token, her record
as alice
GET /api/v1/audit
expect 200
expect-json /items length 2
expect-json /items/0/action = "token.create"
expect-json /items/1/actor = "person:${alice_id}"
expect-json /items/1/object ~ ${atx}

=== after all of bob's attempts alice still reads her record unchanged, rev 1
as alice
GET /api/v1/records/bank.transaction/${atx}
expect 200
expect-header ETag: "r1"
expect-json /rev = 1
expect-json /data/label = "Boulangerie"
expect-json /data/amount = -12.5

=== and her list is just that record
as alice
GET /api/v1/records/bank.transaction
expect 200
expect-json /items length 1
expect-json /items/0/id = "${atx}"

# ---- CSRF: a cookie write needs X-CSRF-Token --------------------------------

=== a POST with the cookie but no CSRF token is 403 csrf
as alice nocsrf
POST /api/v1/records/bank.transaction
body {"date":"2024-03-05","amount":-1,"currency":"EUR","label":"forged"}
expect 403
expect-json /type = "urn:commune:problem:csrf"

=== a wrong CSRF token is 403 csrf
as alice nocsrf
header X-CSRF-Token: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
POST /api/v1/records/bank.transaction
body {"date":"2024-03-05","amount":-1,"currency":"EUR","label":"forged"}
expect 403
expect-json /type = "urn:commune:problem:csrf"

=== bob logs in for a CSRF token of his own
POST /api/v1/auth/login
body {"handle":"bob","password":"pw-bob-correct-horse"}
expect 200
save bob_csrf2 = /csrf

=== another session's CSRF token is 403 csrf
as alice nocsrf
header X-CSRF-Token: ${bob_csrf2}
POST /api/v1/records/bank.transaction
body {"date":"2024-03-05","amount":-1,"currency":"EUR","label":"forged"}
expect 403
expect-json /type = "urn:commune:problem:csrf"

=== a PUT without the CSRF token is 403 csrf
as alice nocsrf
PUT /api/v1/records/bank.transaction/${atx}
body {"date":"2024-03-01","amount":-99,"currency":"EUR","label":"forged"}
expect 403
expect-json /type = "urn:commune:problem:csrf"

=== a PATCH without the CSRF token is 403 csrf
as alice nocsrf
PATCH /api/v1/records/bank.transaction/${atx}
body {"label":"forged"}
expect 403
expect-json /type = "urn:commune:problem:csrf"

=== a DELETE without the CSRF token is 403 csrf
as alice nocsrf
DELETE /api/v1/records/bank.transaction/${atx}
expect 403
expect-json /type = "urn:commune:problem:csrf"

=== a token creation without the CSRF token is 403 csrf
as alice nocsrf
POST /api/v1/tokens
body {"name":"forged"}
expect 403
expect-json /type = "urn:commune:problem:csrf"

=== a token revocation without the CSRF token is 403 csrf
as alice nocsrf
DELETE /api/v1/tokens/${fixture_token_id}
expect 403
expect-json /type = "urn:commune:problem:csrf"

=== an admin write without the CSRF token is 403 csrf
as admin nocsrf
POST /api/v1/persons
body {"handle":"forged","password":"pw-forged-correct-horse"}
expect 403
expect-json /type = "urn:commune:problem:csrf"

=== an admin erasure without the CSRF token is 403 csrf
as admin nocsrf
DELETE /api/v1/persons/bob
body {"confirm":"bob"}
expect 403
expect-json /type = "urn:commune:problem:csrf"

=== the forged writes created nothing: alice has one record, one audit entry
as alice
GET /api/v1/audit/verify
expect 200
expect-json /entries = 2

=== alice's record is still rev 1
as alice
GET /api/v1/records/bank.transaction/${atx}
expect 200
expect-json /rev = 1
expect-json /data/label = "Boulangerie"

=== alice's tokens are as they were
as alice
GET /api/v1/tokens
expect 200
expect-json /items length 1

=== no person was forged nor erased
as admin
GET /api/v1/persons
expect 200
expect-json /items length 5
expect-json /items/2/handle = "bob"

=== a GET needs no CSRF token
as alice nocsrf
GET /api/v1/records/bank.transaction
expect 200
expect-json /items length 1

=== a token needs no CSRF token to write
as token:alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-06","amount":-2,"currency":"EUR","label":"by script"}
expect 201
expect-json /meta/source = "token:fixture"

=== with the CSRF token the session writes
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-07","amount":-3,"currency":"EUR","label":"by hand"}
expect 201
expect-json /meta/source = "api"

=== alice now has three records
as alice
GET /api/v1/records/bank.transaction
expect 200
expect-json /items length 3

# ---- public routes ----------------------------------------------------------

=== health, anonymously
GET /api/v1/health
expect 200
expect-json /status = "ok"
expect-json /version ~ ^[0-9]+\.[0-9]+\.[0-9]+
expect-json /uptime_s exists

=== openapi.json, anonymously
GET /api/v1/openapi.json
expect 200
expect-header Content-Type: application/json
expect-json /openapi ~ ^3\.1
expect-json /info/title = "commune"

=== the doctype registry, anonymously
GET /api/v1/doctypes
expect 200
expect-json /items/0/name = "bank.transaction"

=== one doctype, anonymously
GET /api/v1/doctypes/bank.transaction
expect 200
expect-json /name = "bank.transaction"
expect-json /schema/type = "object"

=== login, anonymously
POST /api/v1/auth/login
body {"handle":"bob","password":"pw-bob-correct-horse"}
expect 200
expect-json /person/id = "${bob_id}"

=== a public route ignores a bad token
as token:cmn_anything
GET /api/v1/health
expect 200
expect-json /status = "ok"

=== a public route ignores the disabled carol's token
as token:carol
GET /api/v1/doctypes/bank.transaction
expect 200
expect-json /name = "bank.transaction"

=== a public route ignores a dead cookie
as carol
GET /api/v1/openapi.json
expect 200
expect-json /openapi ~ ^3\.1
