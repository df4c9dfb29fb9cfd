# The OAuth 2.0 authorization server (docs/oauth.md): metadata, registration
# by an organisation's member, the authorization endpoint's pages and
# errors, the token endpoint (PKCE, one-time codes, refresh rotation),
# introspection and revocation. The full flow with an independent client is
# tests/node/oauth.test.mjs. PKCE pairs used here:
#   oauth-t-verifier-0123456789-abcdefghijklmnopqrstuvwxyz -> nU6mluUHB5zcz-j1FLzB7vhdC4Wy1yO2IAnOqztBSj0
#   oauth-t-verifier-second-0123456789-abcdefghijklmnopqrstu -> 2h4fvb5AD2Bj3dARe4Kjyh2qZQ5ZYODXOJ-9P0hEdUM

=== metadata (RFC 8414): the issuer is the request's origin
GET /.well-known/oauth-authorization-server
expect 200
expect-json /issuer = "${base}"
expect-json /authorization_endpoint = "${base}/oauth/authorize"
expect-json /token_endpoint = "${base}/oauth/token"
expect-json /registration_endpoint = "${base}/oauth/register"
expect-json /introspection_endpoint = "${base}/oauth/introspect"
expect-json /revocation_endpoint = "${base}/oauth/revoke"
expect-json /response_types_supported = ["code"]
expect-json /grant_types_supported = ["authorization_code", "refresh_token"]
expect-json /code_challenge_methods_supported = ["S256"]
expect-json /token_endpoint_auth_methods_supported = ["none", "client_secret_basic", "client_secret_post"]
expect-json /authorization_response_iss_parameter_supported = true
expect-json /scopes_supported/0 ~ ^doctype:

=== other paths under /oauth/ are API 404s
GET /oauth/nothing
expect 404

=== the token endpoint takes POST only
GET /oauth/token
expect 405
expect-header Allow: POST

# ---- an organisation and its agent -------------------------------------

=== the admin creates a reuser organisation
as admin
POST /api/v1/orgs
body {"name": "Budget Malin", "kind": "reuser"}
expect 201

=== and its agent
as admin
POST /api/v1/persons
body {"handle": "agent", "password": "pw-agent-correct-horse", "role": "agent", "org": "Budget Malin"}
expect 201

=== the agent logs in
POST /api/v1/auth/login
body {"handle": "agent", "password": "pw-agent-correct-horse"}
expect 200
save agent_csrf = /csrf
save-header agent_cookie = Set-Cookie ~ ^([^;]+)

# ---- registration (RFC 7591) ----------------------------------------------

=== registration needs credentials
POST /oauth/register
body {"client_name": "x", "redirect_uris": ["https://app.example/cb"], "purpose_dpv": "ServiceProvision", "purpose_fr": "x", "purpose_en": "x"}
expect 401

=== a person of no organisation may not register a service
as alice
POST /oauth/register
body {"client_name": "x", "redirect_uris": ["https://app.example/cb"], "purpose_dpv": "ServiceProvision", "purpose_fr": "x", "purpose_en": "x"}
expect 403
expect-json /type = "urn:commune:problem:forbidden"

=== a public client (PKCE alone)
header Cookie: ${agent_cookie}
header X-CSRF-Token: ${agent_csrf}
POST /oauth/register
body {"client_name": "Budget <Malin>", "redirect_uris": ["http://127.0.0.1:4711/cb", "https://budget.example/cb?from=commune"], "token_endpoint_auth_method": "none", "purpose_dpv": "ServiceProvision", "purpose_fr": "Suivre votre budget & vos dépenses", "purpose_en": "Follow your budget & spending", "consent_days": 30, "scope": "doctype:bank.transaction", "logo_uri": "https://ignored.example/logo.png"}
expect 201
expect-json /client_id ~ ^[0-9a-f]{32}$
expect-json /client_secret absent
expect-json /token_endpoint_auth_method = "none"
expect-json /grant_types = ["authorization_code", "refresh_token"]
expect-json /response_types = ["code"]
expect-json /legal_basis = "consent"
expect-json /consent_days = 30
expect-json /organisation/name = "Budget Malin"
expect-json /logo_uri absent
expect-header Cache-Control: no-store
save cid = /client_id

