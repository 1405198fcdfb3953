# mail-cases.sh — the IMAP and POP3 lab's clients against Dovecot: one function per case, each one
# session with a fixed 4-tuple. Sourced by run-mail-lab.sh after lib.sh and dovecot.sh. Expected
# results: expected-mail/<case>.txt. Clients: curl (imap://, imaps://, pop3://, pop3s://, with and
# without --ssl-reqd, --ssl), Python imaplib/poplib (mail-clients.py), openssl s_client -starttls.

# name client_ip client_port server_ip server_port
LAB_MAIL_CASES="
imap_no_starttls         192.0.2.61 40301 192.0.2.102 143
imap_authenticate_clear  192.0.2.62 40302 192.0.2.101 143
imap_login_clear         192.0.2.63 40303 192.0.2.101 143
imap_starttls_curl       192.0.2.64 40304 192.0.2.101 143
imap_starttls_try        192.0.2.64 40305 192.0.2.101 143
imap_starttls_try_clear  192.0.2.65 40306 192.0.2.102 143
imap_starttls_python     192.0.2.66 40307 192.0.2.101 143
imap_starttls_openssl    192.0.2.67 40308 192.0.2.101 143
imap_implicit_tls        192.0.2.68 40309 192.0.2.101 993
imap_logindisabled       192.0.2.69 40310 192.0.2.103 143
imap_logindisabled_clear 192.0.2.69 40311 192.0.2.103 143
imap_preauth             192.0.2.70 40312 192.0.2.104 143
imap_login_literal       192.0.2.80 40313 192.0.2.101 143
imap_other_port          192.0.2.82 40314 192.0.2.101 1143
imap_plain_on_993        192.0.2.83 40315 192.0.2.105 993
pop3_no_stls             192.0.2.71 40401 192.0.2.102 110
pop3_user_pass_clear     192.0.2.72 40402 192.0.2.101 110
pop3_auth_clear          192.0.2.73 40403 192.0.2.101 110
pop3_stls_curl           192.0.2.74 40404 192.0.2.101 110
pop3_stls_try_clear      192.0.2.75 40405 192.0.2.102 110
pop3_stls_python         192.0.2.76 40406 192.0.2.101 110
pop3_stls_openssl        192.0.2.77 40407 192.0.2.101 110
pop3_implicit_tls        192.0.2.78 40408 192.0.2.101 995
pop3_user_disabled       192.0.2.79 40409 192.0.2.103 110
pop3_apop_clear          192.0.2.81 40410 192.0.2.101 110
pop3_other_port          192.0.2.84 40411 192.0.2.101 1110
pop3_plain_on_995        192.0.2.85 40412 192.0.2.105 995
"
LAB_MAIL_CLIENT_ADDRS="192.0.2.61 192.0.2.62 192.0.2.63 192.0.2.64 192.0.2.65 192.0.2.66 192.0.2.67
 192.0.2.68 192.0.2.69 192.0.2.70 192.0.2.71 192.0.2.72 192.0.2.73 192.0.2.74 192.0.2.75 192.0.2.76
 192.0.2.77 192.0.2.78 192.0.2.79 192.0.2.80 192.0.2.81 192.0.2.82 192.0.2.83 192.0.2.84 192.0.2.85"


lab_mail_row() {
	local r
	r=$(printf '%s\n' "$LAB_MAIL_CASES" | awk -v n="$1" '$1 == n')
	[ -n "$r" ] || lab_die "unknown mail case '$1'"
	printf '%s\n' "$r"
}

# curl with the case's 4-tuple. $1 case, $2 scheme, $3 path (after the host), rest: curl options.
lab_mail_curl() {
	local name=$1 scheme=$2 path=$3; shift 3
	set -- $(lab_mail_row "$name") "$@"
	local cip=$2 cport=$3 sip=$4 sport=$5; shift 5
	lab_cli curl -sS -v --max-time 15 --interface "$cip" --local-port "$cport" \
		-u "$LAB_USER:$LAB_PASS" "$@" "$scheme://$sip:$sport/$path" \
		>"$LAB_DIR/logs/$name.log" 2>&1
}

