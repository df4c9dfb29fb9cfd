# Doctypes: the registry is public (the shapes of data, never the data).

=== the registry lists every doctype, anonymously
GET /api/v1/doctypes
expect 200
expect-header Cache-Control: no-store
expect-header Content-Type: application/json
expect-json /items length 24
expect-json /items/0/name = "bank.transaction"
expect-json /items/0/version = 1
expect-json /items/0/kind = "document"
expect-json /items/0/sensitivity = "sensitive"
expect-json /items/0/title/en = "Bank transaction"
expect-json /items/1/name = "calendar.event"
expect-json /items/2/name = "document.file"
expect-json /items/2/kind = "file"
expect-json /items/3/name = "energy.electricity.consumption"
expect-json /items/3/kind = "timeseries"
expect-json /items/4/name = "energy.electricity.index"
expect-json /items/4/kind = "timeseries"
expect-json /items/5/name = "energy.electricity.load_curve"
expect-json /items/5/kind = "timeseries"
expect-json /items/6/name = "energy.gas.consumption"
expect-json /items/6/kind = "timeseries"
expect-json /items/7/name = "energy.profile.monthly"
expect-json /items/8/name = "energy.pv.simulation"
expect-json /items/9/name = "food.purchase"
expect-json /items/10/name = "footprint.co2.monthly"
expect-json /items/11/name = "footprint.food.monthly"
expect-json /items/12/name = "household.profile"
expect-json /items/12/sensitivity = "personal"
expect-json /items/13/name = "leisure.offer.match"
expect-json /items/14/name = "mobility.budget.monthly"
expect-json /items/15/name = "mobility.position"
expect-json /items/15/kind = "timeseries"
expect-json /items/16/name = "mobility.route.recurrent"
expect-json /items/17/name = "mobility.tokens.monthly"
expect-json /items/18/name = "mobility.trip"
expect-json /items/19/name = "social.aid.simulation"
expect-json /items/20/name = "social.allowance"
expect-json /items/21/name = "social.situation.monthly"
expect-json /items/22/name = "tax.household"
expect-json /items/23/name = "water.consumption"
expect-json /items/23/kind = "timeseries"

=== the list is a summary: no schema in it
GET /api/v1/doctypes
expect 200
expect-json /items/0/schema absent
expect-json /items/0/indexes absent

=== a signed-in person sees the same registry
as alice
GET /api/v1/doctypes
expect 200
expect-json /items length 24

=== a token sees the same registry
as token:alice
GET /api/v1/doctypes
expect 200
expect-json /items length 24

=== show one doctype: the whole definition with its schema
GET /api/v1/doctypes/bank.transaction
expect 200
expect-header Content-Type: application/json
expect-json /name = "bank.transaction"
expect-json /version = 1
expect-json /kind = "document"
expect-json /time_field = "date"
expect-json /retention = "P10Y"
expect-json /indexes = ["date","account"]
expect-json /filters = ["amount","category"]
expect-json /schema/type = "object"
expect-json /schema/additionalProperties = false
expect-json /schema/required = ["date","amount","currency","label"]
expect-json /schema/properties/amount/type = "number"
expect-json /schema/properties/currency/minLength = 3
expect-json /schema/properties/category/enum/0 = "income"

=== show a time-series doctype
GET /api/v1/doctypes/energy.electricity.load_curve
expect 200
expect-json /kind = "timeseries"
expect-json /time_field absent
expect-json /series/units = ["W"]
expect-json /series/steps_s = [600,1800,3600]
expect-json /schema/required/0 = "prm"

=== show a file doctype
GET /api/v1/doctypes/document.file
expect 200
expect-json /kind = "file"
expect-json /schema/properties/sha256 exists

=== a percent-encoded name is decoded
GET /api/v1/doctypes/bank%2Etransaction
expect 200
expect-json /name = "bank.transaction"

=== an unknown doctype is 404
GET /api/v1/doctypes/no.such.doctype
expect 404
expect-json /type = "urn:commune:problem:not-found"
expect-json /detail = "no such doctype"
expect-json /instance = "/api/v1/doctypes/no.such.doctype"

=== a doctype name in another case is unknown
GET /api/v1/doctypes/Bank.Transaction
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== a path traversal in the name is just an unknown doctype
GET /api/v1/doctypes/..%2F..%2Fbank.transaction
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== a malformed percent-encoding in the name is 400
GET /api/v1/doctypes/%zz
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /detail = "a path segment is malformed"

=== a trailing slash is no route
GET /api/v1/doctypes/
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== the registry is read-only: POST is 405
POST /api/v1/doctypes
body {"name":"x"}
expect 405
expect-header Allow: GET, HEAD
expect-json /type = "urn:commune:problem:method-not-allowed"

=== and so is one doctype: DELETE is 405
as admin
DELETE /api/v1/doctypes/bank.transaction
expect 405
expect-header Allow: GET, HEAD
expect-json /type = "urn:commune:problem:method-not-allowed"

=== the doctype is still there
GET /api/v1/doctypes/bank.transaction
expect 200
expect-json /name = "bank.transaction"