=== nor with a personal API token
header Authorization: Bearer ${alice_token}
POST /oauth/register
body {"client_name": "x", "redirect_uris": ["https://app.example/cb"], "purpose_dpv": "ServiceProvision", "purpose_fr": "x", "purpose_en": "x"}
expect 403

=== the agent's personal API token is an initial access token too
header Cookie: ${agent_cookie}
header X-CSRF-Token: ${agent_csrf}
POST /api/v1/tokens
body {"name": "registration"}
expect 201
save agent_token = /token

=== a confidential client gets its secret once; client_secret_basic by default (RFC 7591 §2)
header Authorization: Bearer ${agent_token}
POST /oauth/register
body {"client_name": "Énergie Claire", "redirect_uris": ["https://energie.example/cb"], "purpose_dpv": "ServicePersonalisation", "purpose_fr": "Conseils d'économie d'énergie", "purpose_en": "Energy saving advice", "legal_basis": "contract", "grant_types": ["authorization_code"]}
expect 201
expect-json /token_endpoint_auth_method = "client_secret_basic"
expect-json /client_secret ~ ^ccs_[A-Za-z0-9_-]{43}$
expect-json /client_secret_expires_at = 0
expect-json /grant_types = ["authorization_code"]
save ccid = /client_id
save csecret = /client_secret

=== refused: http on a host that is not loopback
errors oauth
header Authorization: Bearer ${agent_token}
POST /oauth/register
body {"client_name": "x", "redirect_uris": ["http://app.example/cb"], "purpose_dpv": "ServiceProvision", "purpose_fr": "x", "purpose_en": "x"}
expect 400
expect-json /error = "invalid_redirect_uri"

=== refused: a redirect URI with a fragment
errors oauth
header Authorization: Bearer ${agent_token}
POST /oauth/register
body {"client_name": "x", "redirect_uris": ["https://app.example/cb#x"], "purpose_dpv": "ServiceProvision", "purpose_fr": "x", "purpose_en": "x"}
expect 400
expect-json /error = "invalid_redirect_uri"

=== refused: user info in a redirect URI
errors oauth
header Authorization: Bearer ${agent_token}
POST /oauth/register
body {"client_name": "x", "redirect_uris": ["https://evil@app.example/cb"], "purpose_dpv": "ServiceProvision", "purpose_fr": "x", "purpose_en": "x"}
expect 400
expect-json /error = "invalid_redirect_uri"

=== refused: no redirect URI
errors oauth
header Authorization: Bearer ${agent_token}
POST /oauth/register
body {"client_name": "x", "purpose_dpv": "ServiceProvision", "purpose_fr": "x", "purpose_en": "x"}
expect 400
expect-json /error = "invalid_redirect_uri"

=== refused: no purpose
errors oauth
header Authorization: Bearer ${agent_token}
POST /oauth/register
body {"client_name": "x", "redirect_uris": ["https://app.example/cb"]}
expect 400
expect-json /error = "invalid_client_metadata"
expect-json /error_description ~ ^purpose_dpv

=== refused: an unknown DPV purpose
errors oauth
header Authorization: Bearer ${agent_token}
POST /oauth/register
body {"client_name": "x", "redirect_uris": ["https://app.example/cb"], "purpose_dpv": "Marketing", "purpose_fr": "x", "purpose_en": "x"}
expect 400
expect-json /error = "invalid_client_metadata"

=== refused: an unknown authentication method
errors oauth
header Authorization: Bearer ${agent_token}
POST /oauth/register
body {"client_name": "x", "redirect_uris": ["https://app.example/cb"], "token_endpoint_auth_method": "private_key_jwt", "purpose_dpv": "ServiceProvision", "purpose_fr": "x", "purpose_en": "x"}
expect 400
expect-json /error = "invalid_client_metadata"

