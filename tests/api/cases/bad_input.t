# Bad input: every malformed, oversized, mistyped or hostile request is
# refused with a 4xx problem (never 200 for the attack, never 500), and
# changes nothing. alice writes three records first; after the whole series
# her records and her audit chain are exactly as they were.

# ---- the baseline -----------------------------------------------------------

=== alice's first record
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":-12.5,"currency":"EUR","label":"Boulangerie","category":"food"}
expect 201
save tx1 = /id

=== alice's second record
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-02","amount":1500,"currency":"EUR","label":"Salaire","category":"income"}
expect 201
save tx2 = /id

=== a charset parameter on application/json is fine (third record)
as alice
POST /api/v1/records/bank.transaction
header Content-Type: application/json; charset=utf-8
body {"date":"2024-03-03","amount":-60.2,"currency":"EUR","label":"EDF \ud83d\udca1 caf\u00e9","category":"energy"}
expect 201
expect-json /data/label = "EDF 💡 café"
save tx3 = /id

=== the baseline: three records
as alice
GET /api/v1/records/bank.transaction
expect 200
expect-json /items length 3

=== the baseline: four audit entries (the fixture token, three records), intact
as alice
GET /api/v1/audit/verify
expect 200
expect-json /intact = true
expect-json /entries = 4

# ---- malformed JSON ---------------------------------------------------------

=== a missing value: 400 with line and column
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":}
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /detail ~ ^malformed JSON at line 1, column [0-9]+
expect-json /line = 1
expect-json /column = 31

=== the line is counted in a multi-line body
as alice
POST /api/v1/records/bank.transaction
body {\x0a"date": "2024-03-01",\x0a"amount": ,\x0a"currency":"EUR"}
expect 400
expect-json /detail ~ ^malformed JSON at line 3, column
expect-json /line = 3
expect-json /column exists

=== an unterminated object
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01"
expect 400
expect-json /detail ~ ^malformed JSON
expect-json /line = 1
expect-json /column exists

=== garbage after the object
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"x"} x
expect 400
expect-json /detail ~ nothing after the value expected
expect-json /line = 1

=== single quotes are not JSON
as alice
POST /api/v1/records/bank.transaction
body {'date':'2024-03-01','amount':1,'currency':'EUR','label':'x'}
expect 400
expect-json /detail ~ ^malformed JSON
expect-json /column exists

=== a trailing comma is not JSON
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"x",}
expect 400
expect-json /detail ~ ^malformed JSON
expect-json /line = 1

=== NaN is not JSON
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":NaN,"currency":"EUR","label":"x"}
expect 400
expect-json /detail ~ ^malformed JSON
expect-json /line = 1

=== a number out of range of a double
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1e400,"currency":"EUR","label":"x"}
expect 400
expect-json /detail ~ ^malformed JSON
expect-json /column exists

=== a raw control character in a string
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"a\x01b"}
expect 400
expect-json /detail ~ ^malformed JSON
expect-json /line = 1

=== a byte order mark is refused
as alice
POST /api/v1/records/bank.transaction
body \xef\xbb\xbf{"date":"2024-03-01","amount":1,"currency":"EUR","label":"x"}
expect 400
expect-json /detail ~ ^malformed JSON
expect-json /line = 1
expect-json /column = 1

=== a bare number is not a record
as alice
POST /api/v1/records/bank.transaction
body 42
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /line = 1

=== null is not a record
as alice
POST /api/v1/records/bank.transaction
body null
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /line = 1

=== an array is not a record
as alice
POST /api/v1/records/bank.transaction
body [{"date":"2024-03-01","amount":1,"currency":"EUR","label":"x"}]
expect 400
expect-json /errors/0/pointer = ""
expect-json /errors/0/detail ~ object

=== an empty body
as alice
POST /api/v1/records/bank.transaction
body
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /detail = "a JSON body is required"

=== duplicate keys in an object
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"amount":-1000,"currency":"EUR","label":"x"}
expect 400
expect-json /detail ~ duplicate object key
expect-json /line = 1
expect-json /column exists

