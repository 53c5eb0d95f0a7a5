#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# make-certs.sh DIR: a throwaway PKI for the tests (certtool of gnutls-bin),
# ECDSA P-256, keys mode 600:
#   ca.pem                CA "DST Test CA"
#   server.pem            CN and DNS name server.dst.test, for TLS servers
#   server-ip.pem         CN server-ip, IP addresses ::1, 127.0.0.1, fd00::1 and
#                         192.0.2.1 (a server named by its address literal)
#   alice.pem, bob.pem    CN alice and bob, for TLS clients
#   rogue-ca.pem          another CA; mallory.pem (CN alice) signed by it
#   expired-server.pem    server.pem's name, expired in 2020
# each with its key in NAME-key.pem. Does nothing when DIR has them all.
set -euo pipefail

dir=${1:?usage: make-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
[[ -f server-ip.pem ]] && exit 0
umask 077

key() {
	certtool --generate-privkey --key-type ecdsa --curve secp256r1 --outfile "$1-key.pem" 2>/dev/null
}

# ca NAME CN
ca() {
	key "$1"
	printf 'cn = "%s"\nca\ncert_signing_key\nexpiration_days = 3650\n' "$2" >"$1.tmpl"
	certtool --generate-self-signed --load-privkey "$1-key.pem" --template "$1.tmpl" \
		--outfile "$1.pem" 2>/dev/null
}

# cert NAME CA TEMPLATE-LINES...
cert() {
	local name=$1 ca=$2
	shift 2
	key "$name"
	printf '%s\n' "$@" signing_key >"$name.tmpl"
	certtool --generate-certificate --load-privkey "$name-key.pem" --load-ca-certificate "$ca.pem" \
		--load-ca-privkey "$ca-key.pem" --template "$name.tmpl" --outfile "$name.pem" 2>/dev/null
}

ca ca "DST Test CA"
ca rogue-ca "Rogue CA"
cert server ca 'cn = "server.dst.test"' 'dns_name = "server.dst.test"' tls_www_server \
	encryption_key 'expiration_days = 3650'
for who in alice bob; do
	cert "$who" ca "cn = \"$who\"" 'organization = "DST Test"' tls_www_client 'expiration_days = 3650'
done
cert mallory rogue-ca 'cn = "alice"' tls_www_client 'expiration_days = 3650'
cert expired-server ca 'cn = "server.dst.test"' 'dns_name = "server.dst.test"' tls_www_server \
	'activation_date = "2020-01-01 00:00:00 UTC"' 'expiration_date = "2020-02-01 00:00:00 UTC"'
cert server-ip ca 'cn = "server-ip"' 'ip_address = "::1"' 'ip_address = "127.0.0.1"' \
	'ip_address = "fd00::1"' 'ip_address = "192.0.2.1"' tls_www_server encryption_key 'expiration_days = 3650'
rm -f ./*.tmpl
