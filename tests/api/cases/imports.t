# Imports through the API: the file is the body, imported all or nothing.

=== the formats are public
GET /api/v1/import-formats
expect 200
expect-json /items/0/name = "enedis-csv"

=== import an Enedis load curve
as alice
POST /api/v1/imports?name=enedis.csv
header Content-Type: text/csv
body \xef\xbb\xbfIdentifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;Grandeur metier;Etape metier;Unite;Pas en minutes\n12345678901234;Courbe de charge;01/01/2024;02/01/2024;Energie active;Consommation;Comptage Brut;W;30\nHorodate;Valeur\n2024-01-01T00:30:00+01:00;284\n2024-01-01T01:00:00+01:00;262\n2024-01-01T01:30:00+01:00;250\n
expect 201
expect-header Location: ~^/api/v1/imports/[0-9a-f]{32}$
expect-json /format = "enedis-csv"
expect-json /name = "enedis.csv"
expect-json /status = "done"
expect-json /stats/points_added = 3
expect-json /stats/series_created = 1
expect-json /sha256 ~ ^[0-9a-f]{64}$
save imp = /id

=== the series is there, stamped at the start of each interval
as alice
GET /api/v1/series
expect 200
expect-json /items/0/points = 3
expect-json /items/0/first = "2023-12-31T23:00:00.000Z"
expect-json /items/0/source = "enedis"

=== the same file again changes nothing
as alice
POST /api/v1/imports?name=enedis.csv&format=enedis-csv
header Content-Type: text/csv
body \xef\xbb\xbfIdentifiant PRM;Type de donnees;Date de debut;Date de fin;Grandeur physique;Grandeur metier;Etape metier;Unite;Pas en minutes\n12345678901234;Courbe de charge;01/01/2024;02/01/2024;Energie active;Consommation;Comptage Brut;W;30\nHorodate;Valeur\n2024-01-01T00:30:00+01:00;284\n2024-01-01T01:00:00+01:00;262\n2024-01-01T01:30:00+01:00;250\n
expect 201
expect-json /stats/points_added = 0
expect-json /stats/points_unchanged = 3

=== a bad line is named and nothing is imported
as alice
POST /api/v1/imports?name=bad.csv
header Content-Type: text/csv
body Identifiant PRM;Type de donnees;Unite;Pas en minutes\n12345678901234;Courbe de charge;W;30\nHorodate;Valeur\n2024-01-02T00:30:00+01:00;284\n2024-01-02T01:00:00+01:00;abc\n
expect 400
expect-json /line = 5
expect-json /column = 27
expect-json /format = "enedis-csv"
expect-json /detail ~ power

=== still 3 points
as alice
GET /api/v1/series
expect 200
expect-json /items/0/points = 3

=== the failed attempt is listed with its error
as alice
GET /api/v1/imports
expect 200
expect-json /items length 3
expect-json /items/0/status = "failed"
expect-json /items/0/stats/line = 5

=== one import and its counts
as alice
GET /api/v1/imports/${imp}
expect 200
expect-json /stats/points_added = 3

=== the import is in the audit chain
as alice
GET /api/v1/audit?limit=50
expect 200
expect-json /items/1/action = "import.file"
expect-json /items/1/object = "import/${imp}"
expect-json /items/1/detail/points_added = 3
expect-json /items/1/actor = "person:${alice_id}"

=== an unknown format is refused
as alice
POST /api/v1/imports?name=x.csv&format=nope
body a
expect 400
expect-json /parameter = "format"

=== a file that no format recognises is refused
as alice
POST /api/v1/imports?name=x.txt
header Content-Type: text/plain
body hello\nworld\n
expect 400
expect-json /detail ~ not recognised

=== a name is required
as alice
POST /api/v1/imports
body a
expect 400
expect-json /parameter = "name"

=== bob sees none of alice's imports
as bob
GET /api/v1/imports
expect 200
expect-json /items length 0

=== bob cannot read alice's import
as bob
GET /api/v1/imports/${imp}
expect 404

=== anonymous cannot import
POST /api/v1/imports?name=a.csv
body a
expect 401

=== anonymous cannot list
GET /api/v1/imports
expect 401

=== anonymous cannot read one
GET /api/v1/imports/${imp}
expect 401

=== the disabled carol's token is refused
as token:carol
GET /api/v1/imports
expect 403
expect-json /type = "urn:commune:problem:account-disabled"

=== no CSRF token, no import
as alice nocsrf
POST /api/v1/imports?name=a.csv
body a
expect 403
expect-json /type = "urn:commune:problem:csrf"
