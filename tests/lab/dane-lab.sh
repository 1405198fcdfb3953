#!/bin/bash
# dane-lab.sh — mail security policy from DNS on real software: Knot DNS signs example.test, Unbound
# validates it (AD bit), a sending Postfix (smtp_dns_support_level = dnssec, smtp_tls_security_level =
# dane or may per domain) delivers to a receiving Postfix whose certificate matches / does not match
# the TLSA record, to domains with MTA-STS or no policy, and through mitm.py stripping STARTTLS. The
# capture of the link between them is read by mailtap and compared with expected-dane/dane.txt.
#
# Usage: dane-lab.sh MAILTAP WORKDIR EXPECTED      (as root; LAB_KEEP=1 keeps the temp dir)
set -euo pipefail

MAILTAP=$1 WORK=$2 EXPECTED=$3
HERE=$(cd "$(dirname "$0")" && pwd)
ID=$$
NS_C="mt-dc-$ID" NS_S="mt-ds-$ID" VC="mdc$ID" VS="mds$ID"
D="" TCPDUMP_PID="" PIDS=""
C_ADDR=198.51.100.10 DNS_ADDR=198.51.100.53

log() { printf 'dane-lab: %s\n' "$*" >&2; }
die() { printf 'dane-lab: FATAL: %s\n' "$*" >&2; exit 1; }
in_c() { ip netns exec "$NS_C" "$@"; }
in_s() { ip netns exec "$NS_S" "$@"; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, postfix)"
for t in knotd kdig unbound postfix swaks tcpdump nft python3 openssl sqlite3 ethtool; do
	command -v "$t" >/dev/null 2>&1 || die "missing tool '$t' (scripts/install-deps.sh --test)"
done

cleanup() {
	set +e
	[ -n "$TCPDUMP_PID" ] && kill -INT "$TCPDUMP_PID" 2>/dev/null && wait "$TCPDUMP_PID" 2>/dev/null
	for inst in snd rcv; do
		[ -n "$D" ] && [ -f "$D/$inst/etc/main.cf" ] &&
			ip netns exec "$([ $inst = snd ] && echo "$NS_C" || echo "$NS_S")" \
				postfix -c "$D/$inst/etc" stop >/dev/null 2>&1
	done
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for ns in "$NS_C" "$NS_S"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "/etc/netns/$NS_C"
	if [ -n "$D" ] && [ "${LAB_KEEP:-0}" != 1 ]; then rm -rf "$D"; else log "kept $D"; fi
}
trap cleanup EXIT INT TERM

wait_for() {	# wait_for WHAT CMD...: up to 10 s
	local what=$1 i
	shift
	for i in $(seq 1 100); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "$what did not come up"
}

D=$(mktemp -d /tmp/mailtap-dane.XXXXXX)
chmod 755 "$D"
mkdir -p "$WORK"

# ---- network: client (sending MTA) and server (DNS, receiving MTA, man in the middle) ----------
ip netns add "$NS_C"
ip netns add "$NS_S"
ip link add "$VC" netns "$NS_C" type veth peer name "$VS" netns "$NS_S"
for ns in "$NS_C" "$NS_S"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$ns" ip link set lo up
done
in_c ip addr add "$C_ADDR/24" dev "$VC"
for a in 25 26 27 28 29 30 53; do in_s ip addr add "198.51.100.$a/24" dev "$VS"; done
for x in "$NS_C:$VC" "$NS_S:$VS"; do
	ip netns exec "${x%%:*}" ethtool -K "${x#*:}" rx off tx off sg off tso off gso off gro off >/dev/null 2>&1 || true
	ip netns exec "${x%%:*}" ip link set "${x#*:}" up
done
# ip netns exec binds /etc/netns/<ns>/resolv.conf over /etc/resolv.conf; trust-ad keeps the AD bit
# (glibc 2.31+ clears it otherwise).
mkdir -p "/etc/netns/$NS_C"
printf 'nameserver %s\noptions edns0 trust-ad\n' "$DNS_ADDR" >"/etc/netns/$NS_C/resolv.conf"

# ---- certificates: a lab CA, the server's leaf, and a key the "bad" TLSA record names ------------
P="$D/pki"
mkdir -p "$P"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$P/ca.key" -out "$P/ca.crt" -days 3650 \
	-subj "/CN=mailtap dane lab CA" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$P/mx.key" -out "$P/mx.csr" -subj "/CN=mx.example.test" \
	-addext "subjectAltName=DNS:*.example.test" 2>/dev/null
