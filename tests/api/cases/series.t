# Time series through the API: create, append (JSON and CSV, idempotent),
# read raw and in buckets, delete a range, and who may do what.

=== create a load curve
as alice
POST /api/v1/series
body {"doctype":"energy.electricity.load_curve","source":"enedis","key":"12345678901234","unit":"W","step_s":1800,"tz":"Europe/Paris","meta":{"prm":"12345678901234"}}
expect 201
expect-header Location: ~^/api/v1/series/[0-9a-f]{32}$
expect-json /step_s = 1800
expect-json /points = 0
expect-json /first = null
save lc = /id

=== the same series twice is a conflict naming the first
as alice
POST /api/v1/series
body {"doctype":"energy.electricity.load_curve","source":"enedis","key":"12345678901234","unit":"W","step_s":1800}
expect 409
expect-json /id = "${lc}"

=== a unit the doctype does not have is refused
as alice
POST /api/v1/series
body {"doctype":"energy.electricity.load_curve","source":"enedis","key":"other","unit":"kWh","step_s":1800}
expect 400
expect-json /detail ~ unit

=== meta must match the doctype's schema
as alice
POST /api/v1/series
body {"doctype":"energy.electricity.load_curve","source":"enedis","key":"other","unit":"W","step_s":1800,"meta":{"prm":"short"}}
expect 400
expect-json /detail ~ meta

=== a document doctype is not a series
as alice
POST /api/v1/series
body {"doctype":"bank.transaction","source":"x","key":"y","unit":"W","step_s":1800}
expect 400

=== append JSON points with mixed time notations
as alice
POST /api/v1/series/${lc}/points
body {"points":[["2024-03-30T00:00:00+01:00",420],["2024-03-30T00:30:00+01:00",380],[1711756800000,350]]}
expect 200
expect-json /added = 3
expect-json /replaced = 0

=== append CSV with a header, semicolons and a BOM
as alice
POST /api/v1/series/${lc}/points
header Content-Type: text/csv
body \xef\xbb\xbfHorodate;Valeur\n2024-03-30T01:30:00+01:00;330\n2024-03-30T02:00:00+01:00;310\n
expect 200
expect-json /added = 2

=== the same again changes nothing
as alice
POST /api/v1/series/${lc}/points
header Content-Type: text/csv
body time,value\n2024-03-30T01:30:00+01:00,330\n2024-03-30T02:00:00+01:00,310\n
expect 200
expect-json /added = 0
expect-json /unchanged = 2

=== a newer value replaces the stored one
as alice
POST /api/v1/series/${lc}/points
body {"points":[["2024-03-30T02:00:00+01:00",315]]}
expect 200
expect-json /replaced = 1

=== a CSV error names its line and column, and nothing is written
as alice
POST /api/v1/series/${lc}/points
header Content-Type: text/csv
body time,value\n2024-03-30T02:30:00+01:00,300\n2024-03-30T03:00:00+01:00,3.5\n
expect 400
expect-json /line = 3
expect-json /column = 27

=== a time off the grid is refused
as alice
POST /api/v1/series/${lc}/points
body {"points":[["2024-03-30T02:10:00+01:00",1]]}
expect 400
expect-json /detail ~ step

=== a float value is refused with its pointer
as alice
POST /api/v1/series/${lc}/points
body {"points":[["2024-03-30T03:00:00+01:00",1],["2024-03-30T03:30:00+01:00",2.5]]}
expect 400
expect-json /errors/0/pointer = "/points/1"

=== the refusals wrote nothing: 5 points
as alice
GET /api/v1/series/${lc}
expect 200
expect-json /series/points = 5
expect-json /points length 5
expect-json /points/0 = [1711753200000,420]
expect-json /points/4 = [1711760400000,315]
expect-json /next_from = null

=== a range of raw points
as alice
GET /api/v1/series/${lc}?from=2024-03-30T00:30:00%2B01:00&to=2024-03-30T02:00:00%2B01:00
expect 200
expect-json /points length 3

=== hourly buckets with chosen aggregates
as alice
GET /api/v1/series/${lc}?bucket=hour&agg=sum,max
expect 200
expect-json /bucket = "hour"
expect-json /buckets length 3
expect-json /buckets/0/start = "2024-03-29T23:00:00.000Z"
expect-json /buckets/0/sum = 800
expect-json /buckets/0/max = 420
expect-json /buckets/0/mean absent

=== a daily bucket in the series' zone (a date means local midnight)
as alice
GET /api/v1/series/${lc}?from=2024-03-30&to=2024-03-31&bucket=day
expect 200
expect-json /buckets length 1
expect-json /buckets/0/start = "2024-03-29T23:00:00.000Z"
expect-json /buckets/0/count = 5
expect-json /buckets/0/sum = 1795
expect-json /buckets/0/mean = 359

=== an unknown bucket is refused
as alice
GET /api/v1/series/${lc}?bucket=fortnight
expect 400
expect-json /parameter = "bucket"

=== agg without bucket is refused
as alice
GET /api/v1/series/${lc}?agg=sum
expect 400
expect-json /parameter = "agg"

=== delete a range
as alice
DELETE /api/v1/series/${lc}?from=2024-03-30T01:30:00%2B01:00&to=2024-03-30T03:00:00%2B01:00
expect 200
expect-json /removed = 2

=== three are left
as alice
GET /api/v1/series
expect 200
expect-json /items length 1
expect-json /items/0/points = 3

=== every series write is in the audit chain
as alice
GET /api/v1/audit?limit=20
expect 200
expect-json /items/1/action = "series.create"
expect-json /items/2/action = "series.append"
expect-json /items/2/detail/added = 3
expect-json /items/4/action = "series.overwrite"
expect-json /items/4/detail/replaced = 1
expect-json /items/5/action = "series.delete_range"

=== bob sees none of alice's series
as bob
GET /api/v1/series
expect 200
expect-json /items length 0

=== bob cannot read alice's series
as bob
GET /api/v1/series/${lc}
expect 404

=== nor append to it
as bob
POST /api/v1/series/${lc}/points
body {"points":[["2024-03-30T05:00:00+01:00",1]]}
expect 404

=== nor delete it
as bob
DELETE /api/v1/series/${lc}
expect 404

=== anonymous is refused everywhere
GET /api/v1/series
expect 401

=== anonymous cannot create
POST /api/v1/series
body {}
expect 401

=== anonymous cannot read one
GET /api/v1/series/${lc}
expect 401

=== anonymous cannot append
POST /api/v1/series/${lc}/points
body {"points":[]}
expect 401

=== anonymous cannot delete
DELETE /api/v1/series/${lc}
expect 401

=== the disabled carol's token is refused
as token:carol
GET /api/v1/series
expect 403
expect-json /type = "urn:commune:problem:account-disabled"

=== no CSRF token, no append
as alice nocsrf
POST /api/v1/series/${lc}/points
body {"points":[["2024-03-30T05:00:00+01:00",1]]}
expect 403
expect-json /type = "urn:commune:problem:csrf"

=== a token can append
as token:alice
POST /api/v1/series/${lc}/points
body {"points":[["2024-03-30T05:00:00+01:00",1]]}
expect 200
expect-json /added = 1

=== delete the whole series
as alice
DELETE /api/v1/series/${lc}
expect 204

=== it is gone
as alice
GET /api/v1/series/${lc}
expect 404
