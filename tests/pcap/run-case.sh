#!/bin/sh
# run-case.sh — run one capture-driven case: generate its pcap, run mailtap on it, compare the dump.
# Usage: run-case.sh MAILTAP PCAPGEN CASEDIR WORKDIR
# CASEDIR holds input.txt (a pcapgen script) or input.pcap, optional args (pcapgen options, one
# line), optional mailtap.args, optional secrets (strings that must appear nowhere in the output),
# optional dump (the name of another dump script in tests/tools, e.g. dump-proto.sql), optional
# summary.txt (lines that must appear in the end-of-run summary; mailtap then runs without -q),
# expected.txt and README. Exit 0 when the dump matches expected.txt.
set -u
if [ $# -ne 4 ]; then
	echo "usage: $0 MAILTAP PCAPGEN CASEDIR WORKDIR" >&2
	exit 2
fi
mailtap=$1 pcapgen=$2 case=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
dump="$here/../tools/dump.sql"
[ -f "$case/dump" ] && dump="$here/../tools/$(cat "$case/dump")"
name=$(basename "$case")
LC_ALL=C
export LC_ALL

fail() {
	echo "pcap case $name: $*" >&2
	exit 1
}

mkdir -p "$work" || fail "cannot create work directory '$work'"
rm -f "$work/test.db" "$work/test.db-wal" "$work/test.db-shm" "$work/input.pcap" "$work/actual.txt" \
	"$work/mailtap.out"

if [ -f "$case/input.txt" ]; then
	gen_args=""
	[ -f "$case/args" ] && gen_args=$(cat "$case/args")
	# shellcheck disable=SC2086 # args is a list of options
	"$pcapgen" $gen_args -o "$work/input.pcap" "$case/input.txt" || fail "pcapgen failed"
elif [ -f "$case/input.pcap" ]; then
	cp "$case/input.pcap" "$work/input.pcap" || fail "cannot copy input.pcap"
else
	fail "no input.txt or input.pcap in '$case'"
fi

mt_args=""
[ -f "$case/mailtap.args" ] && mt_args=$(cat "$case/mailtap.args")
quiet=-q
[ -f "$case/summary.txt" ] && quiet=""
# shellcheck disable=SC2086
"$mailtap" $quiet -r "$work/input.pcap" -d "$work/test.db" $mt_args >"$work/mailtap.out" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
	cat "$work/mailtap.out" >&2
	fail "mailtap exited with status $rc"
fi

sqlite3 -batch -noheader "$work/test.db" <"$dump" | sort >"$work/actual.txt" || fail "cannot dump the database"

if [ -f "$case/secrets" ]; then
	while IFS= read -r secret; do
		[ -n "$secret" ] || continue
		for f in "$work"/test.db* "$work/mailtap.out"; do
			[ -f "$f" ] || continue
			if grep -aqF -- "$secret" "$f"; then
				fail "a secret listed in secrets appears in $(basename "$f")"
			fi
		done
		if sqlite3 -batch "$work/test.db" .dump | grep -aqF -- "$secret"; then
			fail "a secret listed in secrets appears in the database"
		fi
	done <"$case/secrets"
fi

if [ -f "$case/summary.txt" ]; then
	while IFS= read -r want; do
		[ -n "$want" ] || continue
		grep -qF -- "$want" "$work/mailtap.out" ||
			fail "the summary lacks '$want' (see $work/mailtap.out)"
	done <"$case/summary.txt"
fi

if ! diff -u "$case/expected.txt" "$work/actual.txt"; then
	fail "dump differs from expected.txt (- expected, + actual)"
fi
echo "pcap case $name: ok"