# mail-clients.py with the case's 4-tuple. $1 case, $2 kind, rest: its options.
lab_mail_py() {
	local name=$1 kind=$2 here; shift 2
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	set -- $(lab_mail_row "$name") "$@"
	local cip=$2 cport=$3 sip=$4 sport=$5; shift 5
	LAB_USER=$LAB_USER LAB_PASS=$LAB_PASS lab_cli timeout 20 python3 "$here/mail-clients.py" \
		"$kind" "$sip" "$sport" "$cip" "$cport" "$@" >"$LAB_DIR/logs/$name.log" 2>&1
}

# openssl s_client -starttls imap|pop3, TLS 1.2 (the certificate crosses the wire in clear).
lab_mail_sclient() {
	local name=$1 proto=$2 quit=$3
	set -- $(lab_mail_row "$name")
	printf '%s\n' "$quit" | lab_cli timeout 15 openssl s_client -connect "$4:$5" -bind "$2:$3" \
		-starttls "$proto" -servername imap.example.test -tls1_2 -ign_eof -crlf -brief \
		>"$LAB_DIR/logs/$name.log" 2>&1
}

# A case fails the lab when the client's exit status is not the one expected.
lab_mail_expect_rc() {
	[ "$3" = "$2" ] || { sed -n '1,80p' "$LAB_DIR/logs/$1.log" >&2;
		lab_die "case $1: client exit status $3, expected $2 (log above)"; }
}

# The client's log must hold this line pattern (the dialogue really went that way).
lab_mail_log_has() {
	grep -Eq -- "$2" "$LAB_DIR/logs/$1.log" \
		|| { sed -n '1,80p' "$LAB_DIR/logs/$1.log" >&2; lab_die "case $1: client log lacks '$2' (log above)"; }
}

