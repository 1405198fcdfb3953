#!/bin/bash
# secrets.sh — AUTH PLAIN (initial response and after 334), AUTH LOGIN and AUTH XOAUTH2 in clear, a
# SOCKS5 password and an HTTP Proxy-Authorization, IMAP LOGIN (atoms and literals), IMAP
# AUTHENTICATE (SASL-IR and challenges), POP3 USER/PASS, AUTH and APOP: neither a password or token
# nor any base64 form of it, nor an IMAP/POP3 user name or APOP digest, appears in the database, its
# -wal, the --json output, mailtap's stdout/stderr, or any report format.
# Usage: secrets.sh MAILTAP PCAPGEN WORKDIR
set -uo pipefail
NAME=stress_secrets
. "$(dirname "$0")/lib.sh"
[ $# -eq 3 ] || { echo "usage: $0 MAILTAP PCAPGEN WORKDIR" >&2; exit 2; }
mailtap=$1 pcapgen=$2 work=$3
need_exe "$mailtap" "$pcapgen"
fresh_dir "$work"

user=scanner@example.test pass='Tr0ub4dor&3-horse' token=ya29.A0ARrdaM-secret-bearer-token-0123456789
b64() { printf '%b' "$1" | base64 -w0; }
plain=$(b64 "\\0$user\\0$pass")
user64=$(b64 "$user")
pass64=$(b64 "$pass")
xoauth=$(b64 "user=$user\\x01auth=Bearer $token\\x01\\x01")
# Proxy credentials: the SOCKS5 password (RFC 1929) and HTTP Proxy-Authorization (Basic).
spass='S0cks-P4ss&word' ppass='Pr0xy-P4ss&word'
proxy64=$(b64 "proxyuser:$ppass")
iuser=imapuser-7f3a digest=c4c9334bac560ecc979e58001b3e22fb
secrets=("$pass" "$token" "$plain" "${plain%%=*}" "$pass64" "${pass64%%=*}" "$xoauth" "${xoauth%%=*}"
	"${xoauth:8:40}" "${plain:4:16}" "$spass" "$ppass" "$proxy64" "${proxy64%%=*}" "$iuser" "$digest")

hello() {	# session header: greeting and an EHLO reply offering AUTH (no STARTTLS)
	printf 'session 192.0.2.%d:%d 198.51.100.25:25\nsyn\n' "$1" "$((40000 + $1))"
	printf 'S: 220 mx.example.test ESMTP\\r\\n\nC: EHLO printer.example.test\\r\\n\n'
	printf 'S: 250-mx.example.test\\r\\n\nS+: 250 AUTH PLAIN LOGIN XOAUTH2\\r\\n\n'
}
mailtail() {
	printf 'C: MAIL FROM:<%s>\\r\\n\nS: 250 2.1.0 Ok\\r\\n\n' "$user"
	printf 'C: QUIT\\r\\n\nS: 221 2.0.0 Bye\\r\\n\nfin\n'
}
{
	hello 11; printf 'C: AUTH PLAIN %s\\r\\n\nS: 235 2.7.0 Authentication successful\\r\\n\n' "$plain"; mailtail
	hello 12; printf 'C: AUTH PLAIN\\r\\n\nS: 334 \\r\\n\nC: %s\\r\\n\nS: 235 2.7.0 Ok\\r\\n\n' "$plain"; mailtail
	hello 13
	printf 'C: AUTH LOGIN\\r\\n\nS: 334 VXNlcm5hbWU6\\r\\n\nC: %s\\r\\n\n' "$user64"
	printf 'S: 334 UGFzc3dvcmQ6\\r\\n\nC: %s\\r\\n\nS: 235 2.7.0 Ok\\r\\n\n' "$pass64"; mailtail
	hello 14; printf 'C: AUTH XOAUTH2 %s\\r\\n\nS: 235 2.7.0 Accepted\\r\\n\n' "$xoauth"; mailtail
	# A failed attempt whose secret is echoed nowhere either (535), then LOGIN with the password inline.
	hello 15; printf 'C: AUTH LOGIN %s\\r\\n\nS: 334 UGFzc3dvcmQ6\\r\\n\nC: %s\\r\\n\nS: 535 5.7.8 Error\\r\\n\n' "$user64" "$pass64"; mailtail
	# AUTH PLAIN through a SOCKS5 tunnel with user/password, on the proxy port 1080.
	printf 'session 192.0.2.16:40016 198.51.100.80:1080\nsyn\nC: \\x05\\x01\\x02\nS: \\x05\\x02\n'
	printf 'C: \\x01\\x08sockuser\\x%02x%s\nS: \\x01\\x00\n' "${#spass}" "$spass"
	printf 'C: \\x05\\x01\\x00\\x01\\xc6\\x33\\x64\\x19\\x00\\x19\nS: \\x05\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\n'
	printf 'S: 220 mx.example.test ESMTP\\r\\n\nC: EHLO printer.example.test\\r\\n\n'
	printf 'S: 250-mx.example.test\\r\\n\nS+: 250 AUTH PLAIN LOGIN XOAUTH2\\r\\n\n'
	printf 'C: AUTH PLAIN %s\\r\\n\nS: 235 2.7.0 Authentication successful\\r\\n\n' "$plain"; mailtail
	# Mail through an HTTP proxy that wants Proxy-Authorization, on the proxy port 3128.
	printf 'session 192.0.2.17:40017 198.51.100.80:3128\nsyn\n'
	printf 'C: CONNECT mx.example.test:25 HTTP/1.1\\r\\nProxy-Authorization: Basic %s\\r\\n\\r\\n\n' "$proxy64"
	printf 'S: HTTP/1.1 200 Connection established\\r\\n\\r\\n\n'
	printf 'S: 220 mx.example.test ESMTP\\r\\n\nC: EHLO printer.example.test\\r\\n\nS: 250 mx.example.test\\r\\n\n'; mailtail
	# IMAP (port 143) and POP3 (port 110), no STARTTLS offered.
	imap() { printf 'session 192.0.2.%d:%d 198.51.100.143:143\nsyn\nS: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=LOGIN] ready\\r\\n\n' "$1" "$((40000 + $1))"; }
	pop3() { printf 'session 192.0.2.%d:%d 198.51.100.110:110\nsyn\nS: +OK POP3 ready <1896.697170952@dbc.mtview.ca.us>\\r\\n\n' "$1" "$((40000 + $1))"; }
	imap 21; printf 'C: a1 LOGIN %s %s\\r\\n\nS: a1 OK in\\r\\n\nfin\n' "$iuser" "$pass"
	imap 22; printf 'C: a1 LOGIN {%d}\\r\\n\nS: + go\\r\\n\nC: %s {%d}\\r\\n\nS: + go\\r\\n\nC: %s\\r\\n\nS: a1 NO bad\\r\\n\nfin\n' \
		"${#iuser}" "$iuser" "${#pass}" "$pass"
	imap 23; printf 'C: a1 AUTHENTICATE PLAIN %s\\r\\n\nS: a1 OK in\\r\\n\nfin\n' "$plain"
	imap 24; printf 'C: a1 AUTHENTICATE LOGIN\\r\\n\nS: + VXNlcm5hbWU6\\r\\n\nC: %s\\r\\n\nS: + UGFzc3dvcmQ6\\r\\n\nC: %s\\r\\n\nS: a1 OK in\\r\\n\nfin\n' "$user64" "$pass64"
	pop3 25; printf 'C: USER %s\\r\\n\nS: +OK\\r\\n\nC: PASS %s\\r\\n\nS: +OK in\\r\\n\nfin\n' "$iuser" "$pass"
	pop3 26; printf 'C: AUTH PLAIN\\r\\n\nS: + \\r\\n\nC: %s\\r\\n\nS: -ERR no\\r\\n\nfin\n' "$plain"
	pop3 27; printf 'C: APOP %s %s\\r\\n\nS: +OK in\\r\\n\nfin\n' "$iuser" "$digest"
} >"$work/input.txt"
"$pcapgen" -o "$work/input.pcap" "$work/input.txt" || fail "pcapgen failed"
# The test must be able to fail: every secret form is really on the wire.
for s in "$plain" "$pass64" "$xoauth" "$spass" "$proxy64" "$iuser" "$digest" "a1 LOGIN {${#iuser}}"; do
	grep -aqF -- "$s" "$work/input.pcap" || fail "'$s' is not in the capture: nothing would be checked"
done

db=$work/s.db
# A reader holds a snapshot open during the AUTH run, so the -wal keeps every page the sensor
# wrote (no checkpoint past the reader, no deletion at close) and can be searched too.
here=$(cd "$(dirname "$0")" && pwd)
"$pcapgen" -o "$work/first.pcap" "$here/../pcap/plain_no_starttls/input.txt" || fail "pcapgen failed"
"$mailtap" -q -r "$work/first.pcap" -d "$db" || fail "cannot create the database"
mkfifo "$work/sql"
sqlite3 -batch "$db" <"$work/sql" >"$work/reader.txt" 2>&1 &
spid=$!
exec 4>"$work/sql"
trap 'exec 4>&- 2>/dev/null; kill $spid 2>/dev/null' EXIT
echo "BEGIN; SELECT count(*) FROM sessions;" >&4
for _ in $(seq 50); do [ -s "$work/reader.txt" ] && break; sleep 0.1; done
"$mailtap" -v -r "$work/input.pcap" -d "$db" --json "$work/out.jsonl" >"$work/sensor.stdout" 2>"$work/sensor.stderr" \
	|| fail "mailtap failed: $(tail -n 3 "$work/sensor.stderr")"
[ -s "$db-wal" ] || fail "no -wal file to search"
cp "$db-wal" "$work/kept.db-wal"
"$mailtap" -q -r "$work/input.pcap" -d "$work/s2.db" --json - >"$work/json.stdout" 2>"$work/json.stderr" \
	|| fail "mailtap --json - failed"
[ "$(count "$db" "SELECT count(*) FROM sessions WHERE auth_mechanism IS NOT NULL")" = 13 ] \
	|| fail "AUTH was not recorded in all 13 sessions: nothing was checked"
[ "$(count "$db" "SELECT count(*) FROM sessions WHERE tunnel IS NOT NULL")" = 2 ] \
	|| fail "the two proxy tunnels were not recorded: their credentials were not checked"
[ "$(count "$db" "SELECT count(*) FROM sessions WHERE protocol IN ('imap', 'pop3')")" = 7 ] \
	|| fail "the IMAP and POP3 sessions were not all decoded"
[ "$(count "$db" "SELECT count(*) FROM findings WHERE kind = 'cleartext_auth'")" -ge 11 ] \
	|| fail "cleartext_auth not raised for the AUTH sessions"
for f in text csv json html tlsrpt; do
	"$mailtap" report --db "$db" --since 2000-01-01 --until 2100-01-01 --format $f -o "$work/report.$f" \
		>"$work/report.$f.stdout" 2>"$work/report.$f.stderr" || fail "report $f failed"
done
sqlite3 "$db" .dump >"$work/dump.sql"

found=0
for s in "${secrets[@]}"; do
	for file in "$work"/s.db* "$work"/s2.db* "$work/kept.db-wal" "$work"/*.jsonl "$work"/*.stdout "$work"/*.stderr \
		"$work"/report.* "$work/dump.sql"; do
		[ -f "$file" ] || continue
		if grep -aqF -- "$s" "$file"; then
			echo "$NAME: secret form '${s:0:6}...' found in $(basename "$file")" >&2
			found=1
		fi
	done
done
[ $found = 0 ] || fail "a secret was stored or printed"
note "ok: ${#secrets[@]} secret forms absent from $(ls "$work" | grep -vc 'input') files"
