# The developer space: synthetic datasets (public), and fictional persons in
# the sandbox organisation (admins and members of a reuser organisation only).

=== the datasets are public, each with its format, doctype and schema
GET /api/v1/devspace/datasets
expect 200
expect-json /items length 10
expect-json /items/0/name = "enedis-courbe.csv"
expect-json /items/0/format = "enedis-csv"
expect-json /items/0/schema = "/api/v1/doctypes/energy.electricity.load_curve"
expect-json /items/8/name = "logement.csv"
expect-json /items/8/schema = "/api/v1/doctypes/household.profile"
expect-json /items/9/name = "trajets.gpx"
expect-json /parameters/seed = 2026

=== a load curve, generated in the Enedis format: a week of half-hours
GET /api/v1/devspace/datasets/enedis-courbe.csv?household=3&days=7&start=2025-03-01
expect 200
expect-header Content-Type: ~^text/csv
expect-header Content-Disposition: attachment; filename="villebrune-h000003-enedis-courbe.csv"

=== the same request gives the same bytes
GET /api/v1/devspace/datasets/impots.csv?household=3&days=7
expect 200
save-header len = Content-Length

=== ... again
GET /api/v1/devspace/datasets/impots.csv?household=3&days=7
expect 200
expect-header Content-Length: ${len}

=== a household's profile (district, size, heating), in a mapping CSV
GET /api/v1/devspace/datasets/logement.csv?household=3&days=7&start=2025-03-01
expect 200
expect-header Content-Type: ~^text/csv
expect-header Content-Disposition: attachment; filename="villebrune-h000003-logement.csv"
expect-text "doctype":"household.profile"
expect-text 2025-03-01;D[1-5][1-5];[1-7];(electric|gas|heat_pump|district_heating|wood);(flat|house);

=== a bank statement in OFX
GET /api/v1/devspace/datasets/banque.ofx?household=12&days=31
expect 200
expect-header Content-Type: application/x-ofx

=== a member's trips in GPX
GET /api/v1/devspace/datasets/trajets.gpx?household=1&days=14&member=0
expect 200
expect-header Content-Type: application/gpx+xml

=== no such member
GET /api/v1/devspace/datasets/trajets.gpx?household=1&member=6
expect 404

=== no such dataset
GET /api/v1/devspace/datasets/secrets.txt
expect 404

=== bad parameters are named
GET /api/v1/devspace/datasets/eau.csv?days=400
expect 400
expect-json /parameter = "days"

=== an unknown parameter
GET /api/v1/devspace/datasets/eau.csv?person=alice
expect 400
expect-json /parameter = "person"

=== a bad date
GET /api/v1/devspace/datasets/eau.csv?start=2025-13-01
expect 400
expect-json /parameter = "start"

=== a fictional person needs a login
POST /api/v1/devspace/persons
body {}
expect 401

=== ... and a resident may not make one
as alice
POST /api/v1/devspace/persons
body {}
expect 403

=== ... nor a professional outside a reuser organisation
as pro
POST /api/v1/devspace/persons
body {"household": 4}
expect 403

=== the body is checked
as admin
POST /api/v1/devspace/persons
body {"household": -1}
expect 400

=== an admin makes one, filled with a household's data, the password shown once
as admin
POST /api/v1/devspace/persons
body {"household": 4}
expect 201
expect-json /handle ~ ^sandbox-[0-9a-f]{8}$
expect-json /password ~ ^[A-Za-z0-9_-]{43}$
expect-json /org = "Bac à sable (données fictives)"
expect-json /household = 4
expect-json /records != 0
expect-json /points != 0
save sbh = /handle
save sbpw = /password

=== the fictional person logs in and sees their data
POST /api/v1/auth/login
body {"handle": "${sbh}", "password": "${sbpw}"}
expect 200
expect-json /person/org = "Bac à sable (données fictives)"
