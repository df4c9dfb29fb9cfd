# Consents given by persons directly (POST /api/v1/consents), their
# dashboard, the grantee's view, answers and withdrawal; who may do what.
# Services and their tokens are in tests/api/test_grants.c.

=== a consent needs a session: a personal token may not give one
as token:alice
POST /api/v1/consents
body {"grantee":{"kind":"person","handle":"pro"},"purpose":{"dpv":"ServiceProvision","text":{"fr":"Suivi","en":"Follow-up"}},"legal_basis":"consent","scope":{"doctypes":["bank.transaction"],"operations":["read"]}}
expect 403

=== nobody gives nothing
POST /api/v1/consents
body {}
expect 401

=== the terms are checked, the fault named by its pointer
as alice
POST /api/v1/consents
body {"grantee":{"kind":"person","handle":"pro"},"purpose":{"dpv":"ServiceProvision","text":{"fr":"Suivi"}},"legal_basis":"consent","scope":{"doctypes":["bank.transaction"],"operations":["read"]}}
expect 400
expect-json /detail ~ ^/purpose/text/en:

=== an unknown doctype is refused
as alice
POST /api/v1/consents
body {"grantee":{"kind":"person","handle":"pro"},"purpose":{"dpv":"ServiceProvision","text":{"fr":"Suivi","en":"Follow-up"}},"legal_basis":"consent","scope":{"doctypes":["no.such"],"operations":["read"]}}
expect 400
expect-json /detail = "/scope/doctypes/0: no such doctype"

=== an unknown grantee is refused
as alice
POST /api/v1/consents
body {"grantee":{"kind":"person","handle":"nobody-here"},"purpose":{"dpv":"ServiceProvision","text":{"fr":"Suivi","en":"Follow-up"}},"legal_basis":"consent","scope":{"doctypes":["bank.transaction"],"operations":["read"]}}
expect 400
expect-json /detail = "/grantee: no such person"

=== a consent to oneself is refused
as alice
POST /api/v1/consents
body {"grantee":{"kind":"person","handle":"alice"},"purpose":{"dpv":"ServiceProvision","text":{"fr":"Suivi","en":"Follow-up"}},"legal_basis":"consent","scope":{"doctypes":["bank.transaction"],"operations":["read"]}}
expect 400

=== alice gives pro a consent on her bank transactions of 2024
as alice
POST /api/v1/consents
body {"grantee":{"kind":"person","handle":"pro"},"purpose":{"dpv":"PersonalisedBenefits","text":{"fr":"Étudier mes droits","en":"Study my rights"}},"legal_basis":"consent","scope":{"doctypes":["bank.transaction"],"fields":["date","amount"],"from":"2024-01-01","to":"2025-01-01","operations":["read"]},"valid_until":"2099-01-01T00:00:00Z"}
expect 201
expect-json /status = "given"
expect-json /grantee/kind = "person"
expect-json /grantee/name = "pro"
expect-json /grantee/id = "${pro_id}"
expect-json /person = "${alice_id}"
expect-json /history length 1
expect-json /history/0/status = "given"
expect-json /uses = 0
save c1 = /id

=== alice lists her consents
as alice
GET /api/v1/consents
expect 200
expect-json /items length 1
expect-json /items/0/id = "${c1}"

=== with her token too
as token:alice
GET /api/v1/consents/${c1}
expect 200
expect-json /purpose/text/fr = "Étudier mes droits"

=== bob sees none of it
as bob
GET /api/v1/consents/${c1}
expect 404

=== bob has no consents
as bob
GET /api/v1/consents
expect 200
expect-json /items length 0

=== pro sees the consent he received
as pro
GET /api/v1/consents/received
expect 200
expect-json /items length 1
expect-json /items/0/id = "${c1}"

=== pro cannot withdraw alice's consent
as pro
POST /api/v1/consents/${c1}/withdraw
expect 404

=== a given consent cannot be answered again
as alice
POST /api/v1/consents/${c1}/answer
body {"give":true}
expect 409

=== alice withdraws it in one call
as alice
POST /api/v1/consents/${c1}/withdraw
expect 200
expect-json /status = "withdrawn"
expect-json /history length 2
expect-json /history/1/status = "withdrawn"
expect-json /history/1/by = "person:${alice_id}"

=== twice is a conflict
as alice
POST /api/v1/consents/${c1}/withdraw
expect 409

=== the decision is in alice's audit chain
as alice
GET /api/v1/audit
expect 200
expect-json /items/1/action = "consent.give"
expect-json /items/1/object = "consent/${c1}"
expect-json /items/2/action = "consent.withdraw"

=== a withdrawal needs the CSRF token with a session
as alice nocsrf
POST /api/v1/consents/${c1}/withdraw
expect 403

=== the audit chain filters by action
as alice
GET /api/v1/audit?action=consent.withdraw
expect 200
expect-json /items length 1
expect-json /items/0/object = "consent/${c1}"

=== by actor prefix: no service read alice's data
as alice
GET /api/v1/audit?actor=service:
expect 200
expect-json /items length 0

=== by time
as alice
GET /api/v1/audit?from=2000-01-01&to=2001-01-01
expect 200
expect-json /items length 0

=== a bad filter is named
as alice
GET /api/v1/audit?from=yesterday
expect 400
expect-json /parameter = "from"
