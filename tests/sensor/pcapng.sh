#!/bin/sh
# pcapng.sh — the same packets as pcap and as pcapng give the same sessions and findings; several
# files are read in order, and standard input ("-") works too.
# Usage: pcapng.sh MAILTAP PCAPGEN WORKDIR
set -eu
mailtap=$1 pcapgen=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
dump="$here/../tools/dump.sql"
mkdir -p "$work"
rm -f "$work"/*.db*
"$pcapgen" -o "$work/a.pcap" "$here/../pcap/starttls_offered_unused/input.txt"
"$pcapgen" -o "$work/b.pcap" "$here/../pcap/downgrade_after_refusal/input.txt"
python3 "$here/../tools/pcap2pcapng.py" "$work/a.pcap" "$work/a.pcapng"
python3 "$here/../tools/pcap2pcapng.py" "$work/b.pcap" "$work/b.pcapng"
"$mailtap" -q -r "$work/a.pcap" -r "$work/b.pcap" -d "$work/pcap.db"
"$mailtap" -q -r "$work/a.pcapng" -r - -d "$work/pcapng.db" <"$work/b.pcapng"
sqlite3 -batch -noheader "$work/pcap.db" <"$dump" | sort >"$work/pcap.txt"
sqlite3 -batch -noheader "$work/pcapng.db" <"$dump" | sort >"$work/pcapng.txt"
[ -s "$work/pcap.txt" ] || { echo "pcapng.sh: nothing decoded from the pcap files" >&2; exit 1; }
if ! diff -u "$work/pcap.txt" "$work/pcapng.txt"; then
	echo "pcapng.sh: pcapng input differs from the same packets as pcap" >&2
	exit 1
fi
grep -q tls_downgrade "$work/pcapng.txt" || { echo "pcapng.sh: the second file was not read" >&2; exit 1; }
echo "pcapng.sh: pcap and pcapng (file and standard input) agree"
