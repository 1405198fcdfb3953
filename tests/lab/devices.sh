#!/bin/bash
# devices.sh — the weekly report on a lab capture with dozens of devices: 30 client addresses
# (192.0.2.100-129) on the lab's client veth send mail to Postfix, some in clear (some with hostile
# HELO names: spreadsheet formulas, markup, control characters, 300 bytes), some over STARTTLS or
# implicit TLS. The report must list exactly the devices that sent mail in clear, in every format;
# CSV and HTML must escape every hostile string; JSON and tlsrpt must parse; the HTML must render in
# headless Chromium (screenshot kept in OUTDIR/render/screenshot.png).
# Usage: devices.sh MAILTAP OUTDIR   (root: network namespaces, Postfix)
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 MAILTAP OUTDIR" >&2; exit 2; }
mailtap=$1 out=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
[ -x "$mailtap" ] || lab_die "mailtap binary '$mailtap' not found: build the mailtap target"
command -v python3 >/dev/null || lab_die "python3 is missing (scripts/install-deps.sh --test)"

# The devices: address, how it sends, HELO name (printf %b escapes).
#   plain    python client, port 25 (no STARTTLS offered): cleartext
#   notused  swaks to 2525 without STARTTLS although offered: cleartext
#   starttls swaks -tls to 2525: TLS
#   implicit swaks -tlsc to 465: TLS
DEVICES="
100 plain    =cmd|' /C calc'!A0
101 plain    <script>alert(1)</script>
102 plain    \\x1b[31mred\\x07bell\\x01
103 plain    +SUM(1+1)*cmd|' /C calc'!A0
104 plain    @SUM(1)
105 plain    -2+3
106 plain    <img src=x onerror=alert(2)>
107 plain    \"quoted\",name;x
108 plain    BRN3C2AF4112233
109 plain    LONG
110 starttls laptop-50.example.test
111 starttls laptop-51.example.test
112 starttls laptop-52.example.test
113 starttls laptop-53.example.test
114 starttls laptop-54.example.test
115 starttls laptop-55.example.test
116 starttls laptop-56.example.test
117 starttls laptop-57.example.test
118 starttls laptop-58.example.test
119 starttls laptop-59.example.test
120 notused  scanner-60.example.test
121 notused  scanner-61.example.test
122 notused  =HYPERLINK(\"http://x\")
123 notused  scanner-63.example.test
124 notused  scanner-64.example.test
125 implicit phone-65.example.test
126 implicit phone-66.example.test
127 implicit phone-67.example.test
128 implicit phone-68.example.test
129 implicit phone-69.example.test
"

# A bare SMTP client for names swaks would not send: EHLO NAME (bytes from hex), MAIL, RCPT, DATA.
write_client() {
	cat >"$LAB_DIR/smtp-client.py" <<-'PY'
	import socket, sys
	src, name = sys.argv[1], bytes.fromhex(sys.argv[2])
	s = socket.create_connection(("192.0.2.25", 25), timeout=10, source_address=(src, 0))
	f = s.makefile("rb")
	def reply():
	    while True:
	        line = f.readline()
	        if not line or line[3:4] != b"-":
	            return line
	def cmd(c):
	    s.sendall(c + b"\r\n")
	    return reply()
	reply()
	cmd(b"EHLO " + name)
	for c in (b"MAIL FROM:<scan@example.test>", b"RCPT TO:<it@example.test>"):
	    r = cmd(c)
	    assert r.startswith(b"250"), (c, r)
	assert cmd(b"DATA").startswith(b"354")
	assert cmd(b"Subject: lab device\r\n\r\nscan attached\r\n.").startswith(b"250")
	cmd(b"QUIT")
	s.close()
	PY
}

helo_bytes() {
	if [ "$1" = LONG ]; then
		printf 'long-%0290d.example' 0
	else
		printf '%b' "$1"
	fi
}

send_all() {
	local host how name rc
	while read -r host how name; do
		[ -n "$host" ] || continue
		rc=0
		case $how in
		plain)
			lab_cli python3 "$LAB_DIR/smtp-client.py" "192.0.2.$host" \
				"$(helo_bytes "$name" | od -An -tx1 -v | tr -d ' \n')" \
				>"$LAB_DIR/logs/dev$host.log" 2>&1 || rc=$? ;;
		notused)
			lab_cli swaks --server 192.0.2.25 --port 2525 -li "192.0.2.$host" \
				--helo "$(printf '%b' "$name")" --from scan@example.test --to it@example.test \
				--timeout 10 >"$LAB_DIR/logs/dev$host.log" 2>&1 || rc=$? ;;
		starttls)
			lab_cli swaks --server 192.0.2.25 --port 2525 -li "192.0.2.$host" -tls \
				--helo "$name" --from u@example.test --to it@example.test \
				--timeout 10 >"$LAB_DIR/logs/dev$host.log" 2>&1 || rc=$? ;;
		implicit)
			lab_cli swaks --server 192.0.2.25 --port 465 -li "192.0.2.$host" -tlsc \
				--helo "$name" --from u@example.test --to it@example.test \
				--timeout 10 >"$LAB_DIR/logs/dev$host.log" 2>&1 || rc=$? ;;
		esac
		[ "$rc" = 0 ] || { cat "$LAB_DIR/logs/dev$host.log" >&2; lab_die "device 192.0.2.$host ($how): client exit status $rc"; }
	done <<<"$DEVICES"
}

expected_clear() {
	printf '%s\n' "$DEVICES" | awk '$2 == "plain" || $2 == "notused" { print "192.0.2." $1 }' | sort
}

