#!/bin/sh
# pcapfile.sh — mailtap reads classic pcap files in place (memory-mapped, libpcap taking over at any
# record out of the ordinary); the same bytes through a pipe go through libpcap alone. Both must give
# the same database, exit status and messages: byte orders, nanosecond stamps, a small snaplen,
# version 2.3, files cut inside a record or its header, a bogus record length, a BPF filter, and a
# capture larger than the map window (records straddling windows), time stamps past 2038.
# Usage: pcapfile.sh MAILTAP PCAPGEN BENCH_GEN WORKDIR
set -eu
mailtap=$1 pcapgen=$2 gen=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
dump="$here/../tools/dump.sql"
rm -rf "$work" && mkdir -p "$work"
"$pcapgen" -o "$work/base.pcap" "$here/../pcap/starttls_offered_unused/input.txt"
python3 "$here/../tools/pcapvariants.py" "$work/base.pcap" "$work"
"$gen" --size-mb 24 --seed 3 -o "$work/large.pcap" -t "$work/large.truth" >/dev/null
fail=0

# read NAME FILTER...: file (in place) and pipe (libpcap); compare status, stderr and database.
read_both() {
	name=$1; shift
	set +e
	"$mailtap" -q -r "$work/$name" -d "$work/$name.map.db" "$@" 2>"$work/$name.map.err"
	echo $? >"$work/$name.map.rc"
	cat "$work/$name" | "$mailtap" -q -r - -d "$work/$name.pipe.db" "$@" 2>"$work/$name.pipe.err"
	echo $? >"$work/$name.pipe.rc"
	set -e
	sed "s|'$work/$name'|'-'|g" "$work/$name.map.err" >"$work/$name.map.err2"
	for m in map pipe; do
		{ sqlite3 -batch -noheader "$work/$name.$m.db" <"$dump"
		  sqlite3 -batch -noheader "$work/$name.$m.db" "SELECT 'times', client_ip, client_port,
			start_ts, end_ts FROM sessions; SELECT 'times', ts, kind FROM findings"
		} | sort >"$work/$name.$m.txt"
	done
	if ! cmp -s "$work/$name.map.rc" "$work/$name.pipe.rc"; then
		echo "pcapfile.sh: $name: exit $(cat "$work/$name.map.rc") in place, $(cat "$work/$name.pipe.rc") through libpcap" >&2
		fail=1
	fi
	if ! diff -u "$work/$name.pipe.err" "$work/$name.map.err2"; then
		echo "pcapfile.sh: $name: messages differ" >&2
		fail=1
	fi
	if ! diff -u "$work/$name.pipe.txt" "$work/$name.map.txt" >"$work/$name.diff"; then
		head -20 "$work/$name.diff"
		echo "pcapfile.sh: $name: databases differ" >&2
		fail=1
	fi
}

for f in base.pcap be.pcap ns.pcap be-ns.pcap snap.pcap v23.pcap future.pcap future-ns.pcap cut-body.pcap \
	cut-hdr.pcap bogus.pcap large.pcap; do
	read_both "$f"
done
read_both large.pcap 'tcp port 25 or vlan'

# The comparisons must be able to fail: they compare something.
[ -s "$work/base.pcap.map.txt" ] || { echo "pcapfile.sh: nothing decoded from base.pcap" >&2; exit 1; }
[ "$(wc -l <"$work/large.pcap.map.txt")" -gt 30 ] || { echo "pcapfile.sh: too little decoded from large.pcap" >&2; exit 1; }
grep -q "damaged capture file" "$work/bogus.pcap.map.err" ||
	{ echo "pcapfile.sh: the bogus record length was not reported" >&2; exit 1; }
grep -q "damaged capture file" "$work/cut-body.pcap.map.err" ||
	{ echo "pcapfile.sh: the cut record was not reported" >&2; exit 1; }
# Seconds are unsigned (draft-ietf-opsawg-pcap §5): 2^31 s after 2026-11-28 is in December 2094.
grep -q '^times|192.0.2.10|40001|2094-12-16T' "$work/future.pcap.map.txt" ||
	{ echo "pcapfile.sh: a time stamp past 2038 was not read as unsigned" >&2; exit 1; }
[ $fail -eq 0 ] || exit 1
echo "pcapfile.sh: in-place and libpcap reading agree on $(ls "$work"/*.pcap | wc -l) files"
