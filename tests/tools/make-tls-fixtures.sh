#!/bin/sh
# make-tls-fixtures.sh — record real TLS handshakes (openssl s_server/s_client on loopback) as the
# unit test fixtures of the TLS decoder: tests/unit/data/tls/<case>.chunks (see pcap-chunks.py).
# Needs root (tcpdump on lo), openssl, tcpdump, python3. Re-runnable; certificates are made afresh,
# so the expected subjects/dates in tests/unit/test_tls.c follow the names and dates chosen here.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE/../unit/data/tls}
W=$(mktemp -d)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	rm -rf "$W"
}
trap cleanup EXIT INT TERM
mkdir -p "$OUT"
cd "$W"

# --- certificates -------------------------------------------------------------------------------
ca_init() {	# ca_init DIR SUBJECT: a test CA usable by `openssl ca`
	mkdir -p "$1/new"
	: >"$1/index.txt"
	echo 1000 >"$1/serial"
	cat >"$1/ca.cnf" <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = $W/$1
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
certificate = \$dir/ca.crt
private_key = \$dir/ca.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = copy
x509_extensions = leaf
[ any ]
commonName = supplied
organizationName = optional
[ leaf ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
CNF
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1/ca.key" -out "$1/ca.crt" \
		-days 3650 -subj "$2" 2>/dev/null
}

leaf() {	# leaf NAME CN BITS [openssl ca date options...]: a leaf signed by the test CA
	name=$1 cn=$2 bits=$3
	shift 3
	openssl req -newkey "rsa:$bits" -nodes -keyout "$name.key" -out "$name.csr" \
		-subj "/O=Mailtap Test/CN=$cn" -addext "subjectAltName=DNS:$cn" 2>/dev/null
	openssl ca -batch -config ca/ca.cnf -in "$name.csr" -out "$name.crt" -notext "$@" 2>/dev/null
}

ca_init ca "/O=Mailtap Test/CN=Mailtap Test CA"
ca_init otherca "/O=Elsewhere/CN=Other Test CA"
leaf good mail.example.test 2048 -days 3650
leaf expired mail.example.test 2048 -startdate 200101000000Z -enddate 210101000000Z
leaf othername other.example.test 2048 -days 3650
leaf weak1024 mail.example.test 1024 -days 3650
leaf y2060 mail.example.test 2048 -enddate 20600101120000Z
openssl req -x509 -newkey rsa:2048 -nodes -keyout self.key -out self.crt -days 3650 \
	-subj "/CN=mail.example.test" -addext "subjectAltName=DNS:mail.example.test" 2>/dev/null
cat good.crt ca/ca.crt >good-chain.crt

# --- captures -----------------------------------------------------------------------------------
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# capture CASE CERT "SERVER OPTS" "CLIENT OPTS" [PRE]: one s_client connection, captured;
# PRE (optional) is a client option set for an uncaptured first connection (session resumption).
capture() {
	case_=$1 cert=$2 sopts=$3 copts=$4 pre=${5:-}
	port=$(free_port)
	naccept=1
	[ -n "$pre" ] && naccept=2
	# shellcheck disable=SC2086
	openssl s_server -accept "127.0.0.1:$port" -cert "$cert.crt" -key "$cert.key" \
		-cert_chain ca/ca.crt -naccept $naccept -quiet $sopts >/dev/null 2>&1 &
	spid=$!
	PIDS="$PIDS $spid"
	sleep 0.5
	if [ -n "$pre" ]; then
		# shellcheck disable=SC2086
		printf 'EHLO client.example.test\r\n' | timeout 5 openssl s_client \
			-connect "127.0.0.1:$port" $pre >/dev/null 2>&1 || true
	fi
	tcpdump -Z root --immediate-mode -i lo -U -s 0 -w "$case_.pcap" "tcp port $port" >/dev/null 2>&1 &
	tpid=$!
	PIDS="$PIDS $tpid"
	sleep 1
	# shellcheck disable=SC2086
	printf 'EHLO client.example.test\r\n' | timeout 5 openssl s_client \
		-connect "127.0.0.1:$port" $copts >/dev/null 2>&1 || true
	sleep 1
	kill "$spid" 2>/dev/null || true
	kill -INT "$tpid" 2>/dev/null || true
	wait "$tpid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	python3 "$HERE/pcap-chunks.py" "$case_.pcap" "$OUT/$case_.chunks"
	echo "$case_: $(wc -c <"$OUT/$case_.chunks") bytes"
}

SNI="-servername mail.example.test"
LOW="-cipher DEFAULT:@SECLEVEL=0"
capture tls12_good good "" "-tls1_2 $SNI -alpn smtp,h2"
capture tls13_good good "" "-tls1_3 $SNI"
capture tls10_weak good "$LOW" "-tls1 $LOW $SNI"
# This OpenSSL has no RC4/DES/3DES/NULL suites left: an anonymous (ADH) suite stands for the weak ones.
capture tls12_anon good "-cipher ALL:@SECLEVEL=0" "-tls1_2 -cipher ADH-AES128-GCM-SHA256:@SECLEVEL=0 $SNI"
capture self_signed self "" "-tls1_2 $SNI"
capture expired expired "" "-tls1_2 $SNI"
capture othername othername "" "-tls1_2 $SNI"
capture weak1024 weak1024 "$LOW" "-tls1_2 $LOW $SNI"
capture y2060 y2060 "" "-tls1_2 $SNI"
capture tls12_no_sni good "" "-tls1_2 -noservername"
capture tls12_unknown_ca good "" "-tls1_2 $SNI -verify_return_error -CAfile otherca/ca.crt"
capture tls13_unknown_ca good "" "-tls1_3 $SNI -verify_return_error -CAfile otherca/ca.crt"
# The server accepts only X25519, the client's key share is P-256: a HelloRetryRequest.
capture tls13_hrr good "-groups X25519" "-tls1_3 $SNI -groups P-256:X25519"
capture tls12_resumed good "" "-tls1_2 $SNI -sess_in sess.pem" "-tls1_2 $SNI -sess_out sess.pem"