=== refused: grant types without authorization_code
errors oauth
header Authorization: Bearer ${agent_token}
POST /oauth/register
body {"client_name": "x", "redirect_uris": ["https://app.example/cb"], "grant_types": ["client_credentials"], "purpose_dpv": "ServiceProvision", "purpose_fr": "x", "purpose_en": "x"}
expect 400
expect-json /error = "invalid_client_metadata"

=== refused: a default scope with an unknown doctype
errors oauth
header Authorization: Bearer ${agent_token}
POST /oauth/register
body {"client_name": "x", "redirect_uris": ["https://app.example/cb"], "scope": "doctype:no.such", "purpose_dpv": "ServiceProvision", "purpose_fr": "x", "purpose_en": "x"}
expect 400
expect-json /error = "invalid_client_metadata"

=== refused: consent_days beyond ten years
errors oauth
header Authorization: Bearer ${agent_token}
POST /oauth/register
body {"client_name": "x", "redirect_uris": ["https://app.example/cb"], "consent_days": 4000, "purpose_dpv": "ServiceProvision", "purpose_fr": "x", "purpose_en": "x"}
expect 400
expect-json /error = "invalid_client_metadata"

=== a body that is not JSON is a problem like anywhere else
header Authorization: Bearer ${agent_token}
POST /oauth/register
body {"client_name":
expect 400
expect-json /type = "urn:commune:problem:invalid-request"

# ---- the authorization endpoint: faults shown to the person ----------------

=== no client_id: shown, never redirected
errors html
GET /oauth/authorize?response_type=code&redirect_uri=https%3A%2F%2Fevil.example%2F
expect 400
expect-header Location: absent
expect-header X-Frame-Options: DENY
expect-text client_id

=== an unknown client: shown
errors html
GET /oauth/authorize?response_type=code&client_id=00000000000000000000000000000000&redirect_uri=https%3A%2F%2Fevil.example%2F
expect 400
expect-header Location: absent
expect-text n’est pas enregistré

=== a redirect URI that is not registered: shown, in English when asked
errors html
header Accept-Language: en-GB,en;q=0.9,fr;q=0.5
GET /oauth/authorize?response_type=code&client_id=${cid}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb
expect 400
expect-header Location: absent
expect-text not one the service registered

=== a registered URI with another query is another URI
errors html
GET /oauth/authorize?response_type=code&client_id=${cid}&redirect_uri=https%3A%2F%2Fbudget.example%2Fcb%3Ffrom%3Devil
expect 400
expect-header Location: absent

=== a parameter given twice (RFC 6749 §3.1): shown
errors html
GET /oauth/authorize?client_id=${cid}&client_id=${cid}
expect 400
expect-header Location: absent

# ---- the authorization endpoint: faults sent back to the service ----------

=== no PKCE: back with invalid_request, the state and the issuer (RFC 9207)
GET /oauth/authorize?response_type=code&client_id=${cid}&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Fcb&state=s%20one
expect 302
expect-header Location: ~ ^http://127\.0\.0\.1:4711/cb\?error=invalid_request&error_description=[^&]+&state=s%20one&iss=http%3A%2F%2F127\.0\.0\.1%3A[0-9]+$

=== PKCE plain is refused
GET /oauth/authorize?response_type=code&client_id=${cid}&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Fcb&code_challenge=oauth-t-verifier-0123456789-abcdefghijklmnopqrstuvwxyz&code_challenge_method=plain
expect 302
expect-header Location: ~ error=invalid_request

=== a challenge that is not BASE64URL(SHA-256)
GET /oauth/authorize?response_type=code&client_id=${cid}&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Fcb&code_challenge=short&code_challenge_method=S256
expect 302
expect-header Location: ~ error=invalid_request

=== the implicit flow does not exist
GET /oauth/authorize?response_type=token&client_id=${cid}&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Fcb
expect 302
expect-header Location: ~ error=unsupported_response_type

=== an unknown scope token
GET /oauth/authorize?response_type=code&client_id=${cid}&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Fcb&code_challenge=nU6mluUHB5zcz-j1FLzB7vhdC4Wy1yO2IAnOqztBSj0&code_challenge_method=S256&scope=openid
expect 302
expect-header Location: ~ error=invalid_scope

=== a doctype outside the registry
GET /oauth/authorize?response_type=code&client_id=${cid}&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Fcb&code_challenge=nU6mluUHB5zcz-j1FLzB7vhdC4Wy1yO2IAnOqztBSj0&code_challenge_method=S256&scope=doctype%3Ano.such
expect 302
expect-header Location: ~ error=invalid_scope

=== a period that ends before it starts
GET /oauth/authorize?response_type=code&client_id=${cid}&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Fcb&code_challenge=nU6mluUHB5zcz-j1FLzB7vhdC4Wy1yO2IAnOqztBSj0&code_challenge_method=S256&scope=doctype%3Abank.transaction+period%3A2025-01-01%2F2024-01-01
expect 302
expect-header Location: ~ error=invalid_scope

# ---- login and consent --------------------------------------------------------

=== without a session: the login page, which cannot be framed
GET /oauth/authorize?response_type=code&client_id=${cid}&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Fcb&state=xyz&code_challenge=nU6mluUHB5zcz-j1FLzB7vhdC4Wy1yO2IAnOqztBSj0&code_challenge_method=S256
expect 200
expect-header Content-Type: text/html; charset=utf-8
expect-header X-Frame-Options: DENY
expect-header Content-Security-Policy: ~ frame-ancestors 'none'
expect-text <html lang="fr">
expect-text name="password"
expect-text Budget &lt;Malin&gt;
expect-text name="scope" value="doctype:bank.transaction"

=== a wrong password: the login page again, counted
errors html
header Content-Type: application/x-www-form-urlencoded
POST /oauth/authorize
body action=login&handle=alice&password=wrong-password&response_type=code&client_id=${cid}&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Fcb&state=xyz&code_challenge=nU6mluUHB5zcz-j1FLzB7vhdC4Wy1yO2IAnOqztBSj0&code_challenge_method=S256
expect 401
expect-header Set-Cookie: absent
expect-text Identifiant ou mot de passe incorrect

=== the right password: a session opens and the consent screen shows
header Content-Type: application/x-www-form-urlencoded
POST /oauth/authorize
body action=login&handle=alice&password=pw-alice-correct-horse&response_type=code&client_id=${cid}&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Fcb&state=xyz&code_challenge=nU6mluUHB5zcz-j1FLzB7vhdC4Wy1yO2IAnOqztBSj0&code_challenge_method=S256
expect 200
expect-header Set-Cookie: ~ ^commune_session=[^;]+; Path=/; HttpOnly; SameSite=Strict
expect-header X-Frame-Options: DENY
expect-text Suivre votre budget &amp; vos dépenses
expect-text est un service de <strong>Budget Malin</strong>
expect-text Opération bancaire
expect-text votre consentement \(RGPD, article 6-1-a\)
expect-text retirer cette autorisation à tout moment
expect-text value="give"
expect-text value="refuse"
save-text csrf2 ~ name="csrf" value="([^"]+)"
save-header cookie2 = Set-Cookie ~ ^([^;]+)

