# lib.sh — namespace lab: two network namespaces, one Postfix with many listeners, tcpdump, swaks.
# Sourced by run-lab.sh; needs bash with `set -euo pipefail`, root, iproute2, ethtool, postfix, swaks,
# openssl, tcpdump, saslpasswd2. Everything it creates is named with LAB_ID and removed by lab_cleanup.
# Addresses are documentation ranges (RFC 5737) inside the namespaces only; there is no default route.

LAB_ID=${LAB_ID:-$$}
LAB_NS_CLI="mt-cli-$LAB_ID"
LAB_NS_SRV="mt-srv-$LAB_ID"
LAB_VETH_CLI="mtc$LAB_ID"
LAB_VETH_SRV="mts$LAB_ID"
LAB_VXLAN_CLI="mxc$LAB_ID"      # LAB_VXLAN=1: the client/server addresses sit on these VXLAN devices
LAB_VXLAN_SRV="mxs$LAB_ID"
LAB_VXLAN=${LAB_VXLAN:-0}
LAB_VXLAN_VNI=4242
LAB_UNDERLAY_CLI=198.51.100.10  # VXLAN underlay (RFC 5737 TEST-NET-2) on the veth pair
LAB_UNDERLAY_SRV=198.51.100.25
LAB_CAPTURE_FILTER=tcp          # what lab_capture_start keeps; VXLAN: the underlay's UDP 4789
LAB_DIR=""                      # temp dir: postfix config/queue, certs, logs, raw capture
LAB_TCPDUMP_PID=""
LAB_POSTFIX_UP=0

# Client "devices" and servers. 192.0.2.25 is the main server (several ports); the others are
# one listener each so every one of them sits on a port mailtap treats as SMTP (25 or 465).
LAB_CLIENT_ADDRS="192.0.2.10 192.0.2.11 192.0.2.12 192.0.2.13 192.0.2.14 192.0.2.15 192.0.2.16
 192.0.2.17 192.0.2.18 192.0.2.19 192.0.2.20"
LAB_SERVER_ADDRS="192.0.2.25 192.0.2.26 192.0.2.31 192.0.2.32 192.0.2.33 192.0.2.34 192.0.2.35
 192.0.2.36 192.0.2.41 192.0.2.42 192.0.2.43 192.0.2.44 192.0.2.45 192.0.2.46 192.0.2.47 192.0.2.48
 192.0.2.49 192.0.2.50"

LAB_USER=labuser
LAB_PASS=S3cr3t-Lab-Pa55
LAB_REALM=example.test
# Proxy credentials of proxy-lab.sh (tinyproxy BasicAuth, Dante's SOCKS5 username method).
LAB_PROXY_BASIC_USER=proxyuser
LAB_PROXY_BASIC_PASS=Pr0xy-Basic-Pa55
LAB_PROXY_SOCKS_USER=sockuser
LAB_PROXY_SOCKS_PASS=S0cks-Lab-Pa55

lab_log() { printf 'lab: %s\n' "$*" >&2; }
lab_die() { printf 'lab: FATAL: %s\n' "$*" >&2; exit 1; }

# Fail loudly (never skip) when the lab cannot run here.
lab_require() {
	[ "$(id -u)" = 0 ] || lab_die "the lab needs root (network namespaces, postfix); run ctest as root or configure with -DMAILTAP_LAB_TESTS=OFF"
	ip netns list >/dev/null 2>&1 || lab_die "'ip netns' is unavailable: install iproute2 and run with CAP_SYS_ADMIN"
	local t
	for t in postfix swaks openssl tcpdump ethtool saslpasswd2 sqlite3; do
		command -v "$t" >/dev/null 2>&1 || lab_die "missing tool '$t' (apt-get install postfix swaks openssl tcpdump ethtool sasl2-bin sqlite3)"
	done
}

lab_cli() { ip netns exec "$LAB_NS_CLI" "$@"; }
lab_srv() { ip netns exec "$LAB_NS_SRV" "$@"; }