=== duplicate keys in a nested object of a patch
as alice
PATCH /api/v1/records/bank.transaction/${tx1}
body {"label":"a","label":"b"}
expect 400
expect-json /detail ~ duplicate object key

=== 40 levels of nesting
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"x","n":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /detail = "the body is nested too deeply"

=== 33 levels of nesting: one too many
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"x","n":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}
expect 400
expect-json /detail = "the body is nested too deeply"

=== 32 levels pass the nesting limit (and then the schema refuses "n")
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"x","n":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}
expect 400
expect-json /errors/0/pointer = "/n"

=== a deeply nested merge patch
as alice
PATCH /api/v1/records/bank.transaction/${tx1}
header Content-Type: application/merge-patch+json
body {"label":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":1}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}
expect 400
expect-json /detail = "the body is nested too deeply"

=== a deeply nested login
POST /api/v1/auth/login
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"x","n":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}
expect 400
expect-json /detail = "the body is nested too deeply"

=== malformed JSON on the login route
POST /api/v1/auth/login
body {"handle":"alice","password":
expect 400
expect-json /detail ~ ^malformed JSON
expect-json /line = 1

=== malformed JSON on an admin route
as admin
POST /api/v1/persons
body {"handle":"x" "password":"y"}
expect 400
expect-json /detail ~ ^malformed JSON
expect-json /column exists

# ---- encodings --------------------------------------------------------------

=== invalid UTF-8 bytes in a string
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"\xff\xfe"}
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /detail = "the body is not valid UTF-8"

=== an overlong UTF-8 encoding of "/"
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"\xc0\xaf"}
expect 400
expect-json /detail = "the body is not valid UTF-8"

=== a UTF-8-encoded surrogate
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"\xed\xa0\x80"}
expect 400
expect-json /detail = "the body is not valid UTF-8"

=== a truncated UTF-8 sequence
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"caf\xc3"}
expect 400
expect-json /detail = "the body is not valid UTF-8"

=== invalid UTF-8 in a key
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"x","\xff":1}
expect 400
expect-json /detail = "the body is not valid UTF-8"

=== a raw NUL byte
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"a\x00b"}
expect 400
expect-json /type = "urn:commune:problem:invalid-request"

=== an escaped NUL
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"a\u0000b"}
expect 400
expect-json /detail ~ ^malformed JSON
expect-json /line = 1

=== an escaped lone surrogate
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"\ud800"}
expect 400
expect-json /detail ~ ^malformed JSON
expect-json /column exists

=== invalid UTF-8 in a login
POST /api/v1/auth/login
body {"handle":"alice","password":"\xff"}
expect 400
expect-json /detail = "the body is not valid UTF-8"

# ---- the schema of the doctype ----------------------------------------------

=== wrong types: every error with its pointer
as alice
POST /api/v1/records/bank.transaction
body {"date":20240301,"amount":"-12.5","currency":"EUR","label":true}
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /errors length 3
expect-json /errors/0/pointer = "/date"
expect-json /errors/0/detail ~ string
expect-json /errors/1/pointer = "/amount"
expect-json /errors/1/detail ~ number
expect-json /errors/2/pointer = "/label"

=== null is not a number
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":null,"currency":"EUR","label":"x"}
expect 400
expect-json /errors/0/pointer = "/amount"

=== missing required fields
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01"}
expect 400
expect-json /errors length 3
expect-json /errors/0/pointer = "/amount"
expect-json /errors/0/detail = "is required"
expect-json /errors/1/pointer = "/currency"
expect-json /errors/2/pointer = "/label"

=== an empty object misses every required field
as alice
POST /api/v1/records/bank.transaction
body {}
expect 400
expect-json /errors length 4
expect-json /errors/0/pointer = "/date"

=== additionalProperties: an unknown member
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"x","owner":"bob"}
expect 400
expect-json /errors length 1
expect-json /errors/0/pointer = "/owner"
expect-json /errors/0/detail = "is not a known property"

