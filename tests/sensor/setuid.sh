#!/bin/sh
# setuid.sh — a setuid copy of mailtap refuses to run for an unprivileged user (exit 1, message).
# Usage: setuid.sh MAILTAP WORKDIR   (needs root to create the setuid copy; skipped otherwise)
set -eu
mailtap=$1 work=$2
[ "$(id -u)" = 0 ] || { echo "setuid.sh: needs root, skipped"; exit 77; }
mkdir -p "$work"
chmod 755 "$work"
cp "$mailtap" "$work/mailtap-suid"
chmod 4755 "$work/mailtap-suid"
set +e
out=$(su nobody -s /bin/sh -c "'$work/mailtap-suid' --version" 2>&1)
rc=$?
set -e
rm -f "$work/mailtap-suid"
if [ "$rc" != 1 ] || ! printf '%s' "$out" | grep -q "refusing to run setuid"; then
	echo "setuid.sh: a setuid mailtap ran for nobody (exit $rc): $out" >&2
	exit 1
fi
echo "setuid.sh: a setuid install refuses to run"
