#!/bin/bash
# check-case.sh — run mailtap on one capture and compare its sessions and findings with expected text.
# Usage: check-case.sh MAILTAP CAPTURE WORKDIR EXPECTED...   (several expected files are merged, so a
# capture holding several cases, like tests/data/sample.pcap, is checked against their union).
# CAPTURE may be a comma-separated list: one mailtap run with one -r per file, one database; and
# '+' separates successive mailtap runs into the same database (what is kept between runs).
# The comparison uses tests/tools/dump.sql (or the file in CHECK_CASE_DUMP), sorted bytewise; a
# difference prints a unified diff.
set -euo pipefail

[ $# -ge 4 ] || { echo "usage: $0 MAILTAP CAPTURE WORKDIR EXPECTED..." >&2; exit 2; }
mailtap=$1 cap=$2 work=$3; shift 3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dump=${CHECK_CASE_DUMP:-$here/../tools/dump.sql}

[ -x "$mailtap" ] || { echo "check-case: mailtap binary '$mailtap' not found or not executable: build the mailtap target" >&2; exit 1; }
IFS=+ read -ra runs <<<"$cap"
rm -rf "$work"
mkdir -p "$work"
for run in "${runs[@]}"; do
	reads=()
	IFS=, read -ra caps <<<"$run"
	for c in "${caps[@]}"; do
		[ -s "$c" ] || { echo "check-case: capture '$c' is missing: the lab_setup test (tests/lab/run-lab.sh) must run first, as root" >&2; exit 1; }
		reads+=(-r "$c")
	done
	rc=0
	"$mailtap" -q "${reads[@]}" -d "$work/out.db" --json "$work/out.jsonl" >"$work/stdout" 2>"$work/stderr" || rc=$?
	if [ "$rc" != 0 ]; then
		echo "check-case: mailtap exited $rc on $run; stderr:" >&2
		sed -n '1,40p' "$work/stderr" >&2
		exit 1
	fi
done

LC_ALL=C sort "$@" >"$work/expected.txt"
sqlite3 -batch -noheader "$work/out.db" <"$dump" | LC_ALL=C sort >"$work/actual.txt"
if ! diff -u "$work/expected.txt" "$work/actual.txt"; then
	echo "check-case: $cap: sessions/findings differ from $* (- expected, + mailtap)" >&2
	exit 1
fi
echo "check-case: $cap: $(wc -l <"$work/actual.txt") lines match"