# Remove everything the lab made; safe to call twice and on a half-built lab.
lab_cleanup() {
	set +e
	declare -F lab_mitm_cleanup >/dev/null && lab_mitm_cleanup
	if [ -n "$LAB_TCPDUMP_PID" ]; then
		kill -INT "$LAB_TCPDUMP_PID" 2>/dev/null
		wait "$LAB_TCPDUMP_PID" 2>/dev/null
		LAB_TCPDUMP_PID=""
	fi
	if [ "$LAB_POSTFIX_UP" = 1 ]; then
		lab_srv postfix -c "$LAB_DIR/etc" stop >/dev/null 2>&1
		local pidf="$LAB_DIR/spool/pid/master.pid" i
		for i in $(seq 1 50); do
			[ -s "$pidf" ] && kill -0 "$(tr -d ' ' <"$pidf")" 2>/dev/null || break
			sleep 0.1
		done
		[ -s "$pidf" ] && kill -KILL "$(tr -d ' ' <"$pidf")" 2>/dev/null
		LAB_POSTFIX_UP=0
	fi
	# Any process still inside our namespaces (postfix children) is ours.
	local ns p
	for ns in "$LAB_NS_CLI" "$LAB_NS_SRV"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$LAB_DIR" ] && [ -d "$LAB_DIR" ] && [ "${LAB_KEEP:-0}" != 1 ]; then
		rm -rf "$LAB_DIR"
	fi
	set -e
}

# Two namespaces joined by a veth pair, offloads off (MSS-sized segments with valid checksums,
# as on a span port), IPv6 off (no neighbour discovery noise), no default route.
lab_net_up() {
	ip netns add "$LAB_NS_CLI"
	ip netns add "$LAB_NS_SRV"
	ip link add "$LAB_VETH_CLI" netns "$LAB_NS_CLI" type veth peer name "$LAB_VETH_SRV" netns "$LAB_NS_SRV"
	local ns dev a
	for ns in "$LAB_NS_CLI" "$LAB_NS_SRV"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip netns exec "$ns" ip link set lo up
	done
	local cdev=$LAB_VETH_CLI sdev=$LAB_VETH_SRV devs="$LAB_NS_CLI:$LAB_VETH_CLI $LAB_NS_SRV:$LAB_VETH_SRV"
	if [ "$LAB_VXLAN" = 1 ]; then
		lab_vxlan_up
		cdev=$LAB_VXLAN_CLI sdev=$LAB_VXLAN_SRV devs="$devs $LAB_NS_CLI:$LAB_VXLAN_CLI $LAB_NS_SRV:$LAB_VXLAN_SRV"
	fi
	for a in $LAB_CLIENT_ADDRS; do lab_cli ip addr add "$a/24" dev "$cdev"; done
	for a in $LAB_SERVER_ADDRS; do lab_srv ip addr add "$a/24" dev "$sdev"; done
	# Fixed MACs: a printer-like OUI on the client side makes the device table deterministic.
	lab_cli ip link set "$cdev" address 02:00:5e:10:00:10
	lab_srv ip link set "$sdev" address 02:00:5e:10:00:25
	for dev in $devs; do
		ip netns exec "${dev%%:*}" ethtool -K "${dev#*:}" rx off tx off sg off tso off gso off gro off >/dev/null 2>&1 || true
		ip netns exec "${dev%%:*}" ip link set "${dev#*:}" up
	done
}

# LAB_VXLAN=1: the lab's addresses go on a VXLAN device (RFC 7348, VNI LAB_VXLAN_VNI, UDP 4789) in
# each namespace, over the veth pair that carries only the underlay (198.51.100.0/24, its own MACs).
# The capture on the server's veth then holds Postfix and swaks traffic inside VXLAN, as a span of a
# VXLAN fabric would. The VXLAN MTU is the veth's less the 50 bytes of outer Ethernet, IPv4, UDP
# and VXLAN headers, so nothing is fragmented; offloads are off on all four devices (lab_net_up).
lab_vxlan_up() {
	local mtu
	lab_cli ip link set "$LAB_VETH_CLI" address 02:00:5e:20:00:10
	lab_srv ip link set "$LAB_VETH_SRV" address 02:00:5e:20:00:25
	lab_cli ip addr add "$LAB_UNDERLAY_CLI/24" dev "$LAB_VETH_CLI"
	lab_srv ip addr add "$LAB_UNDERLAY_SRV/24" dev "$LAB_VETH_SRV"
	mtu=$(lab_cli cat "/sys/class/net/$LAB_VETH_CLI/mtu")
	lab_cli ip link add "$LAB_VXLAN_CLI" type vxlan id "$LAB_VXLAN_VNI" dstport 4789 \
		local "$LAB_UNDERLAY_CLI" remote "$LAB_UNDERLAY_SRV" dev "$LAB_VETH_CLI"
	lab_srv ip link add "$LAB_VXLAN_SRV" type vxlan id "$LAB_VXLAN_VNI" dstport 4789 \
		local "$LAB_UNDERLAY_SRV" remote "$LAB_UNDERLAY_CLI" dev "$LAB_VETH_SRV"
	lab_cli ip link set "$LAB_VXLAN_CLI" mtu $((mtu - 50))
	lab_srv ip link set "$LAB_VXLAN_SRV" mtu $((mtu - 50))
	LAB_CAPTURE_FILTER="udp dst port 4789"
}

