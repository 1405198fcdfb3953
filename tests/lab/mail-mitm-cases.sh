# mail-mitm-cases.sh — the IMAP/POP3 middlebox cases: sessions from one client address to one Dovecot
# address through mitm-mail.py, each session with its own client port and proxy mode.
# Sourced by run-mail-lab.sh after mitm-lab.sh and mail-cases.sh. Expected results per side of the
# middlebox: expected-mail-mitm/client/<case>.txt and expected-mail-mitm/server/<case>.txt.

# name client_ip server_ip server_port   (each case alone on its addresses: captures split by them)
LAB_MAIL_MITM_CASES="
imap_mitm_clean          198.51.100.31 192.0.2.111 143
imap_mitm_strip          198.51.100.32 192.0.2.112 143
imap_mitm_mask           198.51.100.33 192.0.2.113 143
imap_mitm_refuse         198.51.100.34 192.0.2.114 143
imap_mitm_inject_server  198.51.100.35 192.0.2.115 143
imap_mitm_inject_client  198.51.100.36 192.0.2.116 143
imap_mitm_garble         198.51.100.37 192.0.2.117 143
pop3_mitm_strip          198.51.100.41 192.0.2.121 110
pop3_mitm_mask           198.51.100.42 192.0.2.122 110
pop3_mitm_refuse         198.51.100.43 192.0.2.123 110
pop3_mitm_inject_server  198.51.100.44 192.0.2.124 110
pop3_mitm_inject_client  198.51.100.45 192.0.2.125 110
"
LAB_MAIL_MITM_CLIENTS="198.51.100.31 198.51.100.32 198.51.100.33 198.51.100.34 198.51.100.35
 198.51.100.36 198.51.100.37 198.51.100.41 198.51.100.42 198.51.100.43 198.51.100.44 198.51.100.45"

lab_mail_mitm_row() {
	local r
	r=$(printf '%s\n' "$LAB_MAIL_MITM_CASES" | awk -v n="$1" '$1 == n')
	[ -n "$r" ] || lab_die "unknown mitm case '$1'"
	printf '%s\n' "$r"
}

# One curl session through the proxy. $1 case, $2 client port, $3 proxy mode, $4 expected exit
# status, $5 URL path, rest: curl options. The mode is set before the connection.
lab_mail_mitm_curl() {
	local name=$1 cport=$2 mode=$3 want=$4 path=$5 rc=0 scheme; shift 5
	set -- $(lab_mail_mitm_row "$name") "$@"
	local cip=$2 sip=$3 sport=$4; shift 4
	scheme=imap; [ "$sport" != 110 ] || scheme=pop3
	echo "$cport $mode" >>"$LAB_DIR/mitm.modes"
	lab_mcl curl -sS -v --max-time 15 --interface "$cip" --local-port "$cport" \
		-u "$LAB_USER:$LAB_PASS" "$@" "$scheme://$sip:$sport/$path" \
		>"$LAB_DIR/logs/$name-$cport.log" 2>&1 || rc=$?
	lab_mail_expect_rc "$name-$cport" "$want" "$rc"
}

# One mail-clients.py session through the proxy. $1 case, $2 client port, $3 mode, $4 kind, rest: options.
lab_mail_mitm_py() {
	local name=$1 cport=$2 mode=$3 kind=$4 rc=0 here; shift 4
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	set -- $(lab_mail_mitm_row "$name") "$@"
	local cip=$2 sip=$3 sport=$4; shift 4
	echo "$cport $mode" >>"$LAB_DIR/mitm.modes"
	LAB_USER=$LAB_USER LAB_PASS=$LAB_PASS lab_mcl timeout 20 python3 "$here/mail-clients.py" \
		"$kind" "$sip" "$sport" "$cip" "$cport" "$@" >"$LAB_DIR/logs/$name-$cport.log" 2>&1 || rc=$?
	lab_mail_expect_rc "$name-$cport" 0 "$rc"
}

# The proxy did tamper as the case needs (a case that passes without tampering proves nothing).
lab_mail_mitm_did() {	# cport regex
	grep -Eq "^$1 [a-z_]+ $2" "$LAB_DIR/mitm.log" \
		|| { cat "$LAB_DIR/mitm.log" >&2; lab_die "mitm: no '$2' for client port $1 (proxy log above)"; }
}

