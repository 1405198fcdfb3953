#!/usr/bin/env python3
"""pcap2pcapng.py — rewrite a classic pcap as pcapng (SHB, one IDB, one EPB per packet).

Usage: pcap2pcapng.py IN.pcap OUT.pcapng
Used by the tests to show that pcapng input gives the same result as the same packets in pcap.
"""
import struct
import sys


def block(btype, body):
    pad = (-len(body)) % 4
    total = 12 + len(body) + pad
    return struct.pack('<II', btype, total) + body + b'\0' * pad + struct.pack('<I', total)


def main():
    data = open(sys.argv[1], 'rb').read()
    magic = struct.unpack('<I', data[:4])[0]
    e = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    nano = struct.unpack(e + 'I', data[:4])[0] == 0xa1b23c4d
    snaplen, linktype = struct.unpack(e + 'II', data[16:24])
    out = [block(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1)),
           # if_tsresol 6 (microseconds) is the default: no option needed
           block(0x00000001, struct.pack('<HHI', linktype & 0xffff, 0, snaplen))]
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + 'IIII', data[off:off + 16])
        off += 16
        pkt = data[off:off + incl]
        off += incl
        us = sec * 1000000 + (frac // 1000 if nano else frac)
        out.append(block(0x00000006, struct.pack('<IIIII', 0, us >> 32, us & 0xffffffff,
                                                 incl, orig) + pkt))
    open(sys.argv[2], 'wb').write(b''.join(out))


main()
