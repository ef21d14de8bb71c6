-- Prosody for docker-compose.yml: users on `localhost`, the gateway as component `gw.localhost`.
admins = { }
modules_enabled = { "roster"; "saslauth"; "tls"; "dialback"; "disco"; "carbons"; "pep"; "private";
  "vcard4"; "vcard_legacy"; "version"; "uptime"; "time"; "ping"; "register"; "admin_adhoc" }
allow_registration = false
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_hashed"
log = { info = "*console" }
component_interfaces = { "*" }

VirtualHost "localhost"

Component "gw.localhost"
  component_secret = "gwsecret"