=== an unknown member with a JSON-pointer-special name is escaped
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"x","a/b~c":1}
expect 400
expect-json /errors/0/pointer = "/a~1b~0c"

=== an impossible date
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-02-30","amount":1,"currency":"EUR","label":"x"}
expect 400
expect-json /errors/0/pointer = "/date"
expect-json /errors/0/detail ~ date

=== a date with SQL in it
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01'; DROP TABLE records;--","amount":1,"currency":"EUR","label":"x"}
expect 400
expect-json /errors/0/pointer = "/date"

=== a value outside the enum
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"x","category":"Food"}
expect 400
expect-json /errors/0/pointer = "/category"
expect-json /errors/0/detail = "must be one of the allowed values"

=== a currency of the wrong length
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EURO","label":"x"}
expect 400
expect-json /errors/0/pointer = "/currency"

=== a label over its maxLength
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}
expect 400
expect-json /errors/0/pointer = "/label"

=== a replacement that breaks the schema changes nothing
as alice
PUT /api/v1/records/bank.transaction/${tx1}
body {"date":"2024-03-01","amount":-12.5,"currency":"EUR"}
expect 400
expect-json /errors/0/pointer = "/label"

=== a replacement that is an array
as alice
PUT /api/v1/records/bank.transaction/${tx1}
body []
expect 400
expect-json /errors/0/pointer = ""

=== a patch that is an array
as alice
PATCH /api/v1/records/bank.transaction/${tx1}
header Content-Type: application/merge-patch+json
body [{"op":"replace","path":"/amount","value":0}]
expect 400
expect-json /errors/0/pointer = ""

=== a patch that removes a required field
as alice
PATCH /api/v1/records/bank.transaction/${tx1}
header Content-Type: application/merge-patch+json
body {"label":null}
expect 400
expect-json /errors/0/pointer = "/label"
expect-json /errors/0/detail = "is required"

=== a patch that adds an unknown field
as alice
PATCH /api/v1/records/bank.transaction/${tx1}
body {"owner":"bob"}
expect 400
expect-json /errors/0/pointer = "/owner"

=== an unquoted If-Match is 412
as alice
PUT /api/v1/records/bank.transaction/${tx1}
header If-Match: r1
body {"date":"2024-03-01","amount":-1,"currency":"EUR","label":"x"}
expect 412
expect-json /type = "urn:commune:problem:precondition-failed"

=== a weak If-Match is 412
as alice
DELETE /api/v1/records/bank.transaction/${tx1}
header If-Match: W/"r1"
expect 412
expect-json /type = "urn:commune:problem:precondition-failed"

=== an If-Match with SQL in it is 412
as alice
PATCH /api/v1/records/bank.transaction/${tx1}
header If-Match: "r1 OR 1=1"
body {"amount":-1}
expect 412
expect-json /type = "urn:commune:problem:precondition-failed"

=== an If-Match of revision 0 is 412
as alice
DELETE /api/v1/records/bank.transaction/${tx1}
header If-Match: "r0"
expect 412
expect-json /type = "urn:commune:problem:precondition-failed"

=== a wrong type on the token route
as alice
POST /api/v1/tokens
body {"name":42}
expect 400
expect-json /errors/0/pointer = "/name"

=== a wrong type on the password route
as alice
POST /api/v1/auth/password
body {"current":"pw-alice-correct-horse","new":["pw-alice-new-battery"]}
expect 400
expect-json /errors/0/pointer = "/new"

=== a wrong type on the erase route
as alice
DELETE /api/v1/me
body {"password":"pw-alice-correct-horse","confirm":true}
expect 400
expect-json /errors/0/pointer = "/confirm"

=== an unknown member on the erase route
as alice
DELETE /api/v1/me
body {"password":"pw-alice-correct-horse","confirm":"alice","force":true}
expect 400
expect-json /errors/0/pointer = "/force"

=== alice was not erased by any of that
as alice
GET /api/v1/me
expect 200
expect-json /handle = "alice"