# --- IMAP ------------------------------------------------------------------------------------------
# No STARTTLS offered (ssl=no): curl logs in with AUTHENTICATE LOGIN (user and password as base64
# continuation lines) and fetches the message.
case_imap_no_starttls() { local rc=0; lab_mail_curl imap_no_starttls imap 'INBOX;UID=1' --login-options AUTH=LOGIN || rc=$?; lab_mail_expect_rc imap_no_starttls 0 $rc; lab_mail_log_has imap_no_starttls 'AUTHENTICATE LOGIN'; }
# STARTTLS offered, curl without --ssl never uses it: AUTHENTICATE PLAIN and the message in clear.
case_imap_authenticate_clear() { local rc=0; lab_mail_curl imap_authenticate_clear imap 'INBOX;UID=1' || rc=$?; lab_mail_expect_rc imap_authenticate_clear 0 $rc; lab_mail_log_has imap_authenticate_clear 'AUTHENTICATE PLAIN'; }
# imaplib: the LOGIN command in clear, SELECT, FETCH.
case_imap_login_clear() { local rc=0; lab_mail_py imap_login_clear imap-login --fetch || rc=$?; lab_mail_expect_rc imap_login_clear 0 $rc; lab_mail_log_has imap_login_clear '^login: OK'; }
# curl --ssl-reqd: STARTTLS, TLS 1.3, login and fetch inside TLS.
case_imap_starttls_curl() { local rc=0; lab_mail_curl imap_starttls_curl imap 'INBOX;UID=1' --ssl-reqd -k || rc=$?; lab_mail_expect_rc imap_starttls_curl 0 $rc; lab_mail_log_has imap_starttls_curl 'SSL connection using TLSv1.3'; }
# curl --ssl (opportunistic) where STARTTLS is offered: upgrades like --ssl-reqd.
case_imap_starttls_try() { local rc=0; lab_mail_curl imap_starttls_try imap 'INBOX' --ssl -k || rc=$?; lab_mail_expect_rc imap_starttls_try 0 $rc; lab_mail_log_has imap_starttls_try 'SSL connection using TLSv1.3'; }
# curl --ssl where STARTTLS is not offered: goes on in clear, AUTHENTICATE PLAIN.
case_imap_starttls_try_clear() { local rc=0; lab_mail_curl imap_starttls_try_clear imap 'INBOX' --ssl || rc=$?; lab_mail_expect_rc imap_starttls_try_clear 0 $rc; lab_mail_log_has imap_starttls_try_clear 'AUTHENTICATE PLAIN'; }
# imaplib starttls() then LOGIN inside TLS.
case_imap_starttls_python() { local rc=0; lab_mail_py imap_starttls_python imap-login --tls --fetch || rc=$?; lab_mail_expect_rc imap_starttls_python 0 $rc; lab_mail_log_has imap_starttls_python '^starttls: OK TLSv1.3'; }
# openssl s_client -starttls imap, TLS 1.2: the self-signed certificate is visible.
case_imap_starttls_openssl() { local rc=0; lab_mail_sclient imap_starttls_openssl imap 'a1 LOGOUT' || rc=$?; lab_mail_expect_rc imap_starttls_openssl 0 $rc; lab_mail_log_has imap_starttls_openssl '^Protocol version: TLSv1.2'; }
# imaps:// on 993.
case_imap_implicit_tls() { local rc=0; lab_mail_curl imap_implicit_tls imaps 'INBOX' -k || rc=$?; lab_mail_expect_rc imap_implicit_tls 0 $rc; lab_mail_log_has imap_implicit_tls 'SSL connection using TLSv1.3'; }
# LOGINDISABLED + STARTTLS (disable_plaintext_auth=yes): imaplib upgrades, then LOGIN inside TLS.
case_imap_logindisabled() { local rc=0; lab_mail_py imap_logindisabled imap-login --tls || rc=$?; lab_mail_expect_rc imap_logindisabled 0 $rc; lab_mail_log_has imap_logindisabled '^capability: .*LOGINDISABLED'; }
# The same server, imaplib sends LOGIN in clear anyway: refused, but the password crossed the wire.
case_imap_logindisabled_clear() { local rc=0; lab_mail_py imap_logindisabled_clear imap-login --expect-refusal || rc=$?; lab_mail_expect_rc imap_logindisabled_clear 0 $rc; lab_mail_log_has imap_logindisabled_clear '^login refused'; }
# PREAUTH greeting from Dovecot's imap (imap-preauth.py), then SELECT and FETCH in clear.
case_imap_preauth() { local rc=0; lab_mail_py imap_preauth imap-preauth --fetch || rc=$?; lab_mail_expect_rc imap_preauth 0 $rc; lab_mail_log_has imap_preauth 'PREAUTH'; }
# imaplib: LOGIN with the password as a literal ("{15}", the server's "+", then the bytes).
case_imap_login_literal() { local rc=0; lab_mail_py imap_login_literal imap-login --literal --fetch || rc=$?; lab_mail_expect_rc imap_login_literal 0 $rc; lab_mail_log_has imap_login_literal '^login: OK'; }
# IMAP on 1143 (no configured port: mailtap must find it by the greeting); curl --ssl-reqd.
case_imap_other_port() { local rc=0; lab_mail_curl imap_other_port imap 'INBOX;UID=1' --ssl-reqd -k || rc=$?; lab_mail_expect_rc imap_other_port 0 $rc; lab_mail_log_has imap_other_port 'SSL connection using TLSv1.3'; }
# Plaintext IMAP on 993 (a Dovecot listener without ssl there): imaplib logs in and fetches in clear.
case_imap_plain_on_993() { local rc=0; lab_mail_py imap_plain_on_993 imap-login --fetch || rc=$?; lab_mail_expect_rc imap_plain_on_993 0 $rc; lab_mail_log_has imap_plain_on_993 '^login: OK'; }

