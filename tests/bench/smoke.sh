#!/bin/sh
# smoke.sh — bench_gen_smoke: generate 2 MB twice, check it reads back, is deterministic and has a sane truth file.
# Usage: smoke.sh GEN FLOOR WORKDIR
set -eu
gen=$1 floor=$2 dir=$3
rm -rf "$dir" && mkdir -p "$dir"
"$gen" --size-mb 2 --seed 7 -o "$dir/a.pcap" -t "$dir/a.tsv" 2>"$dir/gen.log"
"$gen" --size-mb 2 --seed 7 -o "$dir/b.pcap" -t "$dir/b.tsv" 2>>"$dir/gen.log"
cmp "$dir/a.pcap" "$dir/b.pcap" || { echo "FAIL: same seed, different capture"; exit 1; }
cmp "$dir/a.tsv" "$dir/b.tsv" || { echo "FAIL: same seed, different truth"; exit 1; }
"$gen" --size-mb 2 --seed 8 -o "$dir/c.pcap" -t "$dir/c.tsv" 2>>"$dir/gen.log"
if cmp -s "$dir/a.pcap" "$dir/c.pcap"; then echo "FAIL: the seed changes nothing"; exit 1; fi
out=$("$floor" "$dir/a.pcap")
pkts=$(echo "$out" | awk '{print $2}')
bytes=$(stat -c %s "$dir/a.pcap")
[ "$bytes" -gt 1500000 ] && [ "$bytes" -lt 4000000 ] || { echo "FAIL: size $bytes for --size-mb 2"; exit 1; }
[ "$pkts" -gt 1000 ] || { echo "FAIL: floor read only $pkts packets: $out"; exit 1; }
# Every record consumed: file size = 24 + sum(16 + caplen), checked by tcpdump reading without error.
if command -v tcpdump >/dev/null; then
	n=$(tcpdump -nr "$dir/a.pcap" 2>"$dir/tcpdump.err" | wc -l)
	[ "$n" -eq "$pkts" ] || { echo "FAIL: tcpdump read $n packets, floor $pkts"; cat "$dir/tcpdump.err"; exit 1; }
	! grep -qi -e truncated -e bad "$dir/tcpdump.err" || { cat "$dir/tcpdump.err"; exit 1; }
	# checksums: tcpdump -vv flags wrong TCP/UDP/IP sums as "incorrect"
	bad=$(tcpdump -vvnr "$dir/a.pcap" 2>/dev/null | grep -c incorrect || true)
	[ "$bad" -eq 0 ] || { echo "FAIL: $bad packets with incorrect checksums"; exit 1; }
fi
lines=$(wc -l < "$dir/a.tsv")
[ "$lines" -gt 0 ] || { echo "FAIL: empty truth file"; exit 1; }
badl=$(awk -F'\t' 'NF != 6 || $2 !~ /^[0-9]+$/ || $4 !~ /^(25|465|587|2525|8025)$/ ||
	$5 !~ /^(plain|starttls|implicit_tls|tls_failed)$/' "$dir/a.tsv" | wc -l)
[ "$badl" -eq 0 ] || { echo "FAIL: $badl malformed truth lines"; exit 1; }
dups=$(cut -f1-4 "$dir/a.tsv" | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] || { echo "FAIL: $dups duplicate 4-tuples in the truth"; exit 1; }
echo "ok: $pkts packets, $bytes bytes, $lines SMTP sessions"
