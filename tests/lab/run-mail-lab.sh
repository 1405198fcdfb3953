#!/bin/bash
# run-mail-lab.sh — the IMAP/POP3 lab: Dovecot and real clients in namespaces, one capture per case.
# Usage: run-mail-lab.sh OUTDIR [CASE...]   (root; no CASE = the direct cases; "mitm" = every
# middlebox case). Writes OUTDIR/<case>.pcap and OUTDIR/all.pcap; the middlebox cases
# (mail-mitm-cases.sh) go to OUTDIR/mitm/<case>.pcap (client side), <case>_server.pcap,
# all_client.pcap, all_server.pcap. Tears the lab down (Dovecot, proxy, namespaces), also on failure.
# LAB_KEEP=1 keeps the temp dir (dovecot.log, client logs, proxy log) for debugging.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/dovecot.sh"
. "$here/mail-cases.sh"
. "$here/mitm-lab.sh"
. "$here/mail-mitm-cases.sh"

[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [CASE...]" >&2; exit 2; }
out=$1; shift
mkdir -p "$out"
out=$(cd "$out" && pwd)

# This lab's addresses (its own namespaces: mt-cli-ID, mt-srv-ID, mt-mcl-ID, mt-rtr-ID).
LAB_CLIENT_ADDRS=$LAB_MAIL_CLIENT_ADDRS
LAB_SERVER_ADDRS="$LAB_DV_TLS $LAB_DV_CLEAR $LAB_DV_LOGINDISABLED $LAB_DV_PREAUTH $LAB_DV_PLAIN_TLSPORT $LAB_DV_MITM"
LAB_MITM_CLIENTS=$LAB_MAIL_MITM_CLIENTS
LAB_MITM_DPORTS="143, 110"
LAB_MITM_PROXY="$here/mitm-mail.py"

mail_lab_require() {
	[ "$(id -u)" = 0 ] || lab_die "the lab needs root (network namespaces, dovecot); run ctest as root or configure with -DMAILTAP_LAB_TESTS=OFF"
	ip netns list >/dev/null 2>&1 || lab_die "'ip netns' is unavailable: install iproute2 and run with CAP_SYS_ADMIN"
	local t
	for t in dovecot curl python3 openssl tcpdump ethtool; do
		command -v "$t" >/dev/null 2>&1 || lab_die "missing tool '$t' (apt-get install dovecot-imapd dovecot-pop3d curl python3 openssl tcpdump ethtool)"
	done
	[ -x /usr/lib/dovecot/imap ] && [ -x /usr/lib/dovecot/pop3 ] \
		|| lab_die "Dovecot's imap or pop3 is missing (apt-get install dovecot-imapd dovecot-pop3d)"
}

mail_lab_cleanup() {
	set +e
	lab_dovecot_cleanup
	lab_cleanup
}

cases=() mcases=()
for c in "$@"; do
	case $c in
	mitm) mapfile -t mcases < <(printf '%s\n' "$LAB_MAIL_MITM_CASES" | awk 'NF { print $1 }') ;;
	*_mitm_*) mcases+=("$c") ;;
	*) cases+=("$c") ;;
	esac
done
if [ $# -eq 0 ]; then
	mapfile -t cases < <(printf '%s\n' "$LAB_MAIL_CASES" | awk 'NF { print $1 }')
fi
for c in "${cases[@]}" "${mcases[@]}"; do
	declare -F "case_$c" >/dev/null || lab_die "unknown case '$c'"
done

trap mail_lab_cleanup EXIT
trap 'exit 130' INT TERM
mail_lab_require
LAB_DIR=$(mktemp -d /tmp/mailtap-maillab.XXXXXX)
chmod 755 "$LAB_DIR"
mkdir -p "$LAB_DIR/logs" "$LAB_DIR/dovecot"
lab_net_up
lab_dovecot_up
[ ${#mcases[@]} -eq 0 ] || lab_mitm_up
lab_capture_start "$LAB_DIR/all.pcap"
for c in "${cases[@]}" "${mcases[@]}"; do
	lab_log "case $c"
	"case_$c"
done
lab_capture_stop
if [ ${#mcases[@]} -gt 0 ]; then
	lab_mitm_down
	mkdir -p "$out/mitm"
	lab_mail_mitm_split "$out/mitm" "${mcases[@]}"
fi
[ ${#cases[@]} -gt 0 ] || { lab_log "captures in $out"; exit 0; }

# One capture per case: the lab capture filtered on the case's 4-tuple.
cp "$LAB_DIR/all.pcap" "$out/all.pcap"
for c in "${cases[@]}"; do
	set -- $(lab_mail_row "$c")
	tcpdump -r "$out/all.pcap" -w "$out/$c.pcap" \
		"host $2 and tcp port $3 and host $4 and tcp port $5" 2>/dev/null
	n=$(tcpdump -r "$out/$c.pcap" -n 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] || lab_die "case $c: capture is empty"
	lab_log "case $c: $n packets"
done
lab_log "captures in $out"
