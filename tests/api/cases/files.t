# Files: encrypted blobs described by document.file records.

=== upload a PDF
as alice
POST /api/v1/files?name=facture%20EDF%20mars.pdf&issued=2024-03-05&category=bill&issuer=EDF
header Content-Type: application/pdf
body %PDF-1.4 fake bill \x00\x01\x02 with binary bytes
expect 201
expect-header Location: ~^/api/v1/files/[0-9a-f-]{36}$
expect-json /doctype = "document.file"
expect-json /data/name = "facture EDF mars.pdf"
expect-json /data/media_type = "application/pdf"
expect-json /data/size = 40
expect-json /data/sha256 ~ ^[0-9a-f]{64}$
expect-json /data/category = "bill"
save f1 = /id
save sha = /data/sha256

=== download it, byte for byte
as alice
GET /api/v1/files/${f1}
expect 200
expect-header Content-Type: application/pdf
expect-header Content-Disposition: attachment; filename*=UTF-8''facture%20EDF%20mars.pdf
expect-header ETag: "${sha}"
expect-header Content-Length: 40
expect-body %PDF-1.4 fake bill \x00\x01\x02 with binary bytes

=== the file is listed among records
as alice
GET /api/v1/records/document.file?filter.category=bill
expect 200
expect-json /items length 1
expect-json /items/0/id = "${f1}"

=== the description is read through the records API too
as alice
GET /api/v1/records/document.file/${f1}
expect 200
expect-json /data/issuer = "EDF"

=== but not written through it
as alice
POST /api/v1/records/document.file
body {"name":"x","media_type":"text/plain","size":1,"sha256":"${sha}","issued":"2024-01-01"}
expect 422
expect-json /type = "urn:commune:problem:unsupported"

=== an HTML upload is never served as HTML
as alice
POST /api/v1/files?name=page.html
header Content-Type: text/html
body <script>alert(1)</script>
expect 201
save f2 = /id

=== served as bytes, sandboxed
as alice
GET /api/v1/files/${f2}
expect 200
expect-header Content-Type: application/octet-stream
expect-header Content-Security-Policy: sandbox
expect-header X-Content-Type-Options: nosniff

=== the same content twice is stored once, and survives the first delete
as alice
POST /api/v1/files?name=copy.pdf
header Content-Type: application/pdf
body %PDF-1.4 fake bill \x00\x01\x02 with binary bytes
expect 201
expect-json /data/sha256 = "${sha}"
save f3 = /id

=== delete the first
as alice
DELETE /api/v1/files/${f1}
expect 204

=== the copy still downloads
as alice
GET /api/v1/files/${f3}
expect 200
expect-header Content-Length: 40
expect-body %PDF-1.4 fake bill \x00\x01\x02 with binary bytes

=== the deleted one is gone
as alice
GET /api/v1/files/${f1}
expect 404

=== a name is required
as alice
POST /api/v1/files
body abc
expect 400

=== a path is not a name
as alice
POST /api/v1/files?name=..%2F..%2Fetc%2Fpasswd
body abc
expect 400
expect-json /parameter = "name"

=== unknown parameters are refused
as alice
POST /api/v1/files?name=a.txt&owner=bob
body abc
expect 400

=== a bad date is refused and nothing is kept
as alice
POST /api/v1/files?name=a.txt&issued=2024-13-45
body abc
expect 400
expect-json /errors/0/pointer = "/issued"

=== nothing was added by the refusals
as alice
GET /api/v1/records/document.file
expect 200
expect-json /items length 2

=== bob cannot read alice's file
as bob
GET /api/v1/files/${f3}
expect 404

=== bob cannot delete it either
as bob
DELETE /api/v1/files/${f3}
expect 404

=== anonymous cannot upload
POST /api/v1/files?name=a.txt
body abc
expect 401

=== a token can upload
as token:alice
POST /api/v1/files?name=note.txt
header Content-Type: text/plain
body hello
expect 201
expect-json /meta/source = "token:fixture"

=== the disabled carol's token cannot
as token:carol
GET /api/v1/files/${f3}
expect 403
expect-json /type = "urn:commune:problem:account-disabled"

=== no CSRF token, no upload
as alice nocsrf
POST /api/v1/files?name=a.txt
body abc
expect 403
expect-json /type = "urn:commune:problem:csrf"
