# Authentication: login, sessions, tokens, password change, erasure, rate
# limits and logout.
#
# Order matters in this file:
# - every failed login counts against the client address (all cases come
#   from 127.0.0.1: 20 failures in 15 minutes, then 429 for any handle),
#   so failed logins are counted in comments ([addr N]) up to the
#   per-address case near the end;
# - "pro" changes its password, then erases itself;
# - logging out the runner's cached session of alice comes last (the runner
#   would keep sending the dead cookie). Logging out a fresh session is
#   tested earlier with a cookie kept by save-header.

# ---- login ------------------------------------------------------------------

=== login: a session cookie, HttpOnly and SameSite=Strict
POST /api/v1/auth/login
body {"handle":"bob","password":"pw-bob-correct-horse"}
expect 200
expect-header Set-Cookie: ~^commune_session=[A-Za-z0-9_-]{20,}; 
expect-header Set-Cookie: ~; HttpOnly(;|$)
expect-header Set-Cookie: ~; SameSite=Strict(;|$)
expect-header Set-Cookie: ~; Path=/(;|$)
expect-header Set-Cookie: ~; Max-Age=43200(;|$)
expect-header Cache-Control: no-store
expect-json /csrf ~ ^[A-Za-z0-9_-]{20,}$
expect-json /person/id = "${bob_id}"
expect-json /person/handle = "bob"
expect-json /person/role = "resident"
expect-json /person/disabled = false
expect-json /expires ~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T
expect-json /token absent
expect-json /person/password absent
save-header bob2_cookie = Set-Cookie
save bob2_csrf = /csrf

=== the new session works
header Cookie: ${bob2_cookie}
GET /api/v1/me
expect 200
expect-json /id = "${bob_id}"
expect-json /auth = "session"

