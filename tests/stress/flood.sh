#!/bin/bash
# flood.sh — memory bound under a flood: 1,000,000 spoofed SYNs and 100,000 half-open SMTP sessions
# that each hold a 4 KiB line without LF. mailtap runs with --memcap 64 under /usr/bin/time; its
# peak RSS must stay below memcap + 40 MiB.
# Usage: flood.sh MAILTAP FLOODGEN WORKDIR [sanitized]
set -uo pipefail
NAME=stress_flood
. "$(dirname "$0")/lib.sh"
[ $# -ge 3 ] || { echo "usage: $0 MAILTAP FLOODGEN WORKDIR [sanitized]" >&2; exit 2; }
mailtap=$1 floodgen=$2 work=$3
memcap=${FLOOD_MEMCAP_MIB:-64}
slack=40
need_exe "$mailtap" "$floodgen"
[ "${4:-}" != sanitized ] || skip "peak RSS under ASan is not the product's; run it in the normal build"
[ -x /usr/bin/time ] || fail "/usr/bin/time is missing: apt-get install time"
grep -q -- '--memcap' <<<"$("$mailtap" --help 2>&1)" \
	|| skip "mailtap has no --memcap option yet; this test measures it once it exists"

mkdir -p "$work" || fail "cannot create '$work'"
cap=$work/flood.pcap
# The capture is kept between runs (about 530 MB); regenerated when the generator is newer.
if [ ! -s "$cap" ] || [ "$floodgen" -nt "$cap" ]; then
	"$floodgen" --syn 1000000 --halfopen 100000 --line 4096 -o "$cap" || fail "floodgen failed"
fi
rm -f "$work"/flood.db*
start=$(date +%s)
/usr/bin/time -f '%M' -o "$work/rss" "$mailtap" -v --memcap "$memcap" -r "$cap" -d "$work/flood.db" \
	>"$work/out" 2>"$work/err"
rc=$?
elapsed=$(($(date +%s) - start))
cat "$work/err"
[ $rc -eq 0 ] || fail "mailtap exited with status $rc"
rss_kib=$(tail -n 1 "$work/rss")
limit_kib=$(((memcap + slack) * 1024))
note "peak RSS ${rss_kib} KiB with --memcap $memcap (limit ${limit_kib} KiB), ${elapsed} s"
[ "$rss_kib" -le "$limit_kib" ] || fail "peak RSS ${rss_kib} KiB exceeds memcap + ${slack} MiB"
# The flood must really have pressed on the cap: something was evicted, refused or not kept.
grep -Eq '[1-9][0-9]* evicted|\(memcap\)|emergency mode' "$work/err" \
	|| fail "mailtap reports no eviction, refusal or emergency mode: the cap was never reached"
note ok