# ---- size limits ------------------------------------------------------------

=== a body over 1 MiB (a JSON number of 1048577 digits) is 413
as alice
POST /api/v1/records/bank.transaction
body-repeat 1048577 1
expect 413
expect-json /type = "urn:commune:problem:body-too-large"

=== a body over 1 MiB of repeated "xxx", items is 413
as alice
POST /api/v1/records/bank.transaction
body-repeat 220000 "xxx",
expect 413
expect-json /type = "urn:commune:problem:body-too-large"

=== a body of exactly 1 MiB is read (and refused as JSON, not as too large)
as alice
POST /api/v1/records/bank.transaction
body-repeat 1048576 1
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /line = 1

=== an oversized login is 413
POST /api/v1/auth/login
body-repeat 1048577 1
expect 413
expect-json /type = "urn:commune:problem:body-too-large"

=== a request target over 4096 bytes is 414
as alice
GET /api/v1/records/bank.transaction?fields=${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}${alice_id}
expect 414
expect-json /type = "urn:commune:problem:uri-too-long"

=== request headers over 16 KiB are 431
as alice
header X-Pad1: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
header X-Pad2: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
header X-Pad3: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
header X-Pad4: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
header X-Pad5: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"padded"}
expect 431
expect-json /type = "urn:commune:problem:headers-too-large"

# ---- content types ----------------------------------------------------------

=== text/plain is 415
as alice
POST /api/v1/records/bank.transaction
header Content-Type: text/plain
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"x"}
expect 415
expect-json /type = "urn:commune:problem:unsupported-media-type"
expect-json /detail = "send the body as application/json"

=== no Content-Type is 415
as alice
POST /api/v1/records/bank.transaction
header Content-Type:
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"x"}
expect 415
expect-json /type = "urn:commune:problem:unsupported-media-type"

=== a form is 415
as alice
POST /api/v1/records/bank.transaction
header Content-Type: application/x-www-form-urlencoded
body date=2024-03-01&amount=1&currency=EUR&label=x
expect 415
expect-json /type = "urn:commune:problem:unsupported-media-type"

=== application/jsonx is not application/json
as alice
POST /api/v1/records/bank.transaction
header Content-Type: application/jsonx
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"x"}
expect 415
expect-json /type = "urn:commune:problem:unsupported-media-type"

=== JSON Patch is not JSON Merge Patch
as alice
PATCH /api/v1/records/bank.transaction/${tx1}
header Content-Type: application/json-patch+json
body [{"op":"replace","path":"/amount","value":0}]
expect 415
expect-json /type = "urn:commune:problem:unsupported-media-type"

=== multipart is 415
as alice
PUT /api/v1/records/bank.transaction/${tx1}
header Content-Type: multipart/form-data; boundary=x
body --x--
expect 415
expect-json /type = "urn:commune:problem:unsupported-media-type"

# ---- doctypes ---------------------------------------------------------------

=== an unknown doctype: create is 404
as alice
POST /api/v1/records/no.such.doctype
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"x"}
expect 404
expect-json /type = "urn:commune:problem:not-found"
expect-json /detail = "unknown doctype"

=== an unknown doctype: list is 404
as alice
GET /api/v1/records/no.such.doctype
expect 404
expect-json /detail = "unknown doctype"

=== an unknown doctype: read is 404
as alice
GET /api/v1/records/no.such.doctype/${tx1}
expect 404
expect-json /detail = "unknown doctype"

=== the record exists under its own doctype only
as alice
GET /api/v1/records/mobility.trip/${tx1}
expect 404
expect-json /detail = "no such record"

=== a time-series doctype through the records API is 422
as alice
POST /api/v1/records/energy.electricity.load_curve
body {"prm":"12345678901234","start":"2024-03-01T00:00:00Z","unit":"W","step_s":1800}
expect 422
expect-json /type = "urn:commune:problem:unsupported"
expect-json /detail ~ not documents

=== listing a time-series doctype through the records API is 422
as alice
GET /api/v1/records/energy.electricity.load_curve
expect 422
expect-json /type = "urn:commune:problem:unsupported"

