#!/usr/bin/env bash
# lab-capture.sh — capture real Postfix/swaks/openssl SMTP sessions in throw-away network namespaces.
#   scripts/lab-capture.sh OUTDIR [CASE...]   one OUTDIR/<case>.pcap per case, plus all.pcap, sample.pcap
#   scripts/lab-capture.sh --sample           regenerate tests/data/sample.pcap
# Needs root. Cases and expected results: tests/lab/ (see tests/lab/README.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "--sample" ]; then
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
	"$root/tests/lab/run-lab.sh" "$out"
	cp "$out/sample.pcap" "$root/tests/data/sample.pcap"
	echo "tests/data/sample.pcap regenerated ($(stat -c %s "$root/tests/data/sample.pcap") bytes)"
	exit 0
fi
exec "$root/tests/lab/run-lab.sh" "$@"