# --- POP3 ------------------------------------------------------------------------------------------
# No STLS (ssl=no): curl CAPA, AUTH PLAIN, RETR 1 in clear.
case_pop3_no_stls() { local rc=0; lab_mail_curl pop3_no_stls pop3 '1' || rc=$?; lab_mail_expect_rc pop3_no_stls 0 $rc; lab_mail_log_has pop3_no_stls 'AUTH PLAIN'; }
# STLS offered, poplib USER/PASS and RETR in clear.
case_pop3_user_pass_clear() { local rc=0; lab_mail_py pop3_user_pass_clear pop3-login --fetch || rc=$?; lab_mail_expect_rc pop3_user_pass_clear 0 $rc; lab_mail_log_has pop3_user_pass_clear '^retr: '; }
# STLS offered, curl without --ssl: AUTH LOGIN (base64 continuation lines) and RETR in clear.
case_pop3_auth_clear() { local rc=0; lab_mail_curl pop3_auth_clear pop3 '1' --login-options AUTH=LOGIN || rc=$?; lab_mail_expect_rc pop3_auth_clear 0 $rc; lab_mail_log_has pop3_auth_clear 'AUTH LOGIN'; }
# curl --ssl-reqd: STLS, then AUTH and RETR inside TLS.
case_pop3_stls_curl() { local rc=0; lab_mail_curl pop3_stls_curl pop3 '1' --ssl-reqd -k || rc=$?; lab_mail_expect_rc pop3_stls_curl 0 $rc; lab_mail_log_has pop3_stls_curl 'SSL connection using TLSv1.3'; }
# curl --ssl where STLS is not offered: on in clear.
case_pop3_stls_try_clear() { local rc=0; lab_mail_curl pop3_stls_try_clear pop3 '' --ssl || rc=$?; lab_mail_expect_rc pop3_stls_try_clear 0 $rc; lab_mail_log_has pop3_stls_try_clear 'AUTH PLAIN'; }
# poplib stls() then USER/PASS/RETR inside TLS.
case_pop3_stls_python() { local rc=0; lab_mail_py pop3_stls_python pop3-login --tls --fetch || rc=$?; lab_mail_expect_rc pop3_stls_python 0 $rc; lab_mail_log_has pop3_stls_python '^stls: .*TLSv1.3'; }
# openssl s_client -starttls pop3, TLS 1.2: the self-signed certificate is visible.
case_pop3_stls_openssl() { local rc=0; lab_mail_sclient pop3_stls_openssl pop3 'QUIT' || rc=$?; lab_mail_expect_rc pop3_stls_openssl 0 $rc; lab_mail_log_has pop3_stls_openssl '^Protocol version: TLSv1.2'; }
# pop3s:// on 995.
case_pop3_implicit_tls() { local rc=0; lab_mail_curl pop3_implicit_tls pop3s '' -k || rc=$?; lab_mail_expect_rc pop3_implicit_tls 0 $rc; lab_mail_log_has pop3_implicit_tls 'SSL connection using TLSv1.3'; }
# disable_plaintext_auth=yes: poplib's USER in clear is refused.
case_pop3_user_disabled() { local rc=0; lab_mail_py pop3_user_disabled pop3-login --expect-refusal || rc=$?; lab_mail_expect_rc pop3_user_disabled 0 $rc; lab_mail_log_has pop3_user_disabled '^login refused'; }
# poplib APOP (the password's MD5 digest with the greeting's timestamp), then RETR in clear.
case_pop3_apop_clear() { local rc=0; lab_mail_py pop3_apop_clear pop3-login --apop --fetch || rc=$?; lab_mail_expect_rc pop3_apop_clear 0 $rc; lab_mail_log_has pop3_apop_clear '^retr: '; }
# POP3 on 1110 (found by the greeting); curl without --ssl: AUTH PLAIN and RETR in clear.
case_pop3_other_port() { local rc=0; lab_mail_curl pop3_other_port pop3 '1' || rc=$?; lab_mail_expect_rc pop3_other_port 0 $rc; lab_mail_log_has pop3_other_port 'AUTH PLAIN'; }
# Plaintext POP3 on 995: poplib USER/PASS and RETR in clear.
case_pop3_plain_on_995() { local rc=0; lab_mail_py pop3_plain_on_995 pop3-login --fetch || rc=$?; lab_mail_expect_rc pop3_plain_on_995 0 $rc; lab_mail_log_has pop3_plain_on_995 '^retr: '; }