=== with a session: the consent screen at once, in English when asked
as alice
header Accept-Language: en
GET /oauth/authorize?response_type=code&client_id=${cid}&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Fcb&state=xyz&code_challenge=nU6mluUHB5zcz-j1FLzB7vhdC4Wy1yO2IAnOqztBSj0&code_challenge_method=S256&scope=doctype%3Abank.transaction+field%3Aamount+period%3A2024-01-01%2F2025-01-01+op%3Aaggregate-only
expect 200
expect-text <html lang="en">
expect-text Follow your budget &amp; spending
expect-text Only these fields: <code>amount</code>
expect-text from 2024-01-01 and before 2025-01-01
expect-text count them only within overall statistics
expect-text Logged in as alice
save-text csrf ~ name="csrf" value="([^"]+)"

=== give without the session's CSRF token: refused
errors html
as alice nocsrf
header Content-Type: application/x-www-form-urlencoded
POST /oauth/authorize
body action=give&csrf=forged&response_type=code&client_id=${cid}&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Fcb&state=xyz&code_challenge=nU6mluUHB5zcz-j1FLzB7vhdC4Wy1yO2IAnOqztBSj0&code_challenge_method=S256
expect 403
expect-header Location: absent

=== give without a session: the login page
errors html
header Content-Type: application/x-www-form-urlencoded
POST /oauth/authorize
body action=give&csrf=${csrf}&response_type=code&client_id=${cid}&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Fcb&state=xyz&code_challenge=nU6mluUHB5zcz-j1FLzB7vhdC4Wy1yO2IAnOqztBSj0&code_challenge_method=S256
expect 401
expect-text name="password"

