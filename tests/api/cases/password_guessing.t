# A stolen session must not let its holder guess the password: the checks
# of POST /api/v1/auth/password and DELETE /api/v1/me count against the
# account like failed logins (5 in 15 minutes, then 429).

=== a weak new password is refused whatever the current one (no oracle)
as bob
POST /api/v1/auth/password
body {"current":"pw-bob-correct-horse","new":"short"}
expect 400
expect-json /detail ~ at least 10 characters

=== the same answer with a wrong current password
as bob
POST /api/v1/auth/password
body {"current":"guess-1-guess","new":"short"}
expect 400
expect-json /detail ~ at least 10 characters

=== wrong guess 1
as bob
POST /api/v1/auth/password
body {"current":"guess-1-guess","new":"a-new-long-password"}
expect 403
expect-json /detail = "the current password is wrong"

=== wrong guess 2
as bob
POST /api/v1/auth/password
body {"current":"guess-2-guess","new":"a-new-long-password"}
expect 403

=== wrong guess 3, through the erasure route
as bob
DELETE /api/v1/me
body {"password":"guess-3-guess","confirm":"bob"}
expect 403

=== wrong guess 4
as bob
DELETE /api/v1/me
body {"password":"guess-4-guess","confirm":"bob"}
expect 403

=== wrong guess 5
as bob
POST /api/v1/auth/password
body {"current":"guess-5-guess","new":"a-new-long-password"}
expect 403

=== the 6th is refused before any check, even with the right password
as bob
POST /api/v1/auth/password
body {"current":"pw-bob-correct-horse","new":"a-new-long-password"}
expect 429
expect-json /type = "urn:commune:problem:rate-limited"
expect-header Retry-After: ~^[0-9]+$

=== erasure too
as bob
DELETE /api/v1/me
body {"password":"pw-bob-correct-horse","confirm":"bob"}
expect 429

=== and logging in as bob
POST /api/v1/auth/login
body {"handle":"bob","password":"pw-bob-correct-horse"}
expect 429
expect-header Retry-After: ~^[0-9]+$

=== bob's account is intact: his session still reads
as bob
GET /api/v1/me
expect 200
expect-json /handle = "bob"

=== another person is not affected
POST /api/v1/auth/login
body {"handle":"alice","password":"pw-alice-correct-horse"}
expect 200