# --- IMAP ------------------------------------------------------------------------------------------
# curl --ssl-reqd through a relaying box: STARTTLS, login and fetch inside TLS.
case_imap_mitm_clean() {
	lab_mail_mitm_curl imap_mitm_clean 40501 pass 0 'INBOX;UID=1' --ssl-reqd -k
	lab_mail_mitm_did 40501 relaying
}

# Three probes see STARTTLS; the fourth session has it stripped everywhere and curl --ssl
# (opportunistic) logs in with AUTHENTICATE PLAIN and fetches in clear.
case_imap_mitm_strip() {
	local p
	for p in 40511 40512 40513; do lab_mail_mitm_py imap_mitm_strip $p pass imap-probe; done
	lab_mail_mitm_curl imap_mitm_strip 40514 strip 0 'INBOX;UID=1' --ssl
	lab_mail_mitm_did 40514 'strip STARTTLS in a \[CAPABILITY\] code'
	lab_mail_mitm_did 40514 'strip STARTTLS in \* CAPABILITY'
}

# Masked (XXXXXXXX): curl --ssl-reqd gives up (64: STARTTLS not available); curl --ssl goes on in
# clear: AUTHENTICATE PLAIN, SELECT and FETCH; imaplib (which never looks for STARTTLS) LOGINs.
case_imap_mitm_mask() {
	lab_mail_mitm_curl imap_mitm_mask 40521 mask 64 'INBOX' --ssl-reqd
	lab_mail_mitm_did 40521 'mask STARTTLS'
	lab_mail_mitm_curl imap_mitm_mask 40522 mask 0 'INBOX;UID=1' --ssl
	lab_mail_mitm_did 40522 'mask STARTTLS'
	lab_mail_mitm_py imap_mitm_mask 40523 mask imap-login --fetch
	lab_mail_mitm_did 40523 'mask STARTTLS'
}

# The box answers STARTTLS with NO: curl --ssl-reqd gives up (64); with BAD: curl --ssl goes on in
# clear on the same connection.
case_imap_mitm_refuse() {
	lab_mail_mitm_curl imap_mitm_refuse 40531 refuse 64 'INBOX' --ssl-reqd
	lab_mail_mitm_did 40531 'answered the upgrade with NO'
	lab_mail_mitm_curl imap_mitm_refuse 40532 refusebad 0 'INBOX;UID=1' --ssl
	lab_mail_mitm_did 40532 'answered the upgrade with BAD'
}

# A plaintext "* OK [ALERT]" appended to Dovecot's OK to STARTTLS, before the handshake. curl 7.88
# sees bytes buffered after the OK and aborts before any TLS (exit 8, "Weird server reply": its
# CVE-2021-22947 fix); imaplib drops its read buffer on starttls() and the handshake completes.
case_imap_mitm_inject_server() {
	lab_mail_mitm_curl imap_mitm_inject_server 40541 inject_server 8 'INBOX' --ssl-reqd -k
	lab_mail_mitm_did 40541 injected
	lab_mail_mitm_py imap_mitm_inject_server 40542 inject_server imap-login --tls
	lab_mail_mitm_did 40542 injected
}

# "X9 CAPABILITY" appended to curl's STARTTLS in the same segment to Dovecot. Dovecot 2.3 answers
# the STARTTLS with OK, never runs the injected command, starts TLS on the bytes it holds (the
# injected line), fails ("SSL_accept() syscall failed") and closes: curl's handshake fails (35).
case_imap_mitm_inject_client() {
	lab_mail_mitm_curl imap_mitm_inject_client 40551 inject_client 35 'INBOX' --ssl-reqd -k
	lab_mail_mitm_did 40551 'injected a command'
}

# Garbage instead of Dovecot's ServerHello: the handshake fails (curl 35).
case_imap_mitm_garble() {
	lab_mail_mitm_curl imap_mitm_garble 40561 garble 35 'INBOX' --ssl-reqd -k
	lab_mail_mitm_did 40561 'replaced [0-9]+ ServerHello bytes'
}

