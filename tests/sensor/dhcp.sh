#!/bin/sh
# dhcp.sh — DHCP on the span names the device: a DHCPREQUEST with host name and vendor class, then
# the same MAC sending mail in clear; the device report shows the DHCP name and a printer guess.
# Usage: dhcp.sh MAILTAP PCAPGEN WORKDIR
set -eu
mailtap=$1 pcapgen=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
rm -f "$work"/dhcp.db*
python3 "$here/dhcp-pcap.py" "$work/dhcp.pcap" 00:80:77:12:34:56 BRN008077123456 \
	"Brother MFC-L2700DW" 192.0.2.77
cat >"$work/smtp.txt" <<'SCRIPT'
time 2025-11-28T09:00:00Z
mac 00:80:77:12:34:56 00:00:5e:00:53:02
session 192.0.2.77:40077 198.51.100.25:25
syn
S: 220 mx.example.test ESMTP\r\n
C: EHLO scanner\r\n
S: 250-mx.example.test\r\n
S+: 250 8BITMIME\r\n
C: MAIL FROM:<scan@example.test>\r\n
S: 250 2.1.0 Ok\r\n
C: QUIT\r\n
S: 221 2.0.0 Bye\r\n
fin
SCRIPT
"$pcapgen" -o "$work/smtp.pcap" "$work/smtp.txt"
"$mailtap" -q -r "$work/dhcp.pcap" -r "$work/smtp.pcap" -d "$work/dhcp.db"
got=$(sqlite3 -batch -noheader -separator '|' "$work/dhcp.db" \
	"SELECT ip, dhcp_host_name, dhcp_vendor_class, kind FROM device_report")
want="192.0.2.77|BRN008077123456|Brother MFC-L2700DW|printer"
if [ "$got" != "$want" ]; then
	echo "dhcp.sh: device_report gave '$got', want '$want'" >&2
	sqlite3 "$work/dhcp.db" "SELECT * FROM dhcp_hosts" >&2
	exit 1
fi
echo "dhcp.sh: the DHCP host name and vendor class name the device"
