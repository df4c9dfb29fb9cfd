# Records: the happy path of every records route.

=== create a bank transaction
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-03-01","amount":-12.5,"currency":"EUR","label":"Boulangerie","category":"food"}
expect 201
expect-header ETag: "r1"
expect-header Location: ~^/api/v1/records/bank.transaction/[0-9a-f-]{36}$
expect-json /rev = 1
expect-json /data/amount = -12.5
expect-json /meta/source = "api"
expect-json /id ~ ^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$
save tx = /id

=== read it back
as alice
GET /api/v1/records/bank.transaction/${tx}
expect 200
expect-header ETag: "r1"
expect-json /data/label = "Boulangerie"
expect-json /meta/created ~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T
expect-header Cache-Control: no-store

=== read with a projection
as alice
GET /api/v1/records/bank.transaction/${tx}?fields=amount,currency
expect 200
expect-json /data length 2
expect-json /data/amount = -12.5
expect-json /data/label absent

=== replace it with If-Match
as alice
PUT /api/v1/records/bank.transaction/${tx}
header If-Match: "r1"
body {"date":"2024-03-01","amount":-13,"currency":"EUR","label":"Boulangerie Paul","category":"food"}
expect 200
expect-header ETag: "r2"
expect-json /data/amount = -13

=== a stale If-Match is refused and changes nothing
as alice
PUT /api/v1/records/bank.transaction/${tx}
header If-Match: "r1"
body {"date":"2024-03-01","amount":-99,"currency":"EUR","label":"lost update"}
expect 412
expect-json /type = "urn:commune:problem:precondition-failed"

=== the stale write left the record as it was
as alice
GET /api/v1/records/bank.transaction/${tx}
expect 200
expect-json /data/amount = -13
expect-json /rev = 2

=== merge-patch a field away and another in
as alice
PATCH /api/v1/records/bank.transaction/${tx}
header Content-Type: application/merge-patch+json
header If-Match: "r2"
body {"category":null,"counterparty":"Paul SA"}
expect 200
expect-json /rev = 3
expect-json /data/category absent
expect-json /data/counterparty = "Paul SA"

=== a patch that breaks the schema is refused
as alice
PATCH /api/v1/records/bank.transaction/${tx}
body {"amount":"ten"}
expect 400
expect-json /errors/0/pointer = "/amount"

=== more records for listing
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-02-10","amount":1500,"currency":"EUR","label":"Salaire","category":"income"}
expect 201

=== a third one
as alice
POST /api/v1/records/bank.transaction
body {"date":"2024-04-05","amount":-60.2,"currency":"EUR","label":"EDF","category":"energy"}
expect 201
save edf = /id

=== list all, default order
as alice
GET /api/v1/records/bank.transaction
expect 200
expect-json /items length 3
expect-json /next_cursor = null

=== filter on an indexed field
as alice
GET /api/v1/records/bank.transaction?filter.amount.lt=0
expect 200
expect-json /items length 2

=== filter with in
as alice
GET /api/v1/records/bank.transaction?filter.category.in=income,energy&sort=date
expect 200
expect-json /items length 2
expect-json /items/0/data/label = "Salaire"
expect-json /items/1/data/label = "EDF"

=== time range on the time field
as alice
GET /api/v1/records/bank.transaction?from=2024-03-01&to=2024-04-01
expect 200
expect-json /items length 1
expect-json /items/0/id = "${tx}"

=== sort descending on the time field, paged
as alice
GET /api/v1/records/bank.transaction?sort=-date&limit=2
expect 200
expect-json /items length 2
expect-json /items/0/data/label = "EDF"
expect-json /next_cursor ~ ^[A-Za-z0-9_-]+$
save next = /next_cursor

=== second page
as alice
GET /api/v1/records/bank.transaction?sort=-date&limit=2&cursor=${next}
expect 200
expect-json /items length 1
expect-json /items/0/data/label = "Salaire"
expect-json /next_cursor = null

=== a cursor for another sort is refused
as alice
GET /api/v1/records/bank.transaction?sort=date&limit=2&cursor=${next}
expect 400
expect-json /parameter = "cursor"

=== delete with If-Match
as alice
DELETE /api/v1/records/bank.transaction/${edf}
header If-Match: "r1"
expect 204

=== deleted means gone
as alice
GET /api/v1/records/bank.transaction/${edf}
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== the audit chain saw every write and is intact
as alice
GET /api/v1/audit/verify
expect 200
expect-json /intact = true
expect-json /entries = 7

=== the audit chain lists them
as alice
GET /api/v1/audit?limit=2
expect 200
expect-json /items length 2
expect-json /items/0/action = "token.create"
expect-json /items/0/object ~ ^token/[0-9a-f]{32}$
expect-json /items/0/detail/name = "fixture"
expect-json /items/1/action = "record.create"
expect-json /items/1/actor = "person:${alice_id}"
expect-json /next_after = 2

=== a token can write, and is named as the source
as token:alice
POST /api/v1/records/mobility.trip
body {"start":"2024-03-01T08:00:00+01:00","end":"2024-03-01T08:25:00+01:00","mode":"bike","distance_m":5400}
expect 201
expect-json /meta/source = "token:fixture"
