#!/usr/bin/env python3
"""dhcp-pcap.py — write a pcap holding one DHCPREQUEST (RFC 2131/2132), for the DHCP end-to-end test.

Usage: dhcp-pcap.py OUT.pcap MAC HOSTNAME VENDOR_CLASS REQUESTED_IP
"""
import socket
import struct
import sys


def checksum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def main():
    out, mac, host, vendor, req = sys.argv[1:6]
    hw = bytes(int(x, 16) for x in mac.split(':'))
    bootp = struct.pack('!BBBBIHH4s4s4s4s16s64s128s', 1, 1, 6, 0, 0x1234abcd, 0, 0x8000,
                        b'\0' * 4, b'\0' * 4, b'\0' * 4, b'\0' * 4, hw + b'\0' * 10,
                        b'\0' * 64, b'\0' * 128)
    opts = b'\x63\x82\x53\x63'                      # magic cookie
    opts += b'\x35\x01\x03'                         # DHCPREQUEST
    opts += b'\x32\x04' + socket.inet_aton(req)     # requested address
    opts += b'\x0c' + bytes([len(host)]) + host.encode()
    opts += b'\x3c' + bytes([len(vendor)]) + vendor.encode()
    opts += b'\x37\x04\x01\x03\x06\x0f'             # parameter request list
    opts += b'\xff'
    payload = bootp + opts
    udp = struct.pack('!HHHH', 68, 67, 8 + len(payload), 0) + payload
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     socket.inet_aton('0.0.0.0'), socket.inet_aton('255.255.255.255'))
    ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
    frame = b'\xff' * 6 + hw + b'\x08\x00' + ip + udp
    with open(out, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        f.write(struct.pack('<IIII', 1764320000, 0, len(frame), len(frame)))
        f.write(frame)


main()