=== a wrong password is 401, with no cookie  [addr 1]
POST /api/v1/auth/login
body {"handle":"alice","password":"pw-alice-wrong-horse"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-json /detail = "wrong handle or password"
expect-header Set-Cookie: absent
expect-header WWW-Authenticate: Bearer realm="commune"
expect-json /csrf absent
save wrong_pw_detail = /detail
save wrong_pw_title = /title

=== an unknown handle gets the very same answer  [addr 2]
POST /api/v1/auth/login
body {"handle":"nobody","password":"pw-alice-wrong-horse"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-json /title = "${wrong_pw_title}"
expect-json /detail = "${wrong_pw_detail}"
expect-header Set-Cookie: absent
expect-header WWW-Authenticate: Bearer realm="commune"

=== handles are exact: Alice is not alice  [addr 3]
POST /api/v1/auth/login
body {"handle":"Alice","password":"pw-alice-correct-horse"}
expect 401
expect-json /detail = "${wrong_pw_detail}"

=== the disabled carol, with her password: 403 account-disabled, no cookie
POST /api/v1/auth/login
body {"handle":"carol","password":"pw-carol-correct-horse"}
expect 403
expect-json /type = "urn:commune:problem:account-disabled"
expect-header Set-Cookie: absent
expect-json /csrf absent

=== the disabled carol with a wrong password: plain 401, nothing disclosed  [addr 4]
POST /api/v1/auth/login
body {"handle":"carol","password":"pw-carol-wrong-horse"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-json /detail = "${wrong_pw_detail}"

=== a login without a password is 400, not a failed login
POST /api/v1/auth/login
body {"handle":"alice"}
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /errors/0/pointer = "/password"

=== a login with a handle that is not a string is 400
POST /api/v1/auth/login
body {"handle":["alice"],"password":"pw-alice-correct-horse"}
expect 400
expect-json /errors/0/pointer = "/handle"

=== a login with an unknown member is 400
POST /api/v1/auth/login
body {"handle":"alice","password":"pw-alice-correct-horse","remember":true}
expect 400
expect-json /errors/0/pointer = "/remember"

=== a login with a handle over 64 bytes is 400
POST /api/v1/auth/login
body {"handle":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","password":"x"}
expect 400
expect-json /errors/0/pointer = "/handle"

=== a login as a form is 415
POST /api/v1/auth/login
header Content-Type: application/x-www-form-urlencoded
body handle=alice&password=pw-alice-correct-horse
expect 415
expect-json /type = "urn:commune:problem:unsupported-media-type"
expect-header Set-Cookie: absent

=== GET on the login route is 405
GET /api/v1/auth/login
expect 405
expect-header Allow: POST
expect-json /type = "urn:commune:problem:method-not-allowed"

# ---- who am I ---------------------------------------------------------------

=== me, by session
as alice
GET /api/v1/me
expect 200
expect-json /id = "${alice_id}"
expect-json /handle = "alice"
expect-json /role = "resident"
expect-json /disabled = false
expect-json /auth = "session"
expect-json /created ~ ^20[0-9]{2}-

=== me, by token
as token:alice
GET /api/v1/me
expect 200
expect-json /id = "${alice_id}"
expect-json /handle = "alice"
expect-json /auth = "token"

=== the Bearer scheme is case-insensitive
header Authorization: bearer ${alice_token}
GET /api/v1/me
expect 200
expect-json /auth = "token"

=== another scheme is 401
header Authorization: Token ${alice_token}
GET /api/v1/me
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== a token that was never issued is 401
as token:cmn_anything
GET /api/v1/me
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== me, anonymous, is 401
GET /api/v1/me
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== a session cookie that was never issued is 401
header Cookie: commune_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
GET /api/v1/me
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

# ---- API tokens -------------------------------------------------------------

=== alice's tokens: the fixture one, without its secret
as alice
GET /api/v1/tokens
expect 200
expect-json /items length 1
expect-json /items/0/name = "fixture"
expect-json /items/0/id ~ ^[0-9a-f]{32}$
expect-json /items/0/created ~ ^20[0-9]{2}-
expect-json /items/0/token absent
expect-json /items/0/hash absent
save fixture_token_id = /items/0/id

=== create a token: its secret is shown once
as alice
POST /api/v1/tokens
body {"name":"backup script"}
expect 201
expect-json /name = "backup script"
expect-json /token ~ ^cmn_[A-Za-z0-9_-]{20,}$
expect-json /id ~ ^[0-9a-f]{32}$
expect-json /last_used = null
save script_token = /token
save script_token_id = /id

=== the list shows it, without the secret
as alice
GET /api/v1/tokens
expect 200
expect-json /items length 2
expect-json /items/1/id = "${script_token_id}"
expect-json /items/1/name = "backup script"
expect-json /items/1/token absent
expect-json /items/0/token absent

=== the new token authenticates as alice
header Authorization: Bearer ${script_token}
GET /api/v1/me
expect 200
expect-json /id = "${alice_id}"
expect-json /auth = "token"

=== using it is recorded
as alice
GET /api/v1/tokens
expect 200
expect-json /items/1/last_used ~ ^20[0-9]{2}-

=== a token cannot create a token
as token:alice
POST /api/v1/tokens
body {"name":"token-made"}
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== nor can the new token
header Authorization: Bearer ${script_token}
POST /api/v1/tokens
body {"name":"token-made"}
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== a token cannot list tokens
as token:alice
GET /api/v1/tokens
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== a token cannot revoke a token
header Authorization: Bearer ${script_token}
DELETE /api/v1/tokens/${fixture_token_id}
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== nothing was created or revoked by the tokens
as alice
GET /api/v1/tokens
expect 200
expect-json /items length 2

=== a token needs a name
as alice
POST /api/v1/tokens
body {"name":""}
expect 400
expect-json /errors/0/pointer = "/name"

=== a token name is at most 100 bytes
as alice
POST /api/v1/tokens
body {"name":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}
expect 400
expect-json /errors/0/pointer = "/name"

=== a token creation without a body is 415
as alice
POST /api/v1/tokens
expect 415
expect-json /type = "urn:commune:problem:unsupported-media-type"

=== bob cannot revoke alice's token
as bob
DELETE /api/v1/tokens/${fixture_token_id}
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== bob does not see alice's tokens
as bob
GET /api/v1/tokens
expect 200
expect-json /items length 0

=== alice's token still works after bob's attempt
as token:alice
GET /api/v1/me
expect 200
expect-json /id = "${alice_id}"

=== revoke the new token
as alice
DELETE /api/v1/tokens/${script_token_id}
expect 204

=== a revoked token is 401
header Authorization: Bearer ${script_token}
GET /api/v1/me
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== revoking it again is 404
as alice
DELETE /api/v1/tokens/${script_token_id}
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== revoking an unknown id is 404
as alice
DELETE /api/v1/tokens/00000000000000000000000000000000
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== the list is back to the fixture token
as alice
GET /api/v1/tokens
expect 200
expect-json /items length 1
expect-json /items/0/id = "${fixture_token_id}"

# ---- logout of a fresh session ----------------------------------------------

=== logout needs the CSRF token
header Cookie: ${bob2_cookie}
POST /api/v1/auth/logout
expect 403
expect-json /type = "urn:commune:problem:csrf"

=== logout with a wrong CSRF token is refused too
header Cookie: ${bob2_cookie}
header X-CSRF-Token: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
POST /api/v1/auth/logout
expect 403
expect-json /type = "urn:commune:problem:csrf"

=== the session survived the refused logouts
header Cookie: ${bob2_cookie}
GET /api/v1/me
expect 200
expect-json /id = "${bob_id}"

=== a token cannot log out
as token:alice
POST /api/v1/auth/logout
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== logout, anonymous, is 401
POST /api/v1/auth/logout
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== logout: 204 and the cookie is cleared
header Cookie: ${bob2_cookie}
header X-CSRF-Token: ${bob2_csrf}
POST /api/v1/auth/logout
expect 204
expect-header Set-Cookie: ~^commune_session=; 
expect-header Set-Cookie: ~; Max-Age=0(;|$)
expect-header Set-Cookie: ~; HttpOnly(;|$)

=== the logged-out cookie no longer works
header Cookie: ${bob2_cookie}
GET /api/v1/me
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== logging out twice is 401
header Cookie: ${bob2_cookie}
header X-CSRF-Token: ${bob2_csrf}
POST /api/v1/auth/logout
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== bob's other session is untouched
as bob
GET /api/v1/me
expect 200
expect-json /id = "${bob_id}"

# ---- password change (pro) --------------------------------------------------

=== pro opens a second session
POST /api/v1/auth/login
body {"handle":"pro","password":"pw-pro-correct-horse"}
expect 200
expect-json /person/id = "${pro_id}"
save-header pro2_cookie = Set-Cookie

=== a wrong current password is 403
as pro
POST /api/v1/auth/password
body {"current":"pw-pro-wrong-horse","new":"pw-pro-new-battery-staple"}
expect 403
expect-json /type = "urn:commune:problem:forbidden"
expect-json /detail = "the current password is wrong"

=== a too short new password is 400
as pro
POST /api/v1/auth/password
body {"current":"pw-pro-correct-horse","new":"short"}
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /detail = "the password must have at least 10 characters"

=== a missing new password is 400 with its pointer
as pro
POST /api/v1/auth/password
body {"current":"pw-pro-correct-horse"}
expect 400
expect-json /errors/0/pointer = "/new"

=== a new password that is not a string is 400
as pro
POST /api/v1/auth/password
body {"current":"pw-pro-correct-horse","new":1234567890}
expect 400
expect-json /errors/0/pointer = "/new"

=== a password change needs the CSRF token
as pro nocsrf
POST /api/v1/auth/password
body {"current":"pw-pro-correct-horse","new":"pw-pro-new-battery-staple"}
expect 403
expect-json /type = "urn:commune:problem:csrf"

=== a token cannot change the password
as token:alice
POST /api/v1/auth/password
body {"current":"pw-alice-correct-horse","new":"pw-alice-new-battery-staple"}
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== alice's password did not change through her token
POST /api/v1/auth/login
body {"handle":"alice","password":"pw-alice-correct-horse"}
expect 200
expect-json /person/id = "${alice_id}"

=== the refused changes kept pro's password
POST /api/v1/auth/login
body {"handle":"pro","password":"pw-pro-correct-horse"}
expect 200
expect-json /person/id = "${pro_id}"
save-header pro3_cookie = Set-Cookie

=== change the password
as pro
POST /api/v1/auth/password
body {"current":"pw-pro-correct-horse","new":"pw-pro-new-battery-staple"}
expect 204

=== the session that changed it goes on
as pro
GET /api/v1/me
expect 200
expect-json /id = "${pro_id}"

=== pro's other sessions were ended
header Cookie: ${pro2_cookie}
GET /api/v1/me
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== all of them
header Cookie: ${pro3_cookie}
GET /api/v1/me
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== the old password no longer logs in  [addr 5]
POST /api/v1/auth/login
body {"handle":"pro","password":"pw-pro-correct-horse"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header Set-Cookie: absent

=== the new one does
POST /api/v1/auth/login
body {"handle":"pro","password":"pw-pro-new-battery-staple"}
expect 200
expect-json /person/id = "${pro_id}"
expect-header Set-Cookie: ~^commune_session=

# ---- erasing one's account (pro) --------------------------------------------

=== pro makes a token before leaving
as pro
POST /api/v1/tokens
body {"name":"pro script"}
expect 201
save pro_token = /token

=== pro writes a record before leaving
as pro
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":-10,"currency":"EUR","label":"pro"}
expect 201
expect-json /rev = 1

=== erasing with a wrong confirmation is 400
as pro
DELETE /api/v1/me
body {"password":"pw-pro-new-battery-staple","confirm":"pr0"}
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /detail ~ confirm

=== erasing with a wrong password is 403
as pro
DELETE /api/v1/me
body {"password":"pw-pro-correct-horse","confirm":"pro"}
expect 403
expect-json /type = "urn:commune:problem:forbidden"
expect-json /detail = "the password is wrong"

=== erasing without a password is 400 with its pointer
as pro
DELETE /api/v1/me
body {"confirm":"pro"}
expect 400
expect-json /errors/0/pointer = "/password"

=== erasing needs the CSRF token
as pro nocsrf
DELETE /api/v1/me
body {"password":"pw-pro-new-battery-staple","confirm":"pro"}
expect 403
expect-json /type = "urn:commune:problem:csrf"

=== a token cannot erase its person
header Authorization: Bearer ${pro_token}
DELETE /api/v1/me
body {"password":"pw-pro-new-battery-staple","confirm":"pro"}
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== the refused erasures left pro and their data in place
as pro
GET /api/v1/records/bank.transaction
expect 200
expect-json /items length 1
expect-json /items/0/data/label = "pro"

=== erase: 204 and the cookie is cleared
as pro
DELETE /api/v1/me
body {"password":"pw-pro-new-battery-staple","confirm":"pro"}
expect 204
expect-header Set-Cookie: ~^commune_session=; 
expect-header Set-Cookie: ~; Max-Age=0(;|$)

=== the erased person's session is dead
as pro
GET /api/v1/me
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== the erased person's token is dead
header Authorization: Bearer ${pro_token}
GET /api/v1/records/bank.transaction
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== the erased person cannot log in  [addr 6]
POST /api/v1/auth/login
body {"handle":"pro","password":"pw-pro-new-battery-staple"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-json /detail = "${wrong_pw_detail}"

=== the erased person is gone from the persons
as admin
GET /api/v1/persons
expect 200
expect-json /items length 4
expect-json /items/0/handle = "admin"
expect-json /items/3/handle = "carol"

# ---- rate limit per handle --------------------------------------------------

=== mallory: failure 1  [addr 7]
POST /api/v1/auth/login
body {"handle":"mallory","password":"guess-1-guess-1"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== mallory: failure 2  [addr 8]
POST /api/v1/auth/login
body {"handle":"mallory","password":"guess-2-guess-2"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== mallory: failure 3  [addr 9]
POST /api/v1/auth/login
body {"handle":"mallory","password":"guess-3-guess-3"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== mallory: failure 4  [addr 10]
POST /api/v1/auth/login
body {"handle":"mallory","password":"guess-4-guess-4"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== mallory: failure 5  [addr 11]
POST /api/v1/auth/login
body {"handle":"mallory","password":"guess-5-guess-5"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== mallory: the 6th attempt is 429 with Retry-After  (refused, not counted)
POST /api/v1/auth/login
body {"handle":"mallory","password":"guess-6-guess-6"}
expect 429
expect-json /type = "urn:commune:problem:rate-limited"
expect-json /detail ~ too many failed logins
expect-header Retry-After: ~^([1-9][0-9]{0,1}|[1-8][0-9]{2}|900)$
expect-header Set-Cookie: absent

=== mallory: still 429
POST /api/v1/auth/login
body {"handle":"mallory","password":"guess-7-guess-7"}
expect 429
expect-json /type = "urn:commune:problem:rate-limited"
expect-header Retry-After: ~^[0-9]+$

=== bob: failure 1  [addr 12]
POST /api/v1/auth/login
body {"handle":"bob","password":"guess-1-guess-1"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== bob: failure 2  [addr 13]
POST /api/v1/auth/login
body {"handle":"bob","password":"guess-2-guess-2"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== bob: failure 3  [addr 14]
POST /api/v1/auth/login
body {"handle":"bob","password":"guess-3-guess-3"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== bob: failure 4  [addr 15]
POST /api/v1/auth/login
body {"handle":"bob","password":"guess-4-guess-4"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== bob: failure 5  [addr 16]
POST /api/v1/auth/login
body {"handle":"bob","password":"guess-5-guess-5"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== bob is locked: even the right password is 429
POST /api/v1/auth/login
body {"handle":"bob","password":"pw-bob-correct-horse"}
expect 429
expect-json /type = "urn:commune:problem:rate-limited"
expect-header Retry-After: ~^[0-9]+$
expect-header Set-Cookie: absent

=== bob's existing session is not ended by the lock
as bob
GET /api/v1/me
expect 200
expect-json /id = "${bob_id}"

=== another handle is not locked
POST /api/v1/auth/login
body {"handle":"admin","password":"pw-admin-correct-horse"}
expect 200
expect-json /person/handle = "admin"

# ---- rate limit per address -------------------------------------------------

=== more failures from this address  [addr 17]
POST /api/v1/auth/login
body {"handle":"trudy1","password":"guess-guess-guess"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== more failures from this address  [addr 18]
POST /api/v1/auth/login
body {"handle":"trudy2","password":"guess-guess-guess"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== more failures from this address  [addr 19]
POST /api/v1/auth/login
body {"handle":"trudy3","password":"guess-guess-guess"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== the 20th failure from this address  [addr 20]
POST /api/v1/auth/login
body {"handle":"trudy4","password":"guess-guess-guess"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== after 20 failures the address is locked: even admin's right password is 429
POST /api/v1/auth/login
body {"handle":"admin","password":"pw-admin-correct-horse"}
expect 429
expect-json /type = "urn:commune:problem:rate-limited"
expect-header Retry-After: ~^[0-9]+$
expect-header Set-Cookie: absent

=== existing sessions still work
as admin
GET /api/v1/me
expect 200
expect-json /role = "admin"

# ---- logout of the runner's session of alice: LAST -------------------------

=== alice logs out
as alice
POST /api/v1/auth/logout
expect 204
expect-header Set-Cookie: ~; Max-Age=0(;|$)

=== alice's cookie no longer works
as alice
GET /api/v1/me
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"
expect-header WWW-Authenticate: Bearer realm="commune"

=== nor for writing
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"after logout"}
expect 401
expect-json /type = "urn:commune:problem:unauthenticated"

=== logging out does not revoke alice's API token
as token:alice
GET /api/v1/records/bank.transaction
expect 200
expect-json /items length 0

# Guessing a password through a live session: see password_guessing.t
