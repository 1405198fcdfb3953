#!/bin/bash
# cli_refusal.sh — databases mailtap must not write into: a newer schema (user_version) is refused
# with a clear message and exit 1, a SQLite file of another application likewise, and both stay
# byte for byte unchanged; a file that is not a database is moved aside to <db>.corrupt-*, never
# overwritten, and a fresh database is started.
# Usage: cli_refusal.sh MAILTAP PCAPGEN WORKDIR
set -uo pipefail
NAME=stress_cli_refusal
. "$(dirname "$0")/lib.sh"
[ $# -eq 3 ] || { echo "usage: $0 MAILTAP PCAPGEN WORKDIR" >&2; exit 2; }
mailtap=$1 pcapgen=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
need_exe "$mailtap" "$pcapgen"
fresh_dir "$work"
"$pcapgen" -o "$work/in.pcap" "$here/../pcap/plain_no_starttls/input.txt" || fail "pcapgen failed"

# expect_refusal LABEL DB WORD: sensor and report both exit 1, name the file, say WORD, change nothing.
expect_refusal() {
	local label=$1 db=$2 word=$3 before rc
	before=$(sha256sum <"$db")
	"$mailtap" -q -r "$work/in.pcap" -d "$db" >"$work/$label.out" 2>&1
	rc=$?
	[ $rc -eq 1 ] || fail "$label: sensor exit $rc, want 1: $(cat "$work/$label.out")"
	grep -q -- "$db" "$work/$label.out" || fail "$label: the message does not name the file: $(cat "$work/$label.out")"
	grep -qi -- "$word" "$work/$label.out" || fail "$label: the message does not say '$word': $(cat "$work/$label.out")"
	"$mailtap" report --db "$db" --since 2000-01-01 >"$work/$label.report" 2>&1
	rc=$?
	[ $rc -eq 1 ] || fail "$label: report exit $rc, want 1: $(cat "$work/$label.report")"
	[ "$(sha256sum <"$db")" = "$before" ] || fail "$label: the refused file was modified"
	ls "$db".corrupt-* >/dev/null 2>&1 && fail "$label: a refused database was moved aside"
	note "$label refused: $(head -n 1 "$work/$label.out")"
}

# 1. A newer schema version.
"$mailtap" -q -r "$work/in.pcap" -d "$work/newer.db" || fail "cannot create a database"
sqlite3 "$work/newer.db" 'PRAGMA user_version = 99' || fail "cannot set user_version"
expect_refusal newer "$work/newer.db" newer

# 2. Another application's SQLite file (no mailtap application_id).
sqlite3 "$work/other.db" 'CREATE TABLE t(x); INSERT INTO t VALUES (42);' || fail "sqlite3 failed"
expect_refusal other "$work/other.db" "mailtap"

# 3. Not a database at all: moved aside with its bytes, a fresh database takes its place.
head -c 8192 /dev/urandom >"$work/corrupt.db"
sum=$(sha256sum <"$work/corrupt.db")
"$mailtap" -q -r "$work/in.pcap" -d "$work/corrupt.db" >"$work/corrupt.out" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "corrupt: exit $rc, want 0 (moved aside, fresh database): $(cat "$work/corrupt.out")"
aside=$(ls "$work"/corrupt.db.corrupt-* 2>/dev/null | grep -v -- '-wal$\|-shm$' | head -n 1)
[ -n "$aside" ] || fail "corrupt: no $work/corrupt.db.corrupt-* file"
[ "$(sha256sum <"$aside")" = "$sum" ] || fail "corrupt: the moved-aside file is not the original bytes"
grep -q corrupt "$work/corrupt.out" || fail "corrupt: no warning printed: $(cat "$work/corrupt.out")"
[ "$(count "$work/corrupt.db" 'SELECT count(*) FROM sessions')" = 1 ] || fail "corrupt: the fresh database has no session"
note "corrupt file moved aside to $(basename "$aside"): $(head -n 1 "$work/corrupt.out")"

# 4. A second corrupt file at the same path keeps the first one aside too (no overwrite).
head -c 4096 /dev/urandom >"$work/corrupt.db"
rm -f "$work/corrupt.db-wal" "$work/corrupt.db-shm"
# no pause: a second corrupt file within the same second must not replace the first one aside
"$mailtap" -q -r "$work/in.pcap" -d "$work/corrupt.db" >"$work/corrupt2.out" 2>&1 || fail "second corrupt: exit $?"
[ "$(sha256sum <"$aside")" = "$sum" ] || fail "second corrupt: the first moved-aside file was overwritten"
[ "$(ls "$work"/corrupt.db.corrupt-* | grep -vc -- '-wal$\|-shm$')" -ge 2 ] || fail "second corrupt: not kept aside"
note ok
