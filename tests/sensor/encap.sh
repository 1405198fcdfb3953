#!/bin/bash
# encap.sh — tests/data/sample.pcap wrapped in each tunnel encapsulation gives the plain capture's rows.
# Usage: encap.sh MAILTAP
# encap-pcap.py (scapy) writes one capture per encapsulation (VXLAN, GENEVE, GRE, ERSPAN I/II/III,
# MPLS, PPPoE, IPIP, ...). mailtap reads the plain sample and each wrapped capture into a database of
# its own; the sessions, findings and devices tables (every column, rows in id order) must be
# identical to the plain capture's. No documented difference is expected: the inner frame's MACs
# become the packet's when the tunnel carries Ethernet, the outer frame is given the original MACs
# when it carries only IP, no outer VLAN is used and the timestamps are the original ones.
# The negative case (UDP to 4789 with the VXLAN I flag clear) must give no session at all.
# Every encapsulation is checked and named; the test fails if any of them differs.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 MAILTAP" >&2; exit 2; }
mailtap=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sample="$here/../data/sample.pcap"
[ -x "$mailtap" ] || { echo "encap.sh: mailtap binary '$mailtap' not found: build the mailtap target" >&2; exit 1; }

# A Python that has scapy (Debian's python3-scapy is for /usr/bin/python3).
py=""
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import scapy.contrib.erspan' 2>/dev/null; then py=$p; break; fi
done
[ -n "$py" ] || { echo "encap.sh: scapy is missing: apt-get install python3-scapy (scripts/install-deps.sh --test)" >&2; exit 1; }

work=$(mktemp -d /tmp/mailtap-encap.XXXXXX)
keep=0
cleanup() { if [ "$keep" = 0 ]; then rm -rf "$work"; else echo "encap.sh: files kept in $work" >&2; fi; }
trap cleanup EXIT

"$py" "$here/encap-pcap.py" "$sample" "$work" >"$work/gen.log" 2>&1 \
	|| { cat "$work/gen.log" >&2; keep=1; echo "encap.sh: encap-pcap.py failed" >&2; exit 1; }

# run NAME CAPTURE: mailtap into $work/NAME.db; 0 when it exited 0 with nothing on stderr.
run() {
	local rc=0
	"$mailtap" -q -r "$2" -d "$work/$1.db" >"$work/$1.out" 2>"$work/$1.err" || rc=$?
	if [ "$rc" != 0 ] || [ -s "$work/$1.err" ]; then
		echo "encap $1: FAIL: mailtap exited $rc; stderr:"
		sed -n '1,20p' "$work/$1.err"
		return 1
	fi
}

# compare NAME: the first differing row (table, row number, differing columns) or a summary line.
compare() {
	"$py" - "$work/plain.db" "$work/$1.db" "$1" <<-'EOF'
	import sqlite3, sys
	plain, wrapped, name = sys.argv[1:4]
	def show(cols, r):
	    if r is None:
	        return "(no row)"
	    return ", ".join(f"{c}={v!r}" for c, v in zip(cols, r) if v is not None)
	def rows(db, table):
	    con = sqlite3.connect(db)
	    cur = con.execute(f"SELECT * FROM {table} ORDER BY id")
	    cols = [d[0] for d in cur.description]
	    return cols, cur.fetchall()
	counts = []
	for table in ("sessions", "findings", "devices"):
	    cols, a = rows(plain, table)
	    _, b = rows(wrapped, table)
	    for i in range(max(len(a), len(b))):
	        ra = a[i] if i < len(a) else None
	        rb = b[i] if i < len(b) else None
	        if ra == rb:
	            continue
	        print(f"encap {name}: FAIL: {table} row {i + 1} differs from the plain capture's")
	        if ra is None or rb is None:
	            print(f"  plain:   {show(cols, ra)}\n  wrapped: {show(cols, rb)}")
	        else:
	            for c, x, y in zip(cols, ra, rb):
	                if x != y:
	                    print(f"  {c}: plain {x!r}, wrapped {y!r}")
	        print(f"  ({table}: {len(a)} rows plain, {len(b)} wrapped)")
	        sys.exit(1)
	    counts.append(f"{len(a)} {table}")
	print(f"encap {name}: ok, identical to the plain capture ({', '.join(counts)})")
	EOF
}

run plain "$sample" || { keep=1; exit 1; }
n=$(sqlite3 -batch -noheader "$work/plain.db" 'SELECT count(*) FROM sessions')
[ "$n" -ge 6 ] || { echo "encap.sh: the plain sample gave $n sessions, expected 6" >&2; keep=1; exit 1; }

failed=()
for name in $("$py" "$here/encap-pcap.py" --list); do
	if run "$name" "$work/$name.pcap" && compare "$name"; then :; else failed+=("$name"); fi
done

# Negative: VXLAN's I flag clear (RFC 7348 section 5) is not VXLAN; its bytes must not be decoded as
# a frame (no session, finding or device), and mailtap must not fail.
neg=neg_vxlan_no_i
if run "$neg" "$work/$neg.pcap"; then
	got=$(sqlite3 -batch -noheader "$work/$neg.db" \
		'SELECT (SELECT count(*) FROM sessions) || " sessions, " || (SELECT count(*) FROM findings)
		 || " findings, " || (SELECT count(*) FROM devices) || " devices"')
	if [ "$got" = "0 sessions, 0 findings, 0 devices" ]; then
		echo "encap $neg: ok, UDP to 4789 without the I flag decoded nothing ($got)"
	else
		echo "encap $neg: FAIL: UDP to 4789 without the I flag was decoded: $got"
		failed+=("$neg")
	fi
else
	failed+=("$neg")
fi

if [ ${#failed[@]} -gt 0 ]; then
	keep=1
	echo "encap.sh: ${#failed[@]} encapsulation(s) failed: ${failed[*]}" >&2
	exit 1
fi
echo "encap.sh: every encapsulation gives the plain capture's sessions, findings and devices"