# --- POP3 ------------------------------------------------------------------------------------------
# Three probes see STLS in CAPA; then it is stripped and curl --ssl logs in (AUTH PLAIN) and RETRs in clear.
case_pop3_mitm_strip() {
	local p
	for p in 40611 40612 40613; do lab_mail_mitm_py pop3_mitm_strip $p pass pop3-probe; done
	lab_mail_mitm_curl pop3_mitm_strip 40614 strip 0 '1' --ssl
	lab_mail_mitm_did 40614 'strip STLS'
}

# STLS masked as XXXX: curl --ssl-reqd gives up (64), curl --ssl goes on in clear.
case_pop3_mitm_mask() {
	lab_mail_mitm_curl pop3_mitm_mask 40621 mask 64 '' --ssl-reqd
	lab_mail_mitm_did 40621 'mask STLS'
	lab_mail_mitm_curl pop3_mitm_mask 40622 mask 0 '1' --ssl
	lab_mail_mitm_did 40622 'mask STLS'
}

# The box answers STLS with -ERR: curl --ssl-reqd gives up (64), curl --ssl goes on in clear.
case_pop3_mitm_refuse() {
	lab_mail_mitm_curl pop3_mitm_refuse 40631 refuse 64 '' --ssl-reqd
	lab_mail_mitm_did 40631 'answered the upgrade with -ERR'
	lab_mail_mitm_curl pop3_mitm_refuse 40632 refuse 0 '1' --ssl
	lab_mail_mitm_did 40632 'answered the upgrade with -ERR'
}

# "+OK injected after STLS" appended to Dovecot's +OK: curl aborts (8), poplib completes TLS.
case_pop3_mitm_inject_server() {
	lab_mail_mitm_curl pop3_mitm_inject_server 40641 inject_server 8 '' --ssl-reqd -k
	lab_mail_mitm_did 40641 injected
	lab_mail_mitm_py pop3_mitm_inject_server 40642 inject_server pop3-login --tls
	lab_mail_mitm_did 40642 injected
}

# "CAPA" appended to curl's STLS: Dovecot answers +OK, takes the CAPA for TLS and fails
# ("wrong version number"), so curl's handshake fails (35).
case_pop3_mitm_inject_client() {
	lab_mail_mitm_curl pop3_mitm_inject_client 40651 inject_client 35 '' --ssl-reqd -k
	lab_mail_mitm_did 40651 'injected a command'
}

# Split the middlebox captures per case: client side by the case's addresses, server side by the
# server address (the server side's client is always the proxy). $1 OUTDIR/mitm, then the cases.
lab_mail_mitm_split() {
	local out=$1 c n
	cp "$LAB_DIR/mitm-client.pcap" "$out/all_client.pcap"
	cp "$LAB_DIR/mitm-server.pcap" "$out/all_server.pcap"
	shift
	for c in "$@"; do
		set -- $(lab_mail_mitm_row "$c")
		tcpdump -r "$out/all_client.pcap" -w "$out/$c.pcap" "host $2 and host $3 and tcp port $4" 2>/dev/null
		tcpdump -r "$out/all_server.pcap" -w "$out/${c}_server.pcap" \
			"host $LAB_MITM_SRC and host $3 and tcp port $4" 2>/dev/null
		n=$(tcpdump -r "$out/$c.pcap" -n 2>/dev/null | wc -l)
		[ "$n" -gt 0 ] || lab_die "mitm case $c: client side capture is empty"
		case $c in
		imap_mitm_strip) lab_mail_mitm_split_history "$out" "$c" 40511-40513 40514 ;;
		pop3_mitm_strip) lab_mail_mitm_split_history "$out" "$c" 40611-40613 40614 ;;
		esac
		lab_log "mitm case $c: $n packets client side, $(tcpdump -r "$out/${c}_server.pcap" -n 2>/dev/null | wc -l) server side"
	done
}

# A stripping case's client side in two parts, for two mailtap runs into one database: the sessions
# that saw the offer, then the stripped one (the offers must be remembered between runs).
lab_mail_mitm_split_history() {	# out case first-ports last-port
	tcpdump -r "$1/$2.pcap" -w "$1/$2_part1.pcap" "tcp portrange $3" 2>/dev/null
	tcpdump -r "$1/$2.pcap" -w "$1/$2_part2.pcap" "tcp port $4" 2>/dev/null
}
