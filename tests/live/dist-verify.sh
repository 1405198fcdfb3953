#!/bin/bash
# dist-verify.sh — the dist/ files are valid: systemd-analyze verify on every unit (Exec paths pointed
# at this build), the sandbox's exposure score, the sysusers entry, groff warnings on the man page,
# and every option of `mailtap --help` / `mailtap report --help` documented in it.
# Usage: dist-verify.sh MAILTAP SOURCE_DIR   (no root needed)
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 MAILTAP SOURCE_DIR" >&2; exit 2; }
mailtap=$(readlink -f "$1") src=$(readlink -f "$2")
dist=$src/dist
max_exposure=${MAILTAP_MAX_EXPOSURE:-2.5}
fail=0
bad() { echo "dist-verify: FAIL: $*" >&2; fail=1; }

[ -x "$mailtap" ] || { echo "dist-verify: '$mailtap' is not built" >&2; exit 1; }
for t in systemd-analyze groff systemd-sysusers; do
	command -v "$t" >/dev/null || { echo "dist-verify: missing '$t' (apt-get install systemd groff-base)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Units: installed Exec paths (/usr/bin, /usr/local/bin) point at this build or the source scripts.
mkdir -p "$tmp/bin" "$tmp/units"
ln -s "$mailtap" "$tmp/bin/mailtap"
[ -e "$src/scripts/mailtap-weekly-report" ] && ln -s "$(readlink -f "$src/scripts/mailtap-weekly-report")" "$tmp/bin/"
shopt -s nullglob
units=("$dist"/*.service "$dist"/*.timer)
[ ${#units[@]} -gt 0 ] || bad "no units in $dist"
for u in "${units[@]}"; do
	sed -E "s#=/usr(/local)?/bin/#=$tmp/bin/#g" "$u" >"$tmp/units/$(basename "$u")"
done
grep -q '^ExecStart=/usr/bin/mailtap -i \${MAILTAP_IFACE} ' "$dist/mailtap.service" \
	|| bad "mailtap.service: ExecStart is not /usr/bin/mailtap -i \${MAILTAP_IFACE} ..."
(cd "$tmp/units" && systemd-analyze verify --man=no ./*.service ./*.timer) >"$tmp/verify.out" 2>&1 || true
if [ -s "$tmp/verify.out" ]; then
	cat "$tmp/verify.out" >&2
	bad "systemd-analyze verify reported the lines above"
else
	echo "dist-verify: systemd-analyze verify: ${#units[@]} units clean"
fi

# The sensor's sandbox must not regress: exposure from 0 (locked) to 10 (unprotected).
score=$(systemd-analyze security --offline=yes "$tmp/units/mailtap.service" 2>&1 \
	| sed -n 's/.*Overall exposure level for mailtap.service: \([0-9.]*\).*/\1/p')
if [ -z "$score" ]; then
	bad "systemd-analyze security gave no exposure score"
elif awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s > m) }'; then
	bad "mailtap.service exposure $score is above $max_exposure"
else
	echo "dist-verify: mailtap.service exposure $score (limit $max_exposure)"
fi
for k in 'AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN' 'CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN' \
	'NoNewPrivileges=yes' 'User=mailtap' 'StateDirectoryMode=0750' 'LimitCORE=0'; do
	grep -qxF "$k" "$dist/mailtap.service" || bad "mailtap.service lacks '$k'"
done

# The sysusers entry parses and creates the user and group.
mkdir -p "$tmp/root/etc"
systemd-sysusers --dry-run --root="$tmp/root" "$dist/mailtap.sysusers" >"$tmp/sysusers.out" 2>&1 \
	|| { cat "$tmp/sysusers.out" >&2; bad "systemd-sysusers rejected mailtap.sysusers"; }
grep -q "Creating user 'mailtap'" "$tmp/sysusers.out" || { cat "$tmp/sysusers.out" >&2; bad "sysusers: no user mailtap"; }

# Man page: no groff warning, renders with man -l, documents every option of both --help texts.
groff -man -Tutf8 -ww -z "$dist/mailtap.1" >"$tmp/groff.out" 2>&1 || true
if [ -s "$tmp/groff.out" ]; then cat "$tmp/groff.out" >&2; bad "groff warnings on mailtap.1"; fi
MANWIDTH=100 man -l "$dist/mailtap.1" 2>/dev/null | col -b >"$tmp/man.txt" || true
grep -q '^NAME' "$tmp/man.txt" || bad "man -l dist/mailtap.1 rendered nothing"
for sect in NAME SYNOPSIS DESCRIPTION OPTIONS REPORT FILES 'EXIT STATUS' EXAMPLES 'SEE ALSO'; do
	grep -qx "$sect" "$tmp/man.txt" || bad "mailtap.1 has no $sect section"
done
{ "$mailtap" --help; "$mailtap" report --help; } 2>&1 | grep -oE '(^|[ ,])--[a-z][a-z-]+' | tr -d ' ,' \
	| sort -u >"$tmp/opts"
[ "$(wc -l <"$tmp/opts")" -ge 20 ] || bad "only $(wc -l <"$tmp/opts") options found in --help"
n=0
while read -r opt; do
	grep -qe "$opt" "$tmp/man.txt" || bad "mailtap.1 does not document $opt"
	n=$((n + 1))
done <"$tmp/opts"
echo "dist-verify: mailtap.1 documents all $n long options of --help"

# The example settings use only options the sensor knows.
opts=$(sed -n 's/^#\?MAILTAP_OPTS="\(.*\)"$/\1/p' "$dist/mailtap.default" | grep -oE -- '(^| )--?[a-zA-Z][a-z-]*' | tr -d ' ' | sort -u)
# (--help read once into a file: grep -q in a pipe would end mailtap with SIGPIPE mid-text.)
"$mailtap" --help >"$tmp/help" 2>&1
for o in $opts; do
	grep -qE -- "(^| )$o([ ,]|$)" "$tmp/help" || bad "mailtap.default uses '$o', not in --help"
done

[ $fail = 0 ] && echo "dist-verify: ok"
exit $fail