=== deleting from a time-series doctype through the records API is 422
as alice
DELETE /api/v1/records/energy.electricity.load_curve/${tx1}
expect 422
expect-json /type = "urn:commune:problem:unsupported"

=== a file doctype through the records API is 422
as alice
POST /api/v1/records/document.file
body {"name":"a.pdf","media_type":"application/pdf","size":1,"sha256":"00","issued":"2024-03-01"}
expect 422
expect-json /type = "urn:commune:problem:unsupported"

=== a doctype with a traversal in its name is unknown
as alice
GET /api/v1/records/..%2F..%2Fplatform.db
expect 404
expect-json /detail = "unknown doctype"

# ---- hostile ids in the path -------------------------------------------------

=== an encoded path traversal as an id is 404
as alice
GET /api/v1/records/bank.transaction/..%2F..%2Fplatform.db
expect 404
expect-json /type = "urn:commune:problem:not-found"
expect-json /detail = "no such record"

=== a raw path traversal is no route: 404
as alice
GET /api/v1/records/bank.transaction/../../x
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== a traversal out of the API is 404
GET /api/v1/../../etc/passwd
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== ".." as an id is 404
as alice
GET /api/v1/records/bank.transaction/..
expect 404
expect-json /detail = "no such record"

=== an id with double quotes is 404
as alice
GET /api/v1/records/bank.transaction/%22%20OR%20%221%22=%221
expect 404
expect-json /detail = "no such record"

=== an id with single quotes is 404
as alice
GET /api/v1/records/bank.transaction/'%20OR%20'1'='1
expect 404
expect-json /detail = "no such record"

=== a replacement at a hostile id is 404
as alice
PUT /api/v1/records/bank.transaction/..%2F..%2Fplatform.db
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"x"}
expect 404
expect-json /detail = "no such record"

=== a patch at a hostile id is 404
as alice
PATCH /api/v1/records/bank.transaction/x'%3B%20DROP%20TABLE%20records%3B--
body {"amount":1}
expect 404
expect-json /detail = "no such record"

=== a delete at a hostile id is 404
as alice
DELETE /api/v1/records/bank.transaction/%27%20OR%20%271%27=%271
expect 404
expect-json /detail = "no such record"

=== an id in capitals is not the record
as alice
GET /api/v1/records/bank.transaction/ABCDEF00-0000-7000-8000-000000000000
expect 404
expect-json /detail = "no such record"

=== an id with a NUL byte is 400
as alice
GET /api/v1/records/bank.transaction/${tx1}%00
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /detail = "a path segment is malformed"

=== bad percent-encoding in the path is 400
as alice
GET /api/v1/records/bank.transaction/%zz
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /detail = "a path segment is malformed"

=== invalid UTF-8 in the path is 400
as alice
GET /api/v1/records/bank.transaction/%ff%fe
expect 400
expect-json /detail = "a path segment is malformed"

=== a path segment over 255 bytes is 400
as alice
GET /api/v1/records/bank.transaction/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
expect 400
expect-json /detail = "a path segment is malformed"

# ---- the query string -------------------------------------------------------

=== SQL in a text filter value is just a value: empty result
as alice
GET /api/v1/records/bank.transaction?filter.category=food'%20OR%201=1--
expect 200
expect-json /items length 0

=== SQL in an "in" list is just values
as alice
GET /api/v1/records/bank.transaction?filter.category.in=food'),('x,income
expect 200
expect-json /items length 1
expect-json /items/0/data/label = "Salaire"