=== refuse: back with access_denied
as alice nocsrf
header Content-Type: application/x-www-form-urlencoded
POST /oauth/authorize
body action=refuse&csrf=${csrf}&response_type=code&client_id=${cid}&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Fcb&state=xyz&code_challenge=nU6mluUHB5zcz-j1FLzB7vhdC4Wy1yO2IAnOqztBSj0&code_challenge_method=S256
expect 303
expect-header Location: ~ ^http://127\.0\.0\.1:4711/cb\?error=access_denied&error_description=[^&]+&state=xyz&iss=

=== the refusal is on record: requested, then refused
as alice
GET /api/v1/consents
expect 200
expect-json /items/0/status = "refused"
expect-json /items/0/grantee/id = "${cid}"
expect-json /items/0/history/0/status = "requested"
expect-json /items/0/history/0/by = "service:${cid}"
expect-json /items/0/history/1/status = "refused"

=== give, from the session opened by the login form (another port of the loopback URI)
header Cookie: ${cookie2}
header Content-Type: application/x-www-form-urlencoded
POST /oauth/authorize
body action=give&csrf=${csrf2}&response_type=code&client_id=${cid}&redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fcb&state=xyz&code_challenge=nU6mluUHB5zcz-j1FLzB7vhdC4Wy1yO2IAnOqztBSj0&code_challenge_method=S256&scope=doctype%3Abank.transaction+field%3Aamount
expect 303
expect-header Location: ~ ^http://127\.0\.0\.1:5000/cb\?code=cac_[A-Za-z0-9_-]{43}&state=xyz&iss=
save-header code = Location ~ code=([^&]+)

# ---- the token endpoint -----------------------------------------------------------

=== a JSON body is refused
errors oauth
POST /oauth/token
body {"grant_type": "authorization_code"}
expect 400
expect-json /error = "invalid_request"

=== no client
errors oauth
header Content-Type: application/x-www-form-urlencoded
POST /oauth/token
body grant_type=authorization_code&code=${code}
expect 401
expect-json /error = "invalid_client"

=== an unknown grant type
errors oauth
header Content-Type: application/x-www-form-urlencoded
POST /oauth/token
body grant_type=password&client_id=${cid}
expect 400
expect-json /error = "unsupported_grant_type"

=== a parameter given twice
errors oauth
header Content-Type: application/x-www-form-urlencoded
POST /oauth/token
body grant_type=authorization_code&grant_type=authorization_code&client_id=${cid}
expect 400
expect-json /error = "invalid_request"

=== a public client has no secret
errors oauth
header Content-Type: application/x-www-form-urlencoded
POST /oauth/token
body grant_type=authorization_code&code=${code}&client_id=${cid}&client_secret=anything
expect 401
expect-json /error = "invalid_client"