openssl x509 -req -in "$P/mx.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial -days 3650 \
	-copy_extensions copy -out "$P/mx.crt" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$P/other.key" 2>/dev/null
spki_sha256() { openssl pkey -in "$1" -pubout -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1; }
GOOD=$(spki_sha256 "$P/mx.key")
OTHER=$(spki_sha256 "$P/other.key")
chmod 644 "$P"/*

# ---- Knot DNS: the signed zone example.test on 127.0.0.1@5300 ------------------------------------
K="$D/knot"
mkdir -p "$K"
cat >"$K/example.test.zone" <<EOF
\$ORIGIN example.test.
\$TTL 3600
@            SOA ns hostmaster 1 3600 600 86400 300
@            NS  ns
ns           A   $DNS_ADDR
good         MX  10 mx-good
mx-good      A   198.51.100.25
_25._tcp.mx-good TLSA 3 1 1 $GOOD
bad          MX  10 mx-bad
mx-bad       A   198.51.100.26
_25._tcp.mx-bad  TLSA 3 1 1 $OTHER
sts          MX  10 mx-sts
mx-sts       A   198.51.100.27
_mta-sts.sts TXT "v=STSv1; id=20261201T000000;"
_smtp._tls.sts TXT "v=TLSRPTv1; rua=mailto:tlsrpt@sts.example.test"
none         MX  10 mx-none
mx-none      A   198.51.100.28
strip        MX  10 mx-strip
mx-strip     A   198.51.100.29
_25._tcp.mx-strip TLSA 3 1 1 $GOOD
_mta-sts.strip TXT "v=STSv1; id=20261201T000001;"
stripdane    MX  10 mx-strip2
mx-strip2    A   198.51.100.30
_25._tcp.mx-strip2 TLSA 3 1 1 $GOOD
EOF
cat >"$K/knot.conf" <<EOF
server:
    listen: 127.0.0.1@5300
    rundir: $K
    user: root:root
database:
    storage: $K
log:
  - target: $K/knot.log
    any: info
policy:
  - id: lab
    algorithm: ecdsap256sha256
    nsec3: off
zone:
  - domain: example.test
    storage: $K
    file: example.test.zone
    dnssec-signing: on
    dnssec-policy: lab
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
EOF
# Started with ip netns exec itself (not a shell function), so that $! is the daemon: signals reach it.
ip netns exec "$NS_S" knotd -c "$K/knot.conf" >"$K/stdout" 2>&1 &
PIDS="$PIDS $!"
signed() { grep -q RRSIG <<<"$(in_s kdig @127.0.0.1 -p 5300 +dnssec +norec example.test SOA)"; }
wait_for "knotd (signed example.test)" signed
ANCHOR=$(in_s kdig @127.0.0.1 -p 5300 +short example.test DNSKEY | awk '$1 == 257')
[ -n "$ANCHOR" ] || die "no KSK in the signed zone"

# ---- Unbound: validating resolver on $DNS_ADDR:53, example.test stubbed to Knot ----------------
U="$D/unbound"
mkdir -p "$U"
echo "example.test. 3600 IN DNSKEY $ANCHOR" >"$U/anchor"
cat >"$U/unbound.conf" <<EOF
server:
    interface: $DNS_ADDR
    port: 53
    access-control: 198.51.100.0/24 allow
    do-ip6: no
    do-not-query-localhost: no
    username: ""
    chroot: ""
    directory: "$U"
    pidfile: "$U/unbound.pid"
    use-syslog: no
    logfile: "$U/unbound.log"
    module-config: "validator iterator"
    trust-anchor-file: "$U/anchor"
    qname-minimisation: no
    val-log-level: 2
    local-zone: "test." nodefault
stub-zone:
    name: "example.test"
    stub-addr: 127.0.0.1@5300
EOF
ip netns exec "$NS_S" unbound -d -c "$U/unbound.conf" >"$U/stdout" 2>&1 &
PIDS="$PIDS $!"
validated() {
	in_c kdig @"$DNS_ADDR" +dnssec good.example.test MX >"$U/check.txt" 2>&1 &&
		grep -qi 'flags:.* ad;' "$U/check.txt"
}
wait_for "unbound (validated answers)" validated

# ---- Postfix: a receiver in the server namespace, a sender in the client namespace --------------
postfix_common() {	# postfix_common INSTANCE: the parts both share
	local i="$D/$1"
	mkdir -p "$i/etc" "$i/spool" "$i/data"
	chown postfix "$i/data"
	cat >"$i/etc/main.cf" <<EOF
compatibility_level = 3.6
meta_directory = /etc/postfix
queue_directory = $i/spool
data_directory = $i/data
maillog_file = $i/postfix.log
maillog_file_prefixes = $i
inet_protocols = ipv4
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtpd_peername_lookup = no
smtp_tls_loglevel = 1
smtpd_tls_loglevel = 1
EOF
	grep -v '^#' "$HERE/postfix-services.cf" >"$i/etc/master.cf"
}

postfix_common rcv
cat >>"$D/rcv/etc/main.cf" <<EOF
myhostname = mx.example.test
mydestination = good.example.test, bad.example.test, sts.example.test, none.example.test, strip.example.test, stripdane.example.test
mynetworks = 127.0.0.0/8
inet_interfaces = all
local_transport = discard
default_transport = discard
disable_dns_lookups = yes
smtp_dns_support_level = disabled
smtpd_tls_cert_file = $P/mx.crt
smtpd_tls_key_file = $P/mx.key
smtpd_tls_security_level = none
EOF
for a in 25:may 26:may 27:none 28:none 29:may 30:may; do
	printf '198.51.100.%s:25 inet n - n - - smtpd -o smtpd_tls_security_level=%s -o myhostname=mx-%s.example.test\n' \
		"${a%%:*}" "${a#*:}" "$(case ${a%%:*} in 25) echo good;; 26) echo bad;; 27) echo sts;; 28) echo none;; 29) echo strip;; 30) echo strip2;; esac)"
done >>"$D/rcv/etc/master.cf"

postfix_common snd
cat >>"$D/snd/etc/main.cf" <<EOF
myhostname = relay.example.org
mydestination =
mynetworks = 127.0.0.0/8
inet_interfaces = 127.0.0.1
smtp_bind_address = $C_ADDR
smtp_dns_support_level = dnssec
smtp_host_lookup = dns
smtp_tls_security_level = may
smtp_tls_policy_maps = texthash:$D/snd/etc/tls_policy
smtp_tls_protocols = !SSLv2, !SSLv3, !TLSv1.3
smtp_tls_mandatory_protocols = !SSLv2, !SSLv3, !TLSv1.3
smtp_tls_CAfile = $P/ca.crt
smtp_address_preference = ipv4
maximal_queue_lifetime = 1h
EOF
printf '127.0.0.1:25 inet n - n - - smtpd\n' >>"$D/snd/etc/master.cf"
cat >"$D/snd/etc/tls_policy" <<EOF
good.example.test dane
bad.example.test dane
stripdane.example.test dane
EOF

start_postfix() {	# start_postfix NS INSTANCE
	ip netns exec "$1" script -qec "postfix -c $D/$2/etc check && postfix -c $D/$2/etc start" /dev/null \
		</dev/null >"$D/$2/start.log" 2>&1 || { cat "$D/$2/start.log" >&2; die "postfix $2 did not start"; }
}
start_postfix "$NS_S" rcv
start_postfix "$NS_C" snd
listening() { ip netns exec "$1" ss -ltn | grep -q "$2:25 "; }
for a in 25 26 27 28 29 30; do wait_for "receiver on .$a" listening "$NS_S" "198.51.100.$a"; done
wait_for "sender on 127.0.0.1" listening "$NS_C" 127.0.0.1

# ---- the man in the middle: .29 and .30 redirected to mitm.py, which strips STARTTLS ------------
echo "* strip" >"$D/modes"
in_s nft -f - <<EOF
table ip mtdane {
	chain pre {
		type nat hook prerouting priority -100;
		iifname "$VS" ip daddr { 198.51.100.29, 198.51.100.30 } tcp dport 25 redirect to :10025
	}
}
EOF
ip netns exec "$NS_S" python3 "$HERE/mitm.py" --listen 0.0.0.0:10025 --src 198.51.100.29 --port-offset -20000 \
	--modes "$D/modes" --log "$D/mitm.log" >"$D/mitm.out" 2>&1 &
PIDS="$PIDS $!"
wait_for "mitm.py" grep -q listening "$D/mitm.out"

# ---- capture the link, then mail ---------------------------------------------------------------
ip netns exec "$NS_C" tcpdump -i "$VC" -U -n -s 0 -w "$D/raw.pcap" 2>"$D/tcpdump.log" &
TCPDUMP_PID=$!
wait_for tcpdump grep -q "listening on" "$D/tcpdump.log"

# An MTA-STS resolver and a DANE lookup of the stripped hosts, as a policy-aware sender would make
# (Postfix itself queries TLSA only for its dane destinations and knows nothing of MTA-STS).
for q in "_mta-sts.sts.example.test TXT" "_smtp._tls.sts.example.test TXT" \
	"_mta-sts.strip.example.test TXT" "_25._tcp.mx-strip.example.test TLSA"; do
	in_c kdig @"$DNS_ADDR" +dnssec $q >/dev/null
done

for dom in good bad sts none strip stripdane; do
	in_c swaks -s 127.0.0.1 -p 25 -f sender@example.org -t "user@$dom.example.test" \
		--header "Subject: dane lab $dom" --body "lab message" >"$D/swaks-$dom.log" 2>&1 ||
		die "the sender refused mail for $dom (see $D/swaks-$dom.log)"
done
# Each recipient ends sent (delivered) or deferred (the sender's policy refused the server).
done_for() { grep -Eq "to=<user@$1.example.test>.*status=(sent|deferred)" "$D/snd/postfix.log"; }
for dom in good bad sts none strip stripdane; do wait_for "delivery attempt to $dom" done_for "$dom"; done
expect_status() {
	grep -Eq "to=<user@$1.example.test>.*status=$2" "$D/snd/postfix.log" ||
		die "Postfix: $1 not $2 (see $D/snd/postfix.log)"
}
expect_status good sent
expect_status bad deferred
expect_status sts sent
expect_status none sent
expect_status strip sent
expect_status stripdane deferred
grep -q "Verified TLS connection established to mx-good.example.test" "$D/snd/postfix.log" ||
	die "Postfix did not verify mx-good by DANE (see $D/snd/postfix.log)"
sleep 1	# the last FIN/ACKs on the wire
kill -INT "$TCPDUMP_PID"
wait "$TCPDUMP_PID" 2>/dev/null || true
TCPDUMP_PID=""
cp "$D/raw.pcap" "$WORK/dane.pcap"

# ---- mailtap on the capture --------------------------------------------------------------------
rm -f "$WORK/dane.db"*
"$MAILTAP" -q -r "$WORK/dane.pcap" -d "$WORK/dane.db" || die "mailtap failed"
sqlite3 -batch -noheader "$WORK/dane.db" "
SELECT printf('session %s transport=%s domain=%s policy=%s rcpt=%s findings=%s', s.server_ip,
              s.transport, coalesce(s.policy_domain, '-'), coalesce(s.policy, '-'),
              coalesce(s.rcpt_domain, '-'),
              coalesce((SELECT group_concat(kind, ',') FROM
                        (SELECT kind FROM findings f WHERE f.session_id = s.id ORDER BY kind)), '-'))
  FROM sessions s WHERE s.server_port = 25;
SELECT printf('mail_host %s %s tlsa_ad=%s', domain, host, coalesce(tlsa_ad, '-')) FROM mail_hosts;
SELECT printf('dns_policy %s sts=%s rua=%s', domain, coalesce(mta_sts_id, '-'), coalesce(tlsrpt_rua, '-'))
  FROM dns_policy WHERE mta_sts_id IS NOT NULL OR tlsrpt_rua IS NOT NULL;" |
	LC_ALL=C sort >"$WORK/actual.txt"
"$MAILTAP" report --db "$WORK/dane.db" --format tlsrpt --since 2000-01-01 -o "$WORK/tlsrpt.json" ||
	die "mailtap report failed"
python3 - "$WORK/tlsrpt.json" <<'EOF' || die "tlsrpt report is not what the lab made"
import json, sys
d = json.load(open(sys.argv[1]))
p = {x["policy"]["policy-domain"]: x["policy"] for x in d["policies"]}
assert p["good.example.test"]["policy-type"] == "tlsa", p
assert len(p["good.example.test"]["policy-string"]) == 1, p
assert p["bad.example.test"]["policy-type"] == "tlsa", p
assert p["sts.example.test"]["policy-type"] == "sts", p
assert p["none.example.test"]["policy-type"] == "no-policy-found", p
EOF
if ! diff -u "$EXPECTED" "$WORK/actual.txt"; then
	die "mailtap's view of the lab differs from $EXPECTED (- expected, + actual)"
fi
log "ok"