# A tcpdump filter for one TCP flow (client IP and port, server IP and port; server port empty:
# every flow of the client's address and port). VXLAN: libpcap 1.10 has no vxlan keyword, so the
# inner headers are read at fixed offsets from the outer UDP header (UDP 8, VXLAN 8, Ethernet 14,
# IPv4 without options as Linux sends it, 20).
lab_flow_filter() {
	local cip=$1 cport=$2 sip=${3:-} sport=${4:-}
	if [ "$LAB_VXLAN" != 1 ]; then
		if [ -n "$sip" ]; then
			printf 'host %s and tcp port %s and host %s and tcp port %s' "$cip" "$cport" "$sip" "$sport"
		else
			printf '(host %s and tcp port %s)' "$cip" "$cport"
		fi
		return
	fi
	local hc hs
	hc=$(printf '0x%02x%02x%02x%02x' ${cip//./ })
	if [ -n "$sip" ]; then
		hs=$(printf '0x%02x%02x%02x%02x' ${sip//./ })
		printf 'udp dst port 4789 and udp[28:2] = 0x0800 and udp[39] = 6 and ((udp[42:4] = %s and udp[50:2] = %s and udp[46:4] = %s and udp[52:2] = %s) or (udp[46:4] = %s and udp[52:2] = %s and udp[42:4] = %s and udp[50:2] = %s))' \
			"$hc" "$cport" "$hs" "$sport" "$hc" "$cport" "$hs" "$sport"
	else
		printf '(udp dst port 4789 and udp[28:2] = 0x0800 and udp[39] = 6 and ((udp[42:4] = %s and udp[50:2] = %s) or (udp[46:4] = %s and udp[52:2] = %s)))' \
			"$hc" "$cport" "$hc" "$cport"
	fi
}

# Test PKI: a CA, good/self-signed/expired/other-name/1024-bit/after-2050 leaves, and a broken key.
lab_certs() {
	local d="$LAB_DIR/pki"
	mkdir -p "$d/db"
	: >"$d/db/index.txt"
	echo 1000 >"$d/db/serial"
	cat >"$d/ca.cnf" <<-EOF
	[ ca ]
	default_ca = lab
	[ lab ]
	dir = $d/db
	database = $d/db/index.txt
	serial = $d/db/serial
	new_certs_dir = $d/db
	default_md = sha256
	policy = any
	unique_subject = no
	copy_extensions = copy
	[ any ]
	commonName = supplied
	[ leaf ]
	basicConstraints = CA:FALSE
	keyUsage = digitalSignature, keyEncipherment
	extendedKeyUsage = serverAuth
	EOF
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.crt" -days 3650 \
		-subj "/CN=mailtap lab CA" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
	# name bits cn start end
	lab_leaf good 2048 mail.example.test "" ""
	lab_leaf expired 2048 mail.example.test 200101000000Z 210101000000Z
	lab_leaf other 2048 other.example.test "" ""
	lab_leaf weak 1024 mail.example.test "" ""
	lab_leaf far 2048 mail.example.test "" 20600101000000Z
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/self.key" -out "$d/self.crt" -days 3650 \
		-subj "/CN=mail.example.test" -addext "subjectAltName=DNS:mail.example.test" 2>/dev/null
	# Unusable key: Postfix offers STARTTLS but answers 454 (TLS not available).
	echo "not a key" >"$d/broken.key"
	chmod 644 "$d"/*.crt
}

lab_leaf() {
	local name=$1 bits=$2 cn=$3 start=$4 end=$5 d="$LAB_DIR/pki"
	local dates=(-days 3650)
	[ -n "$start" ] && dates=(-startdate "$start")
	[ -n "$end" ] && dates+=(-enddate "$end")
	[ -n "$start" ] && [ -z "$end" ] && dates+=(-days 3650)
	openssl req -newkey "rsa:$bits" -nodes -keyout "$d/$name.key" -out "$d/$name.csr" \
		-subj "/CN=$cn" -addext "subjectAltName=DNS:$cn" 2>/dev/null
	openssl ca -batch -notext -config "$d/ca.cnf" -extensions leaf -cert "$d/ca.crt" -keyfile "$d/ca.key" \
		"${dates[@]}" -in "$d/$name.csr" -out "$d/$name.crt" 2>/dev/null \
		|| lab_die "openssl ca failed for certificate '$name'"
}

# main.cf: accept mail for example.test, throw it away; no DNS, no chroot, log to a file.
lab_postfix_main() {
	local e="$LAB_DIR/etc" pki="$LAB_DIR/pki"
	cat >"$e/main.cf" <<-EOF
	compatibility_level = 3.6
	meta_directory = /etc/postfix
	queue_directory = $LAB_DIR/spool
	data_directory = $LAB_DIR/data
	maillog_file = $LAB_DIR/postfix.log
	maillog_file_prefixes = $LAB_DIR
	myhostname = mail.example.test
	mydomain = example.test
	myorigin = example.test
	mydestination = example.test, mail.example.test
	mynetworks = 127.0.0.0/8
	inet_interfaces = all
	inet_protocols = ipv4
	alias_maps =
	alias_database =
	local_recipient_maps =
	local_transport = discard
	default_transport = discard
	relay_transport = discard
	smtpd_banner = \$myhostname ESMTP
	smtpd_peername_lookup = no
	disable_dns_lookups = yes
	smtp_dns_support_level = disabled
	biff = no
	smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
	smtpd_tls_cert_file = $pki/good.crt
	smtpd_tls_key_file = $pki/good.key
	smtpd_tls_security_level = none
	smtpd_tls_loglevel = 1
	smtpd_sasl_auth_enable = no
	smtpd_sasl_path = smtpd
	smtpd_sasl_local_domain = $LAB_REALM
	smtpd_tls_auth_only = no
	smtpd_sasl_security_options = noanonymous
	EOF
}

# master.cf: the SMTP listeners the cases talk to, then the internal services (postfix-services.cf).
lab_postfix_master() {
	local pki="$LAB_DIR/pki" weak="tls_medium_cipherlist=DEFAULT:@SECLEVEL=0"
	cat >"$LAB_DIR/etc/master.cf" <<-EOF
	# no STARTTLS
	192.0.2.25:25 inet n - n - - smtpd -o smtpd_tls_security_level=none
	# STARTTLS offered, CA-signed certificate for mail.example.test
	192.0.2.25:2525 inet n - n - - smtpd -o smtpd_tls_security_level=may
	# submission: STARTTLS offered, AUTH PLAIN/LOGIN usable in clear
	192.0.2.25:587 inet n - n - - smtpd -o smtpd_tls_security_level=may -o smtpd_sasl_auth_enable=yes -o smtpd_tls_auth_only=no
	# implicit TLS
	192.0.2.25:465 inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt
	# STARTTLS offered but key unusable: 454 TLS not available
	192.0.2.26:25 inet n - n - - smtpd -o smtpd_tls_security_level=may -o smtpd_tls_key_file=$pki/broken.key
	# certificate cases, implicit TLS
	192.0.2.31:465 inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt -o smtpd_tls_cert_file=$pki/self.crt -o smtpd_tls_key_file=$pki/self.key
	192.0.2.32:465 inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt -o smtpd_tls_cert_file=$pki/expired.crt -o smtpd_tls_key_file=$pki/expired.key
	192.0.2.33:465 inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt -o smtpd_tls_cert_file=$pki/other.crt -o smtpd_tls_key_file=$pki/other.key
	192.0.2.34:465 inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt -o smtpd_tls_cert_file=$pki/weak.crt -o smtpd_tls_key_file=$pki/weak.key -o $weak -o smtpd_tls_ciphers=medium -o smtpd_tls_mandatory_ciphers=medium
	192.0.2.35:465 inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt -o smtpd_tls_cert_file=$pki/far.crt -o smtpd_tls_key_file=$pki/far.key
	# STARTTLS limited to TLS 1.0
	192.0.2.36:25 inet n - n - - smtpd -o smtpd_tls_security_level=may -o smtpd_tls_protocols=TLSv1 -o smtpd_tls_mandatory_protocols=TLSv1 -o $weak -o smtpd_tls_ciphers=medium
	# behind the middlebox (mitm-lab.sh): STARTTLS offered, one address per case; 587 with AUTH only in TLS
	192.0.2.41:587 inet n - n - - smtpd -o smtpd_tls_security_level=may -o smtpd_sasl_auth_enable=yes -o smtpd_tls_auth_only=yes
$(for a in 42 43 44 45 46 47 48 49 50; do printf '192.0.2.%s:25 inet n - n - - smtpd -o smtpd_tls_security_level=may\n' $a; done)
	EOF
	grep -v '^#' "$(dirname "${BASH_SOURCE[0]}")/postfix-services.cf" >>"$LAB_DIR/etc/master.cf"
}

# Cyrus SASL for smtpd: Debian's Postfix reads <config_directory>/sasl/smtpd.conf; the sasldb must
# be readable by the postfix user.
lab_postfix_sasl() {
	local e="$LAB_DIR/etc"
	mkdir -p "$e/sasl"
	cat >"$e/sasl/smtpd.conf" <<-EOF
	pwcheck_method: auxprop
	auxprop_plugin: sasldb
	mech_list: PLAIN LOGIN
	sasldb_path: $e/sasl/sasldb2
	EOF
	printf '%s' "$LAB_PASS" | saslpasswd2 -p -c -f "$e/sasl/sasldb2" -u "$LAB_REALM" "$LAB_USER"
	chown root:postfix "$e/sasl/sasldb2"
	chmod 640 "$e/sasl/sasldb2"
}

lab_postfix_up() {
	mkdir -p "$LAB_DIR/etc" "$LAB_DIR/spool" "$LAB_DIR/data"
	chown postfix "$LAB_DIR/data"
	lab_postfix_main
	lab_postfix_master
	lab_postfix_sasl
	# postfix writes its errors to stderr only when that is a terminal: give it one (script).
	lab_srv script -qec "postfix -c $LAB_DIR/etc check && postfix -c $LAB_DIR/etc start" /dev/null \
		</dev/null >"$LAB_DIR/postfix-start.log" 2>&1 \
		|| { cat "$LAB_DIR/postfix-start.log" >&2 || true; lab_die "postfix did not start (config in $LAB_DIR/etc)"; }
	LAB_POSTFIX_UP=1
	local a i
	for a in 192.0.2.25:25 192.0.2.25:2525 192.0.2.25:587 192.0.2.25:465 192.0.2.26:25 192.0.2.36:25 \
		192.0.2.41:587 192.0.2.42:25 192.0.2.50:25; do
		for i in $(seq 1 50); do
			lab_srv ss -ltn "( sport = :${a#*:} )" | grep -q "${a%:*}:${a#*:}" && break
			sleep 0.1
		done
		[ "$i" -lt 50 ] || lab_die "postfix is not listening on $a"
	done
}

# tcpdump on the server side of the veth; returns once it is capturing.
lab_capture_start() {
	local out=$1 i
	# ip netns exec execs tcpdump, so $! is tcpdump itself and SIGINT reaches it.
	ip netns exec "$LAB_NS_SRV" tcpdump -Z root --immediate-mode -i "$LAB_VETH_SRV" -w "$out" -U -s 0 -n "$LAB_CAPTURE_FILTER" \
		2>"$LAB_DIR/tcpdump.err" &
	LAB_TCPDUMP_PID=$!
	for i in $(seq 1 100); do
		grep -q 'listening on' "$LAB_DIR/tcpdump.err" 2>/dev/null && return 0
		kill -0 "$LAB_TCPDUMP_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$LAB_DIR/tcpdump.err" >&2
	lab_die "tcpdump did not start on $LAB_VETH_SRV"
}

lab_capture_stop() {
	sleep 0.5	# let the last FIN/RST/ACK through
	kill -INT "$LAB_TCPDUMP_PID"
	wait "$LAB_TCPDUMP_PID" || true
	LAB_TCPDUMP_PID=""
}

# Bring the whole lab up; the caller sets `trap lab_cleanup EXIT` first.
lab_up() {
	lab_require
	LAB_DIR=$(mktemp -d /tmp/mailtap-lab.XXXXXX)
	chmod 755 "$LAB_DIR"	# postfix (unprivileged) must reach spool, data and the sasldb
	lab_net_up
	lab_certs
	lab_postfix_up
}
