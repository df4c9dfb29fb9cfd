# Import jobs: multipart/form-data uploads of one or more files, each
# imported all or nothing in the background. The form's own errors are
# answered at once; a file's error is in its job. `Prefer: wait=N` makes the
# answer wait for the job (201 when it finished, else 202).

=== a file uploaded and waited for: the job is done, with its counts
as token:alice
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary=XyZ
header Prefer: wait=10
body --XyZ\r\nContent-Disposition: form-data; name="file"; filename="courbe.csv"\r\nContent-Type: text/csv\r\n\r\nIdentifiant PRM;Type de donnees;Unite;Pas en minutes\n12345678901234;Courbe de charge;W;30\nHorodate;Valeur\n2024-01-01T00:30:00+01:00;284\n2024-01-01T01:00:00+01:00;262\n\r\n--XyZ--\r\n
expect 201
expect-header Location: ~^/api/v1/imports/[0-9a-f]{32}$
expect-json /id ~ ^[0-9a-f]{32}$
expect-json /status = "done"
expect-json /files length 1
expect-json /files/0/name = "courbe.csv"
expect-json /files/0/format = "enedis-csv"
expect-json /files/0/status = "done"
expect-json /files/0/bytes_total = 166
expect-json /files/0/bytes_done = 166
expect-json /files/0/counts/points_added = 2
expect-json /files/0/counts/series_created = 1
expect-json /files/0/import ~ ^[0-9a-f]{32}$
expect-json /files/0/error = null
expect-json /created ~ ^20[0-9-]+T[0-9:.]+Z$
expect-json /updated ~ ^20[0-9-]+T[0-9:.]+Z$
save job = /id
save imp = /files/0/import

=== the job answers where Location said
as token:alice
GET /api/v1/imports/${job}
expect 200
expect-json /id = "${job}"
expect-json /status = "done"
expect-json /files/0/counts/points_added = 2

=== each file's import id names the import it made
as token:alice
GET /api/v1/imports/${imp}
expect 200
expect-json /id = "${imp}"
expect-json /name = "courbe.csv"
expect-json /status = "done"
expect-json /stats/points_added = 2

=== jobs are listed beside the imports
as alice
GET /api/v1/imports
expect 200
expect-json /jobs length 1
expect-json /jobs/0/id = "${job}"
expect-json /items length 1
expect-json /items/0/id = "${imp}"

=== the same file again, from a session: nothing changes
as alice
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary=XyZ
header Prefer: wait=10
body --XyZ\r\nContent-Disposition: form-data; name="file"; filename="courbe.csv"\r\n\r\nIdentifiant PRM;Type de donnees;Unite;Pas en minutes\n12345678901234;Courbe de charge;W;30\nHorodate;Valeur\n2024-01-01T00:30:00+01:00;284\n2024-01-01T01:00:00+01:00;262\n\r\n--XyZ--\r\n
expect 201
expect-json /status = "done"
expect-json /files/0/counts/points_added = 0
expect-json /files/0/counts/points_unchanged = 2

=== two files, one bad: the good one is imported, the bad one names its line and column
as token:alice
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary="a b:c"
header Prefer: respond-async, wait=10
body preamble\r\n--a b:c\r\nContent-Disposition: form-data; name="file"; filename="C:\\exports\\good.csv"\r\n\r\nIdentifiant PRM;Type de donnees;Unite;Pas en minutes\n22222222222222;Courbe de charge;W;30\nHorodate;Valeur\n2024-01-02T00:30:00+01:00;284\n\r\n--a b:c\r\nContent-Disposition: form-data; name="file"; filename="bad.csv"\r\n\r\nIdentifiant PRM;Type de donnees;Unite;Pas en minutes\n33333333333333;Courbe de charge;W;30\nHorodate;Valeur\n2024-01-02T00:30:00+01:00;284\n2024-01-02T01:00:00+01:00;abc\n\r\n--a b:c\r\nContent-Disposition: form-data; name="format"\r\n\r\nenedis-csv\r\n--a b:c--\r\nepilogue
expect 201
expect-json /status = "failed"
expect-json /files length 2
expect-json /files/0/name = "good.csv"
expect-json /files/0/status = "done"
expect-json /files/0/counts/points_added = 1
expect-json /files/1/name = "bad.csv"
expect-json /files/1/status = "failed"
expect-json /files/1/format = "enedis-csv"
expect-json /files/1/counts = null
expect-json /files/1/error/line = 5
expect-json /files/1/error/column = 27
expect-json /files/1/error/pointer = null
expect-json /files/1/error/message ~ power
expect-json /files/1/import ~ ^[0-9a-f]{32}$
save bad = /files/1/import

=== the refused file's attempt is an import too, with its error
as token:alice
GET /api/v1/imports/${bad}
expect 200
expect-json /status = "failed"
expect-json /stats/line = 5

=== nothing of the bad file reached the store
as token:alice
GET /api/v1/series
expect 200
expect-json /items length 2

=== a file no format recognises is refused in its job
as token:alice
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary=XyZ
header Prefer: wait=10
body --XyZ\r\nContent-Disposition: form-data; name="file"; filename="notes.txt"\r\n\r\nhello\nworld\n\r\n--XyZ--\r\n
expect 201
expect-json /status = "failed"
expect-json /files/0/format = null
expect-json /files/0/import = null
expect-json /files/0/error/message ~ not recognised

=== an empty file is refused in its job
as token:alice
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary=XyZ
header Prefer: wait=10
body --XyZ\r\nContent-Disposition: form-data; name="file"; filename="empty.csv"\r\n\r\n\r\n--XyZ--\r\n
expect 201
expect-json /files/0/status = "failed"
expect-json /files/0/bytes_total = 0
expect-json /files/0/error/line = 1
expect-json /files/0/error/message ~ empty

