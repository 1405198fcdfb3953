#!/bin/sh
# setuid.sh — a setuid copy of mailtap refuses to run for an unprivileged user (exit 1, message).
# Usage: setuid.sh MAILTAP   (needs root to create the setuid copy; skipped otherwise)
set -eu
mailtap=$1
[ "$(id -u)" = 0 ] || { echo "setuid.sh: needs root, skipped"; exit 77; }
dir=$(mktemp -d /tmp/mailtap-setuid.XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
cp "$mailtap" "$dir/mailtap"
# The plain copy must run as nobody, else this machine cannot show anything (noexec, paths).
if ! su nobody -s /bin/sh -c "'$dir/mailtap' --version" >/dev/null 2>&1; then
	echo "setuid.sh: nobody cannot run a copy in $dir here, skipped"
	exit 77
fi
chmod 4755 "$dir/mailtap"
set +e
out=$(su nobody -s /bin/sh -c "'$dir/mailtap' --version" 2>&1)
rc=$?
set -e
if [ "$rc" != 1 ] || ! printf '%s' "$out" | grep -q "refusing to run setuid"; then
	echo "setuid.sh: a setuid mailtap ran for nobody (exit $rc): $out" >&2
	exit 1
fi
echo "setuid.sh: a setuid install refuses to run"