=== the wrong verifier: invalid_grant (and the code is spent)
errors oauth
header Content-Type: application/x-www-form-urlencoded
POST /oauth/token
body grant_type=authorization_code&code=${code}&client_id=${cid}&redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fcb&code_verifier=oauth-t-verifier-second-0123456789-abcdefghijklmnopqrstu
expect 400
expect-json /error = "invalid_grant"

=== the same code again: used already
errors oauth
header Content-Type: application/x-www-form-urlencoded
POST /oauth/token
body grant_type=authorization_code&code=${code}&client_id=${cid}&redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fcb&code_verifier=oauth-t-verifier-0123456789-abcdefghijklmnopqrstuvwxyz
expect 400
expect-json /error = "invalid_grant"
expect-json /error_description ~ used already

=== a new code (the session still open)
header Cookie: ${cookie2}
header Content-Type: application/x-www-form-urlencoded
POST /oauth/authorize
body action=give&csrf=${csrf2}&response_type=code&client_id=${cid}&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Fcb&code_challenge=nU6mluUHB5zcz-j1FLzB7vhdC4Wy1yO2IAnOqztBSj0&code_challenge_method=S256
expect 303
expect-header Location: ~ ^http://127\.0\.0\.1:4711/cb\?code=cac_[^&]+&iss=
save-header code = Location ~ code=([^&]+)

=== a redirect_uri other than the request's
errors oauth
header Content-Type: application/x-www-form-urlencoded
POST /oauth/token
body grant_type=authorization_code&code=${code}&client_id=${cid}&redirect_uri=https%3A%2F%2Fbudget.example%2Fcb%3Ffrom%3Dcommune&code_verifier=oauth-t-verifier-0123456789-abcdefghijklmnopqrstuvwxyz
expect 400
expect-json /error = "invalid_grant"

=== another code, exchanged right
header Cookie: ${cookie2}
header Content-Type: application/x-www-form-urlencoded
POST /oauth/authorize
body action=give&csrf=${csrf2}&response_type=code&client_id=${cid}&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Fcb&code_challenge=2h4fvb5AD2Bj3dARe4Kjyh2qZQ5ZYODXOJ-9P0hEdUM&code_challenge_method=S256&scope=doctype%3Abank.transaction+field%3Aamount+field%3Adate+op%3Aread
expect 303
save-header code = Location ~ code=([^&]+)

=== the tokens (RFC 6749 §5.1), not to be cached
header Content-Type: application/x-www-form-urlencoded; charset=UTF-8
POST /oauth/token
body grant_type=authorization_code&code=${code}&client_id=${cid}&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Fcb&code_verifier=oauth-t-verifier-second-0123456789-abcdefghijklmnopqrstu
expect 200
expect-header Cache-Control: no-store
expect-header Pragma: no-cache
expect-json /token_type = "Bearer"
expect-json /expires_in = 600
expect-json /access_token ~ ^cat_[A-Za-z0-9_-]{43}$
expect-json /refresh_token ~ ^crt_[A-Za-z0-9_-]{43}$
expect-json /scope = "doctype:bank.transaction field:amount field:date op:read"
save access = /access_token
save refresh = /refresh_token
save grant2 = /grant_id

=== the consent is on record: asked by the service, given by alice, with its terms
as alice
GET /api/v1/consents/${grant2}
expect 200
expect-json /status = "given"
expect-json /history/0/status = "requested"
expect-json /history/0/by = "service:${cid}"
expect-json /history/1/status = "given"
expect-json /history/1/by = "person:${alice_id}"
expect-json /grantee/kind = "service"
expect-json /grantee/id = "${cid}"
expect-json /grantee/org = "Budget Malin"
expect-json /scope = {"doctypes": ["bank.transaction"], "fields": ["amount", "date"], "operations": ["read"]}
expect-json /purpose/dpv = "ServiceProvision"
expect-json /purpose/text/fr = "Suivre votre budget & vos dépenses"
expect-json /legal_basis = "consent"

