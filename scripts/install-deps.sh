#!/usr/bin/env bash
# install-deps.sh — install what mailtap needs on Debian 12 (only the packages that are missing).
#   scripts/install-deps.sh          build and run: compiler, CMake, libpcap, nDPI, SQLite, OpenSSL,
#                                    zlib and libzstd (compressed capture files), libpq (fleet)
#   scripts/install-deps.sh --test   also what the tests need: Postfix, swaks, Dovecot, curl, tcpdump,
#                                    clang (fuzzing), tinyproxy, dante-server and proxychains4
#                                    (tests/lab/proxy-lab.sh), Knot DNS and Unbound
#                                    (tests/lab/dane-lab.sh); the labs start their own instances,
#                                    never the packaged services; PostgreSQL 15 (the fleet
#                                    tests start their own servers); python3-scapy (the tunnel
#                                    encapsulations of tests/sensor/encap-pcap.py)
set -euo pipefail

pkgs=(build-essential cmake pkg-config libpcap-dev libndpi-dev libsqlite3-dev libssl-dev sqlite3
      ieee-data zlib1g-dev libzstd-dev libpq-dev)
if [ "${1:-}" = "--test" ]; then
	pkgs+=(postfix swaks libnet-ssleay-perl tcpdump openssl sasl2-bin libsasl2-modules iproute2
	       ethtool nftables clang libclang-rt-14-dev python3 procps psmisc chromium
	       gzip zstd dovecot-imapd dovecot-pop3d curl tinyproxy dante-server proxychains4
	       knot knot-dnsutils unbound postgresql-15 tcpreplay util-linux python3-scapy)
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run this script as root (or with sudo)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
# Postfix must not ask questions nor configure itself as a system mailer.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
# PostgreSQL: no "main" cluster and no service; the fleet tests run servers of their own.
mkdir -p /etc/postgresql-common/createcluster.d
[ -e /etc/postgresql-common/createcluster.d/mailtap.conf ] ||
	echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/mailtap.conf
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