=== without Prefer the answer does not wait: 202 and the job as it is
as token:alice
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary=XyZ
body --XyZ\r\nContent-Disposition: form-data; name="file"; filename="courbe.csv"\r\n\r\nIdentifiant PRM;Type de donnees;Unite;Pas en minutes\n12345678901234;Courbe de charge;W;30\nHorodate;Valeur\n2024-01-01T00:30:00+01:00;284\n\r\n--XyZ--\r\n
expect 202
expect-header Location: ~^/api/v1/imports/[0-9a-f]{32}$
expect-json /status ~ ^(queued|running|done)$
expect-json /files/0/status ~ ^(queued|running|done)$
save async_job = /id

=== a job is waited for when asked: Prefer on its GET
as token:alice
GET /api/v1/imports/${async_job}
header Prefer: wait=10
expect 200
expect-json /status = "done"

# ---- the form itself: answered at once -----------------------------------

=== no boundary parameter
as token:alice
POST /api/v1/imports
header Content-Type: multipart/form-data
body --XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\na\r\n--XyZ--\r\n
expect 400
expect-json /type = "urn:commune:problem:invalid-request"
expect-json /detail ~ boundary

=== a boundary that the body does not use
as token:alice
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary=other
body --XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\na\r\n--XyZ--\r\n
expect 400
expect-json /detail ~ ^malformed multipart body at byte [0-9]+: no boundary line

=== a body cut before its closing boundary
as token:alice
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary=XyZ
body --XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nIdentifiant PRM;Type de donnees\n
expect 400
expect-json /detail ~ closing boundary

=== a part's header line without CRLF
as token:alice
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary=XyZ
body --XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\n\na\r\n--XyZ--\r\n
expect 400
expect-json /detail ~ ^malformed multipart body at byte 68: .*CRLF

=== a part that is not form-data
as token:alice
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary=XyZ
body --XyZ\r\nContent-Disposition: attachment; filename="a.csv"\r\n\r\na\r\n--XyZ--\r\n
expect 400
expect-json /detail ~ form-data

=== an encoded part
as token:alice
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary=XyZ
body --XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Transfer-Encoding: base64\r\n\r\nYQ==\r\n--XyZ--\r\n
expect 400
expect-json /detail ~ base64

=== no file part
as token:alice
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary=XyZ
body --XyZ\r\nContent-Disposition: form-data; name="format"\r\n\r\nenedis-csv\r\n--XyZ--\r\n
expect 400
expect-json /parameter = "file"
expect-json /detail ~ no file

=== a file part without a file name
as token:alice
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary=XyZ
body --XyZ\r\nContent-Disposition: form-data; name="file"\r\n\r\na\r\n--XyZ--\r\n
expect 400
expect-json /parameter = "file"
expect-json /detail ~ filename

=== an unknown field
as token:alice
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary=XyZ
body --XyZ\r\nContent-Disposition: form-data; name="fromat"\r\n\r\nenedis-csv\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\na\r\n--XyZ--\r\n
expect 400
expect-json /parameter = "fromat"

=== an unknown format
as token:alice
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary=XyZ
body --XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\na\r\n--XyZ\r\nContent-Disposition: form-data; name="format"\r\n\r\nnope\r\n--XyZ--\r\n
expect 400
expect-json /parameter = "format"
expect-json /detail ~ unknown import format

=== the format given twice
as token:alice
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary=XyZ
body --XyZ\r\nContent-Disposition: form-data; name="format"\r\n\r\nenedis-csv\r\n--XyZ\r\nContent-Disposition: form-data; name="format"\r\n\r\nenedis-csv\r\n--XyZ--\r\n
expect 400
expect-json /parameter = "format"

=== query parameters with a multipart body
as token:alice
POST /api/v1/imports?format=enedis-csv
header Content-Type: multipart/form-data; boundary=XyZ
body --XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\na\r\n--XyZ--\r\n
expect 400
expect-json /detail ~ no query parameters

=== an upload over the cap is refused before it is read
as token:alice
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary=XyZ
header Content-Length: 300000000
body --XyZ--\r\n
expect 413
expect-json /type = "urn:commune:problem:body-too-large"

=== nothing of the refused forms was imported
as token:alice
GET /api/v1/imports
expect 200
expect-json /jobs length 6
expect-json /items length 5

# ---- who may see what ----------------------------------------------------

=== bob cannot read alice's job
as bob
GET /api/v1/imports/${job}
expect 404
expect-json /type = "urn:commune:problem:not-found"

=== bob's list has none of alice's jobs
as bob
GET /api/v1/imports
expect 200
expect-json /jobs length 0
expect-json /items length 0

=== anonymous cannot read a job
GET /api/v1/imports/${job}
expect 401

=== anonymous cannot upload
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary=XyZ
body --XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\na\r\n--XyZ--\r\n
expect 401

=== a bad token cannot upload
as token:cmn_nottherightone
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary=XyZ
body --XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\na\r\n--XyZ--\r\n
expect 401

=== the disabled carol cannot upload
as token:carol
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary=XyZ
body --XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\na\r\n--XyZ--\r\n
expect 403
expect-json /type = "urn:commune:problem:account-disabled"

=== a session upload needs its CSRF token
as alice nocsrf
POST /api/v1/imports
header Content-Type: multipart/form-data; boundary=XyZ
body --XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\na\r\n--XyZ--\r\n
expect 403
expect-json /type = "urn:commune:problem:csrf"