=== SQL closing a parenthesis in a value
as alice
GET /api/v1/records/bank.transaction?filter.account=x%27)%20OR%20(1=1
expect 200
expect-json /items length 0

=== SQL in a number filter is 400
as alice
GET /api/v1/records/bank.transaction?filter.amount.lt=0;DROP%20TABLE%20records
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /detail ~ does not match the field's type
expect-json /parameter ~ ^filter\.amount

=== the parameter of a bad filter value is named as sent
as alice
GET /api/v1/records/bank.transaction?filter.amount.lt=0;DROP%20TABLE%20records
expect 400
expect-json /parameter = "filter.amount.lt"

=== a field name with a quote is 400
as alice
GET /api/v1/records/bank.transaction?filter.amo'unt=1
expect 400
expect-json /parameter = "filter.amo'unt"
expect-json /detail ~ not filterable

=== a field name with SQL is 400
as alice
GET /api/v1/records/bank.transaction?filter.amount)%20OR%20(1=1
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /parameter ~ ^filter\.

=== a filter on a field that is not indexed is 400
as alice
GET /api/v1/records/bank.transaction?filter.label=Salaire
expect 400
expect-json /parameter = "filter.label"

=== an unknown filter operator is 400
as alice
GET /api/v1/records/bank.transaction?filter.amount.like=1
expect 400
expect-json /parameter = "filter.amount.like"
expect-json /detail ~ unknown filter operator

=== too many values in "in" is 400
as alice
GET /api/v1/records/bank.transaction?filter.amount.in=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32
expect 400
expect-json /detail ~ too many values

=== too many filters is 400
as alice
GET /api/v1/records/bank.transaction?filter.amount.gte=-0&filter.amount.gte=-1&filter.amount.gte=-2&filter.amount.gte=-3&filter.amount.gte=-4&filter.amount.gte=-5&filter.amount.gte=-6&filter.amount.gte=-7&filter.amount.gte=-8&filter.amount.gte=-9&filter.amount.gte=-10&filter.amount.gte=-11&filter.amount.gte=-12&filter.amount.gte=-13&filter.amount.gte=-14&filter.amount.gte=-15&filter.amount.gte=-16
expect 400
expect-json /detail ~ too many filters

=== SQL in sort is 400
as alice
GET /api/v1/records/bank.transaction?sort=date;DROP
expect 400
expect-json /parameter = "sort"

=== sorting on a field that is not indexed is 400
as alice
GET /api/v1/records/bank.transaction?sort=label
expect 400
expect-json /parameter = "sort"

=== sort given twice is 400
as alice
GET /api/v1/records/bank.transaction?sort=date&sort=-date
expect 400
expect-json /parameter = "sort"
expect-json /detail = "given twice"

=== SQL in fields is 400
as alice
GET /api/v1/records/bank.transaction?fields=amount,label'--
expect 400
expect-json /parameter = "fields"

=== an empty field name is 400
as alice
GET /api/v1/records/bank.transaction?fields=
expect 400
expect-json /parameter = "fields"

=== an unknown query parameter is 400
as alice
GET /api/v1/records/bank.transaction?owner=bob
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /parameter = "owner"
expect-json /detail = "unknown parameter"

=== an unknown parameter on one record is 400
as alice
GET /api/v1/records/bank.transaction/${tx1}?include=all
expect 400
expect-json /parameter = "include"

=== a filter on one record is 400, naming the parameter
as alice
GET /api/v1/records/bank.transaction/${tx1}?filter.amount=1
expect 400
expect-json /parameter = "filter.amount"
expect-json /detail = "only fields= applies to one record"

=== limit=0 is 400
as alice
GET /api/v1/records/bank.transaction?limit=0
expect 400
expect-json /parameter = "limit"
expect-json /detail = "must be an integer from 1 to 1000"

=== limit=100000 is 400
as alice
GET /api/v1/records/bank.transaction?limit=100000
expect 400
expect-json /parameter = "limit"

=== limit=-1 is 400
as alice
GET /api/v1/records/bank.transaction?limit=-1
expect 400
expect-json /parameter = "limit"

=== limit=abc is 400
as alice
GET /api/v1/records/bank.transaction?limit=abc
expect 400
expect-json /parameter = "limit"

=== limit given twice is 400
as alice
GET /api/v1/records/bank.transaction?limit=1&limit=2
expect 400
expect-json /parameter = "limit"

=== limit=1000 is the maximum, accepted
as alice
GET /api/v1/records/bank.transaction?limit=1000
expect 200
expect-json /items length 3

=== a cursor that is not base64 is 400
as alice
GET /api/v1/records/bank.transaction?cursor=!!!
expect 400
expect-json /parameter = "cursor"

=== a cursor that is not JSON is 400
as alice
GET /api/v1/records/bank.transaction?cursor=AAAA
expect 400
expect-json /parameter = "cursor"
expect-json /detail = "is not a cursor given by this server"

=== a truncated cursor is 400
as alice
GET /api/v1/records/bank.transaction?cursor=eyJzIjoiaWQiLCJrIjoieCI
expect 400
expect-json /parameter = "cursor"

=== a cursor with an object as its key is 400
as alice
GET /api/v1/records/bank.transaction?sort=-date&cursor=eyJzIjoiLWRhdGUiLCJrIjp7ImEiOjF9LCJpIjoieCJ9
expect 400
expect-json /parameter = "cursor"

=== a cursor with an oversized id is 400
as alice
GET /api/v1/records/bank.transaction?cursor=eyJzIjoiaWQiLCJrIjoiYSIsImkiOiJhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhIn0
expect 400
expect-json /parameter = "cursor"

=== a cursor with duplicate keys is 400
as alice
GET /api/v1/records/bank.transaction?cursor=eyJzIjoiaWQiLCJrIjoiYSIsImkiOiJhIiwicyI6ImlkIn0
expect 400
expect-json /parameter = "cursor"

=== a cursor that is an array is 400
as alice
GET /api/v1/records/bank.transaction?cursor=WzEsMiwzXQ
expect 400
expect-json /parameter = "cursor"

=== an empty cursor is 400
as alice
GET /api/v1/records/bank.transaction?cursor=
expect 400
expect-json /parameter = "cursor"

=== a cursor made for another sort is 400
as alice
GET /api/v1/records/bank.transaction?cursor=eyJzIjoiZGF0ZSIsImsiOjEsImkiOiIwMTg5MDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDAifQ
expect 400
expect-json /parameter = "cursor"
expect-json /detail = "was made for another sort order"

=== a forged cursor with SQL in its key is only a value: no error
as alice
GET /api/v1/records/bank.transaction?sort=-date&cursor=eyJzIjoiLWRhdGUiLCJrIjoiJzsgRFJPUCBUQUJMRSByZWNvcmRzOy0tIiwiaSI6IjAxODkwMDAwLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMCJ9
expect 200
expect-json /items exists

=== a forged cursor with SQL in its id is 400: a record id is a UUID
as alice
GET /api/v1/records/bank.transaction?sort=-date&cursor=eyJzIjoiLWRhdGUiLCJrIjoiJzsgRFJPUCBUQUJMRSByZWNvcmRzOy0tIiwiaSI6IicgT1IgMT0xLS0ifQ
expect 400
expect-json /parameter = "cursor"
expect-json /detail = "is not a cursor given by this server"

=== bad percent-encoding in a value is 400
as alice
GET /api/v1/records/bank.transaction?filter.category=%zz
expect 400
expect-json /detail = "malformed percent-encoding or UTF-8"
expect-json /parameter = ""

=== a truncated percent-encoding is 400
as alice
GET /api/v1/records/bank.transaction?filter.category=food%2
expect 400
expect-json /detail = "malformed percent-encoding or UTF-8"

=== bad percent-encoding in a key is 400
as alice
GET /api/v1/records/bank.transaction?filter.%zz=1
expect 400
expect-json /detail = "malformed percent-encoding or UTF-8"

=== an encoded NUL in a value is 400
as alice
GET /api/v1/records/bank.transaction?filter.category=food%00x
expect 400
expect-json /detail = "malformed percent-encoding or UTF-8"

=== encoded invalid UTF-8 in a value is 400
as alice
GET /api/v1/records/bank.transaction?filter.category=%ff
expect 400
expect-json /detail = "malformed percent-encoding or UTF-8"

=== a date that is not a date in from is 400
as alice
GET /api/v1/records/bank.transaction?from=yesterday
expect 400
expect-json /parameter = "from"

=== from given twice is 400
as alice
GET /api/v1/records/bank.transaction?from=2024-01-01&from=2024-02-01
expect 400
expect-json /parameter = "from"

=== an unknown audit parameter is 400
as alice
GET /api/v1/audit?owner=bob
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /detail ~ after=SEQ

=== an audit limit of 0 is 400
as alice
GET /api/v1/audit?limit=0
expect 400
expect-json /detail ~ limit=1..1000

=== a negative audit position is 400
as alice
GET /api/v1/audit?after=-1
expect 400
expect-json /type = "urn:commune:problem:invalid-request"

=== SQL in the audit position is 400
as alice
GET /api/v1/audit?after=1%20OR%201=1
expect 400
expect-json /type = "urn:commune:problem:invalid-request"

# ---- methods ----------------------------------------------------------------

=== PUT on health is 405 with Allow
PUT /api/v1/health
body {}
expect 405
expect-header Allow: GET, HEAD
expect-json /type = "urn:commune:problem:method-not-allowed"

=== DELETE on the doctype list is 405 with Allow
DELETE /api/v1/doctypes
expect 405
expect-header Allow: GET, HEAD

=== POST on a record is 405 with every method of the path
as alice
POST /api/v1/records/bank.transaction/${tx1}
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"x"}
expect 405
expect-header Allow: GET, HEAD, PUT, PATCH, DELETE