=== the service reads within its consent
header Authorization: Bearer ${access}
GET /api/v1/records/bank.transaction
expect 200

=== and nothing outside it
header Authorization: Bearer ${access}
GET /api/v1/records/calendar.event
expect 403

=== access tokens are not for the OAuth endpoints: registration refuses them
header Authorization: Bearer ${access}
POST /oauth/register
body {"client_name": "x", "redirect_uris": ["https://app.example/cb"], "purpose_dpv": "ServiceProvision", "purpose_fr": "x", "purpose_en": "x"}
expect 403

# ---- introspection (RFC 7662) -----------------------------------------------------

=== an active access token
header Content-Type: application/x-www-form-urlencoded
POST /oauth/introspect
body token=${access}&client_id=${cid}
expect 200
expect-json /active = true
expect-json /client_id = "${cid}"
expect-json /scope = "doctype:bank.transaction field:amount field:date op:read"
expect-json /token_type = "Bearer"
expect-json /grant_id = "${grant2}"
expect-json /iss = "${base}"
expect-json /sub ~ ^[0-9a-f]{64}$
expect-json /sub != "${alice_id}"
expect-json /exp exists
expect-json /iat exists

=== another client learns nothing of it
header Content-Type: application/x-www-form-urlencoded
POST /oauth/introspect
body token=${access}&client_id=${ccid}&client_secret=${csecret}
expect 200
expect-json /active = false
expect-json /client_id absent

=== a confidential client with the wrong secret
errors oauth
header Content-Type: application/x-www-form-urlencoded
POST /oauth/introspect
body token=${access}&client_id=${ccid}&client_secret=ccs_wrong
expect 401
expect-json /error = "invalid_client"

=== an unknown token is inactive
header Content-Type: application/x-www-form-urlencoded
POST /oauth/introspect
body token=cat_nothing&client_id=${cid}
expect 200
expect-body {"active":false}

=== no token
errors oauth
header Content-Type: application/x-www-form-urlencoded
POST /oauth/introspect
body client_id=${cid}
expect 400
expect-json /error = "invalid_request"

# ---- refresh (RFC 6749 §6): rotation ------------------------------------------------

=== a refresh rotates the refresh token
header Content-Type: application/x-www-form-urlencoded
POST /oauth/token
body grant_type=refresh_token&refresh_token=${refresh}&client_id=${cid}
expect 200
expect-json /refresh_token != "${refresh}"
expect-json /access_token != "${access}"
expect-json /grant_id = "${grant2}"
save access2 = /access_token
save refresh2 = /refresh_token

=== the new access token reads
header Authorization: Bearer ${access2}
GET /api/v1/records/bank.transaction
expect 200

=== a narrower scope on refresh is not offered
errors oauth
header Content-Type: application/x-www-form-urlencoded
POST /oauth/token
body grant_type=refresh_token&refresh_token=${refresh2}&client_id=${cid}&scope=doctype%3Acalendar.event
expect 400
expect-json /error = "invalid_scope"

=== another client may not refresh (this one did not even register the grant type)
errors oauth
header Content-Type: application/x-www-form-urlencoded
POST /oauth/token
body grant_type=refresh_token&refresh_token=${refresh2}&client_id=${ccid}&client_secret=${csecret}
expect 400
expect-json /error = "unauthorized_client"

=== the rotated refresh token used again: refused, and the family revoked
errors oauth
header Content-Type: application/x-www-form-urlencoded
POST /oauth/token
body grant_type=refresh_token&refresh_token=${refresh}&client_id=${cid}
expect 400
expect-json /error = "invalid_grant"

=== so the newest access token is dead too
header Authorization: Bearer ${access2}
GET /api/v1/records/bank.transaction
expect 401

=== and the newest refresh token
errors oauth
header Content-Type: application/x-www-form-urlencoded
POST /oauth/token
body grant_type=refresh_token&refresh_token=${refresh2}&client_id=${cid}
expect 400
expect-json /error = "invalid_grant"

