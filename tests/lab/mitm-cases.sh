# mitm-cases.sh — the middlebox cases: each a few SMTP sessions from one client address to one
# server address through mitm.py, each session with its own client port and proxy mode.
# Sourced by run-lab.sh after mitm-lab.sh and cases.sh. Expected results per side of the middlebox:
# expected-mitm/client/<case>.txt and expected-mitm/server/<case>.txt.

# name client_ip server_ip server_port   (each case alone on its addresses: captures split by them)
LAB_MITM_CASES="
mitm_clean          198.51.100.11 192.0.2.41 587
mitm_strip          198.51.100.12 192.0.2.42 25
mitm_mask           198.51.100.13 192.0.2.43 25
mitm_refuse454      198.51.100.14 192.0.2.44 25
mitm_refuse502      198.51.100.15 192.0.2.45 25
mitm_garble         198.51.100.16 192.0.2.46 25
mitm_reset          198.51.100.17 192.0.2.47 25
mitm_inject_server  198.51.100.18 192.0.2.48 25
mitm_inject_client  198.51.100.19 192.0.2.49 25
mitm_intermittent   198.51.100.20 192.0.2.50 25
mitm_never_offered  198.51.100.21 192.0.2.25 25
"

lab_mitm_row() {
	local r
	r=$(printf '%s\n' "$LAB_MITM_CASES" | awk -v n="$1" '$1 == n')
	[ -n "$r" ] || lab_die "unknown mitm case '$1'"
	printf '%s\n' "$r"
}

# One swaks session through the proxy. $1 case, $2 client port, $3 proxy mode, $4 expected exit
# status, rest: swaks options. The mode is set before the connection and checked in the proxy log.
lab_mitm_swaks() {
	local name=$1 cport=$2 mode=$3 want=$4 rc=0; shift 4
	set -- $(lab_mitm_row "$name") "$@"
	local cip=$2 sip=$3 sport=$4; shift 4
	echo "$cport $mode" >>"$LAB_DIR/mitm.modes"
	lab_mcl timeout 20 swaks --server "$sip" --port "$sport" -li "$cip" -lp "$cport" \
		--from "scan@example.test" --to "it@example.test" --timeout 10 \
		--header "Subject: lab $name $cport" --body "lab message for $name" "$@" \
		>"$LAB_DIR/logs/$name-$cport.log" 2>&1 || rc=$?
	lab_mitm_expect "$name-$cport" "$want" "$rc"
}

lab_mitm_expect() {	# log-name want got
	[ "$3" = "$2" ] || { sed -n '1,60p' "$LAB_DIR/logs/$1.log" >&2;
		lab_die "mitm session $1: client exit status $3, expected $2 (log above)"; }
}

# The proxy did tamper as the case needs (a case that passes without tampering proves nothing).
lab_mitm_did() {	# cport regex
	grep -Eq "^$1 [a-z0-9]+ $2" "$LAB_DIR/mitm.log" \
		|| { cat "$LAB_DIR/mitm.log" >&2; lab_die "mitm: no '$2' for client port $1 (proxy log above)"; }
}

# Sessions that only read the EHLO reply (history for the stripping judgement).
lab_mitm_ehlo_only() {	# case cport mode
	lab_mitm_swaks "$1" "$2" "$3" 0 --helo "probe-$2.example.test" --quit-after EHLO
}

# A clean STARTTLS session (submission, AUTH only inside TLS) through the proxy: no finding at all.
case_mitm_clean() {
	lab_mitm_swaks mitm_clean 40111 pass 0 --helo laptop-m1.example.test -tls --tls-sni mail.example.test \
		-a PLAIN -au "$LAB_USER" -ap "$LAB_PASS"
	lab_mitm_did 40111 relaying
}

# Three sessions see STARTTLS, the fourth gets it stripped and swaks -tlso goes on in clear.
case_mitm_strip() {
	local p
	for p in 40121 40122 40123; do lab_mitm_ehlo_only mitm_strip $p pass; done
	lab_mitm_swaks mitm_strip 40124 strip 0 --helo printer-m2.example.test -tlso
	lab_mitm_did 40124 stripped
}

# Masked (XXXXXXXA): swaks -tls finds no STARTTLS and gives up (exit 29), the retry in clear
# through the same box sends the mail.
case_mitm_mask() {
	lab_mitm_swaks mitm_mask 40131 mask 29 --helo scanner-m3.example.test -tls
	lab_mitm_did 40131 'masked STARTTLS'
	lab_mitm_swaks mitm_mask 40132 mask 0 --helo scanner-m3.example.test
	lab_mitm_did 40132 'masked the banner'
}

# The box answers STARTTLS with 454; swaks -tls gives up (exit 29); the client reconnects at once
# (the box lets this one through) and sends in clear: a downgrade on a new connection.
case_mitm_refuse454() {
	lab_mitm_swaks mitm_refuse454 40141 refuse454 29 --helo nas-m4.example.test -tls
	lab_mitm_did 40141 'answered STARTTLS with 454'
	lab_mitm_swaks mitm_refuse454 40142 pass 0 --helo nas-m4.example.test
}