=== PUT on a collection is 405 with Allow
as alice
PUT /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":1,"currency":"EUR","label":"x"}
expect 405
expect-header Allow: GET, HEAD, POST

=== PATCH on me is 405 with Allow
as alice
PATCH /api/v1/me
body {"handle":"mallory"}
expect 405
expect-header Allow: GET, HEAD, DELETE

=== an invented method is 405
BREW /api/v1/health
expect 405
expect-header Allow: GET, HEAD
expect-json /type = "urn:commune:problem:method-not-allowed"

=== HEAD is answered where GET is
HEAD /api/v1/health
expect 200
expect-header Cache-Control: no-store
expect-header Content-Type: application/json

=== HEAD on a record answers with its ETag, like GET
as alice
HEAD /api/v1/records/bank.transaction/${tx1}
expect 200
expect-header ETag: "r1"

=== an unknown API route is 404
as alice
GET /api/v1/records
expect 404
expect-json /type = "urn:commune:problem:not-found"
expect-json /detail = "no such API route"

=== an unknown API version is 404
GET /api/v2/health
expect 404
expect-json /detail = "no such API route"

# ---- nothing changed --------------------------------------------------------

=== alice still has exactly her three records
as alice
GET /api/v1/records/bank.transaction
expect 200
expect-json /items length 3
expect-json /next_cursor = null

=== the audit chain still has exactly four entries, intact
as alice
GET /api/v1/audit/verify
expect 200
expect-json /intact = true
expect-json /entries = 4

=== the first record is untouched
as alice
GET /api/v1/records/bank.transaction/${tx1}
expect 200
expect-header ETag: "r1"
expect-json /rev = 1
expect-json /data/amount = -12.5
expect-json /data/label = "Boulangerie"
expect-json /data/category = "food"

=== the second record is untouched
as alice
GET /api/v1/records/bank.transaction/${tx2}
expect 200
expect-json /rev = 1
expect-json /data/amount = 1500

=== the third record is untouched
as alice
GET /api/v1/records/bank.transaction/${tx3}
expect 200
expect-json /rev = 1
expect-json /data/label = "EDF 💡 café"

=== nothing reached another doctype
as alice
GET /api/v1/records/mobility.trip
expect 200
expect-json /items length 0

=== no person was created by the bad admin request
as admin
GET /api/v1/persons
expect 200
expect-json /items length 5

=== the server is healthy after all of it
GET /api/v1/health
expect 200
expect-json /status = "ok"