# ---- revocation (RFC 7009) and withdrawal -------------------------------------------

=== a fresh code for the confidential client (it registered no refresh_token grant)
as alice
GET /oauth/authorize?response_type=code&client_id=${ccid}&redirect_uri=https%3A%2F%2Fenergie.example%2Fcb&code_challenge=nU6mluUHB5zcz-j1FLzB7vhdC4Wy1yO2IAnOqztBSj0&code_challenge_method=S256&scope=doctype%3Abank.transaction
expect 200
expect-text un contrat entre vous et le service
save-text csrf ~ name="csrf" value="([^"]+)"

=== given
as alice nocsrf
header Content-Type: application/x-www-form-urlencoded
POST /oauth/authorize
body action=give&csrf=${csrf}&response_type=code&client_id=${ccid}&redirect_uri=https%3A%2F%2Fenergie.example%2Fcb&code_challenge=nU6mluUHB5zcz-j1FLzB7vhdC4Wy1yO2IAnOqztBSj0&code_challenge_method=S256&scope=doctype%3Abank.transaction
expect 303
save-header code = Location ~ code=([^&]+)

=== the confidential client without its secret
errors oauth
header Content-Type: application/x-www-form-urlencoded
POST /oauth/token
body grant_type=authorization_code&code=${code}&client_id=${ccid}&redirect_uri=https%3A%2F%2Fenergie.example%2Fcb&code_verifier=oauth-t-verifier-0123456789-abcdefghijklmnopqrstuvwxyz
expect 401
expect-json /error = "invalid_client"

=== two ways of client authentication at once
errors oauth
header Authorization: Basic eDp5
header Content-Type: application/x-www-form-urlencoded
POST /oauth/token
body grant_type=authorization_code&code=${code}&client_id=${ccid}&client_secret=${csecret}
expect 400
expect-json /error = "invalid_request"

=== client_secret_post; no refresh token for this client
header Content-Type: application/x-www-form-urlencoded
POST /oauth/token
body grant_type=authorization_code&code=${code}&client_id=${ccid}&client_secret=${csecret}&redirect_uri=https%3A%2F%2Fenergie.example%2Fcb&code_verifier=oauth-t-verifier-0123456789-abcdefghijklmnopqrstuvwxyz
expect 200
expect-json /refresh_token absent
save caccess = /access_token
save cgrant = /grant_id

=== a refresh is not this client's grant type
errors oauth
header Content-Type: application/x-www-form-urlencoded
POST /oauth/token
body grant_type=refresh_token&refresh_token=crt_x&client_id=${ccid}&client_secret=${csecret}
expect 400
expect-json /error = "unauthorized_client"

=== it reads
header Authorization: Bearer ${caccess}
GET /api/v1/records/bank.transaction
expect 200

=== alice withdraws that consent
as alice
POST /api/v1/consents/${cgrant}/withdraw
expect 200
expect-json /status = "withdrawn"

=== the very next request is refused
header Authorization: Bearer ${caccess}
GET /api/v1/records/bank.transaction
expect 401

=== and introspection says inactive
header Content-Type: application/x-www-form-urlencoded
POST /oauth/introspect
body token=${caccess}&client_id=${ccid}&client_secret=${csecret}
expect 200
expect-body {"active":false}

=== revocation: an unknown token is fine
header Content-Type: application/x-www-form-urlencoded
POST /oauth/revoke
body token=cat_nothing&client_id=${cid}
expect 200
expect-header Content-Length: 0

=== revocation: an unknown hint is refused (RFC 7009 §2.2.1)
errors oauth
header Content-Type: application/x-www-form-urlencoded
POST /oauth/revoke
body token=cat_nothing&token_type_hint=id_token&client_id=${cid}
expect 400
expect-json /error = "unsupported_token_type"

=== revocation needs the client
errors oauth
header Content-Type: application/x-www-form-urlencoded
POST /oauth/revoke
body token=cat_nothing
expect 401
expect-json /error = "invalid_client"