# The box answers an advertised STARTTLS with 502; swaks -tlso goes on in clear on that connection.
case_mitm_refuse502() {
	lab_mitm_swaks mitm_refuse502 40151 refuse502 0 --helo copier-m5.example.test -tlso
	lab_mitm_did 40151 'answered STARTTLS with 502'
}

# Garbage instead of the ServerHello: the handshake fails (swaks exit 29); retry in clear.
case_mitm_garble() {
	lab_mitm_swaks mitm_garble 40161 garble 29 --helo camera-m6.example.test -tls
	lab_mitm_did 40161 'replaced [0-9]+ ServerHello bytes with garbage'
	lab_mitm_swaks mitm_garble 40162 pass 0 --helo camera-m6.example.test
}

# RST to the client when its ClientHello arrives; retry in clear.
case_mitm_reset() {
	lab_mitm_swaks mitm_reset 40171 reset 29 --helo phone-m7.example.test -tls
	lab_mitm_did 40171 'reset the client after [0-9]+ ClientHello bytes'
	lab_mitm_swaks mitm_reset 40172 pass 0 --helo phone-m7.example.test
}

# A plaintext line injected after the server's 220 to STARTTLS, in the same segment: swaks keeps it
# buffered and, after a good handshake, takes it for the answer to its EHLO inside TLS (the
# response-injection weakness); every later reply is one step late and swaks gives up (exit 25).
case_mitm_inject_server() {
	lab_mitm_swaks mitm_inject_server 40181 inject 25 --helo mfp-m8.example.test -tls
	lab_mitm_did 40181 injected
}

# The client pipelines MAIL FROM behind STARTTLS in one segment, then does TLS (real Postfix).
case_mitm_inject_client() {
	local here rc=0
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	echo "40191 pass" >>"$LAB_DIR/mitm.modes"
	lab_mcl timeout 20 python3 "$here/starttls-inject.py" 192.0.2.49 25 198.51.100.19 40191 \
		kiosk-m9.example.test >"$LAB_DIR/logs/mitm_inject_client-40191.log" 2>&1 || rc=$?
	lab_mitm_expect mitm_inject_client-40191 0 $rc
	grep -q '^TLS: TLSv1' "$LAB_DIR/logs/mitm_inject_client-40191.log" \
		|| { cat "$LAB_DIR/logs/mitm_inject_client-40191.log" >&2; lab_die "mitm_inject_client: no TLS after STARTTLS"; }
}

# False alarm check: STARTTLS seen in 3 of 6 sessions (the box strips every other one), the last
# one sends mail without it: at the threshold count but far below the share, so no stripping.
case_mitm_intermittent() {
	lab_mitm_ehlo_only mitm_intermittent 40201 pass
	lab_mitm_ehlo_only mitm_intermittent 40202 strip
	lab_mitm_ehlo_only mitm_intermittent 40203 pass
	lab_mitm_ehlo_only mitm_intermittent 40204 strip
	lab_mitm_ehlo_only mitm_intermittent 40205 pass
	lab_mitm_swaks mitm_intermittent 40206 strip 0 --helo printer-m10.example.test
	lab_mitm_did 40206 stripped
}

# False alarm check: a server that never offered STARTTLS, seen four times: no stripping.
case_mitm_never_offered() {
	local p
	for p in 40211 40212 40213; do lab_mitm_ehlo_only mitm_never_offered $p pass; done
	lab_mitm_swaks mitm_never_offered 40214 pass 0 --helo printer-m11.example.test
}

# Split the middlebox captures per case: client side by the case's addresses, server side by the
# server address (the server side client is always the proxy). $1 OUTDIR/mitm.
lab_mitm_split() {
	local out=$1 c n
	cp "$LAB_DIR/mitm-client.pcap" "$out/all_client.pcap"
	cp "$LAB_DIR/mitm-server.pcap" "$out/all_server.pcap"
	shift
	for c in "$@"; do
		set -- $(lab_mitm_row "$c")
		tcpdump -r "$out/all_client.pcap" -w "$out/$c.pcap" "host $2 and host $3 and tcp port $4" 2>/dev/null
		tcpdump -r "$out/all_server.pcap" -w "$out/${c}_server.pcap" \
			"host $LAB_MITM_SRC and host $3 and tcp port $4" 2>/dev/null
		n=$(tcpdump -r "$out/$c.pcap" -n 2>/dev/null | wc -l)
		[ "$n" -gt 0 ] || lab_die "mitm case $c: client side capture is empty"
		[ "$c" != mitm_strip ] || lab_mitm_split_history "$out"
		lab_log "mitm case $c: $n packets client side, $(tcpdump -r "$out/${c}_server.pcap" -n 2>/dev/null | wc -l) server side"
	done
}

# mitm_strip's client side in two parts, for two mailtap runs into one database: the three sessions
# that saw STARTTLS, then the stripped one (the offers must be remembered between runs).
lab_mitm_split_history() {
	tcpdump -r "$1/mitm_strip.pcap" -w "$1/mitm_strip_part1.pcap" 'tcp portrange 40121-40123' 2>/dev/null
	tcpdump -r "$1/mitm_strip.pcap" -w "$1/mitm_strip_part2.pcap" 'tcp port 40124' 2>/dev/null
}
