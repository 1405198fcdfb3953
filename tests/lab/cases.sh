# cases.sh — the lab's clients: one function per case, each one SMTP session with a fixed 4-tuple.
# Sourced by run-lab.sh after lib.sh. A case's capture is the lab capture filtered on its client
# port, so every client port below is unique. Expected results: expected/<case>.txt.

# name client_ip client_port server_ip server_port   (the 4-tuple in expected/<case>.txt)
LAB_CASES="
plain_no_starttls     192.0.2.11 40001 192.0.2.25 25
starttls_not_used     192.0.2.12 40002 192.0.2.25 2525
starttls_tls12        192.0.2.13 40003 192.0.2.25 2525
starttls_tls13        192.0.2.14 40004 192.0.2.25 2525
implicit_tls          192.0.2.15 40005 192.0.2.25 465
auth_plain_clear      192.0.2.16 40006 192.0.2.25 587
auth_login_clear      192.0.2.17 40007 192.0.2.25 587
starttls_refused      192.0.2.18 40008 192.0.2.26 25
starttls_refused_clear 192.0.2.18 40009 192.0.2.26 25
cert_self_signed      192.0.2.19 40011 192.0.2.31 465
cert_expired          192.0.2.19 40012 192.0.2.32 465
cert_name_mismatch    192.0.2.19 40013 192.0.2.33 465
cert_weak_key         192.0.2.19 40014 192.0.2.34 465
cert_after_2050       192.0.2.19 40015 192.0.2.35 465
tls10_starttls        192.0.2.20 40016 192.0.2.36 25
"

# Cases that carry AUTH credentials (checked for leaks by check-secrets.sh).
LAB_AUTH_CASES="auth_plain_clear auth_login_clear"

# Cases merged into tests/data/sample.pcap.
LAB_SAMPLE_CASES="plain_no_starttls starttls_not_used auth_plain_clear starttls_tls13 implicit_tls starttls_refused"

# swaks with the case's fixed 4-tuple. $1 case name, rest: extra swaks options.
lab_swaks() {
	local name=$1; shift
	local row; row=$(lab_case_row "$name")
	set -- $row "$@"
	local cip=$2 cport=$3 sip=$4 sport=$5; shift 5
	lab_cli swaks --server "$sip" --port "$sport" -li "$cip" -lp "$cport" \
		--from "scan@example.test" --to "it@example.test" --timeout 10 \
		--header "Subject: lab $name" --body "lab message for $name" "$@" \
		>"$LAB_DIR/logs/$name.log" 2>&1
}

lab_case_row() {
	local r
	r=$(printf '%s\n' "$LAB_CASES" | awk -v n="$1" '$1 == n')
	[ -n "$r" ] || lab_die "unknown case '$1'"
	printf '%s\n' "$r"
}

# A case fails the lab when the client's exit status is not the one expected.
lab_expect_rc() {
	local name=$1 want=$2 got=$3
	[ "$got" = "$want" ] || { sed -n '1,60p' "$LAB_DIR/logs/$name.log" >&2;
		lab_die "case $name: client exit status $got, expected $want (log above)"; }
}

case_plain_no_starttls() { local rc=0; lab_swaks plain_no_starttls --helo printer-3f.example.test || rc=$?; lab_expect_rc plain_no_starttls 0 $rc; }
case_starttls_not_used() { local rc=0; lab_swaks starttls_not_used --helo scanner-2.example.test || rc=$?; lab_expect_rc starttls_not_used 0 $rc; }
case_starttls_tls12() { local rc=0; lab_swaks starttls_tls12 --helo laptop-7.example.test -tls --tls-protocol tlsv1_2 --tls-sni mail.example.test || rc=$?; lab_expect_rc starttls_tls12 0 $rc; }
case_starttls_tls13() { local rc=0; lab_swaks starttls_tls13 --helo laptop-8.example.test -tls --tls-protocol tlsv1_3 --tls-sni mail.example.test || rc=$?; lab_expect_rc starttls_tls13 0 $rc; }
case_implicit_tls() { local rc=0; lab_swaks implicit_tls --helo phone-1.example.test -tlsc --tls-sni mail.example.test || rc=$?; lab_expect_rc implicit_tls 0 $rc; }
case_auth_plain_clear() { local rc=0; lab_swaks auth_plain_clear --helo copier-5.example.test -a PLAIN -au "$LAB_USER" -ap "$LAB_PASS" || rc=$?; lab_expect_rc auth_plain_clear 0 $rc; }
case_auth_login_clear() { local rc=0; lab_swaks auth_login_clear --helo copier-6.example.test -a LOGIN -au "$LAB_USER" -ap "$LAB_PASS" || rc=$?; lab_expect_rc auth_login_clear 0 $rc; }
# swaks -tls gives up after the 454 (sends QUIT, exit 29 = TLS failure).
case_starttls_refused() { local rc=0; lab_swaks starttls_refused --helo nas-1.example.test -tls || rc=$?; lab_expect_rc starttls_refused 29 $rc; }
# swaks -tlso (opportunistic) goes on in clear after the 454 and sends the mail.
case_starttls_refused_clear() { local rc=0; lab_swaks starttls_refused_clear --helo nas-1.example.test -tlso || rc=$?; lab_expect_rc starttls_refused_clear 0 $rc; }

# Certificate cases: TLS 1.2 so the certificate crosses the wire in clear; SNI mail.example.test.
lab_cert_case() { local rc=0; lab_swaks "$1" --helo camera-9.example.test -tlsc --tls-protocol tlsv1_2 --tls-sni mail.example.test "${@:2}" || rc=$?; lab_expect_rc "$1" 0 $rc; }
case_cert_self_signed() { lab_cert_case cert_self_signed; }
case_cert_expired() { lab_cert_case cert_expired; }
case_cert_name_mismatch() { lab_cert_case cert_name_mismatch; }
case_cert_weak_key() { lab_cert_case cert_weak_key --tls-cipher 'DEFAULT:@SECLEVEL=0'; }
case_cert_after_2050() { lab_cert_case cert_after_2050; }

# TLS 1.0 via STARTTLS: swaks cannot lower OpenSSL's security level for the protocol, s_client can.
case_tls10_starttls() {
	local rc=0
	printf 'QUIT\n' | lab_cli timeout 10 openssl s_client -connect 192.0.2.36:25 \
		-bind 192.0.2.20:40016 -starttls smtp -name old-mfp.example.test -servername mail.example.test \
		-tls1 -cipher 'DEFAULT:@SECLEVEL=0' -ign_eof -crlf -brief \
		>"$LAB_DIR/logs/tls10_starttls.log" 2>&1 || rc=$?
	lab_expect_rc tls10_starttls 0 $rc
	grep -q '^Protocol version: TLSv1$' "$LAB_DIR/logs/tls10_starttls.log" \
		|| { cat "$LAB_DIR/logs/tls10_starttls.log" >&2; lab_die "case tls10_starttls: no TLS 1.0 session"; }
}