# ---- capture ----
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/devices.* "$out"/report.*
trap lab_cleanup EXIT
trap 'exit 130' INT TERM
lab_up
mkdir -p "$LAB_DIR/logs"
for h in $(seq 100 129); do
	case " $(echo $LAB_CLIENT_ADDRS $LAB_SERVER_ADDRS) " in
	*" 192.0.2.$h "*) lab_die "192.0.2.$h is already a lab address: move the devices test's range" ;;
	esac
	lab_cli ip addr add "192.0.2.$h/24" dev "$LAB_VETH_CLI"
done
write_client
lab_capture_start "$LAB_DIR/devices.pcap"
send_all
lab_capture_stop
cp "$LAB_DIR/devices.pcap" "$out/devices.pcap"
lab_cleanup
trap - EXIT

# ---- mailtap and the report in every format ----
"$mailtap" -q -r "$out/devices.pcap" -d "$out/devices.db" || lab_die "mailtap failed on $out/devices.pcap"
for f in text csv json html tlsrpt; do
	"$mailtap" report --db "$out/devices.db" --since 1d --format "$f" -o "$out/report.$f" \
		|| lab_die "mailtap report --format $f failed"
done
expected_clear >"$out/expected.txt"

python3 - "$out" <<'PY' || exit 1
import csv, json, re, sys
out = sys.argv[1]
expected = open(out + "/expected.txt").read().split()
fail = []
def check(ok, what):
    if not ok:
        fail.append(what)
def raw(fmt):
    return open("%s/report.%s" % (out, fmt), "rb").read()

# No format carries a raw control byte (beyond line ends) or a raw hostile byte from the wire.
for fmt in ("text", "csv", "json", "html", "tlsrpt"):
    b = raw(fmt)
    check(not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\xff]", b), fmt + ": raw control byte")

# text: exactly the cleartext devices, each once
text = raw("text").decode()
rows = sorted(l.split()[0] for l in text.splitlines() if re.match(r"192\.0\.2\.\d+ ", l))
check(rows == expected, "text lists %s, expected %s" % (rows, expected))
check("\\x1b[31mred\\x07bell\\x01" in text, "text: control characters not shown escaped")

# CSV: parses; the same devices; no cell a spreadsheet would run as a formula
cells = list(csv.reader(open(out + "/report.csv", newline="")))
head, body = cells[0], cells[1:]
check(sorted(r[0] for r in body) == expected, "csv lists %s" % sorted(r[0] for r in body))
for r in body:
    for c in r:
        check(not c or c[0] not in "=+-@\t\r", "csv: formula cell %r" % c)
names = {r[0]: r[1] for r in body}
check(names.get("192.0.2.100") == "'=cmd|' /C calc'!A0", "csv: %r" % names.get("192.0.2.100"))
check(names.get("192.0.2.103") == "'+SUM(1+1)*cmd|' /C calc'!A0", "csv: %r" % names.get("192.0.2.103"))
check(names.get("192.0.2.104") == "'@SUM(1)" and names.get("192.0.2.105") == "'-2+3", "csv: @/- cells")
check(names.get("192.0.2.107") == '"quoted",name;x', "csv: quotes %r" % names.get("192.0.2.107"))
check(names.get("192.0.2.122") == "'=HYPERLINK(\"http://x\")", "csv: %r" % names.get("192.0.2.122"))
check(len(names.get("192.0.2.109", "")) >= 200, "csv: long name missing")

# JSON and tlsrpt: parse; the same devices; the names round-trip as stored
j = json.load(open(out + "/report.json"))
check(j["schema_version"] == 1, "json: schema_version")
jd = {d["address"]: d for d in j["devices"]}
check(sorted(jd) == expected, "json lists %s" % sorted(jd))
check(jd["192.0.2.101"]["name"] == "<script>alert(1)</script>", "json: name %r" % jd["192.0.2.101"]["name"])
check(all(d["mac_is_router"] for d in j["devices"]), "json: the lab's one client MAC is not marked a router's")
check(jd["192.0.2.108"]["kind"] == "printer", "json: BRN... HELO not a printer: %r" % jd["192.0.2.108"]["kind_reason"])
t = json.load(open(out + "/report.tlsrpt"))
check("RFC 8460 compatible" in t["note"], "tlsrpt: not labelled compatible")
pol = t["policies"]
check(len(pol) == 1 and pol[0]["summary"]["total-successful-session-count"] == 15,
      "tlsrpt: summary %r" % [p["summary"] for p in pol])
senders = sorted({f["sending-mta-ip"] for p in pol for f in p["failure-details"]})
check(senders == expected, "tlsrpt: failing senders %s" % senders)

# HTML: escaped markup, no live element from the wire
h = raw("html").decode()
check("<script" not in h and "<img" not in h, "html: raw markup from the wire")
check("&lt;script&gt;alert(1)&lt;/script&gt;" in h and "&lt;img src=x onerror=alert(2)&gt;" in h,
      "html: hostile names not escaped")
for f in fail:
    print("FAIL:", f, file=sys.stderr)
print("ok: %d cleartext devices of 30 in every format" % len(expected) if not fail else "", end="")
sys.exit(1 if fail else 0)
PY
echo
python3 -m json.tool "$out/report.json" >/dev/null || lab_die "report.json does not parse"
python3 -m json.tool "$out/report.tlsrpt" >/dev/null || lab_die "report.tlsrpt does not parse"
"$here/../report/render-html.sh" "$out/report.html" "$out/render" 15 \
	'<script>alert(1)</script>' '<img src=x onerror=alert(2)>' "=cmd|' /C calc'!A0" \
	'\x1b[31mred\x07bell\x01' 'Cleartext sessions per day' 'Cleartext sessions per device'
