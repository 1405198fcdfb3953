#!/usr/bin/env python3
"""pcapvariants.py — write variants of a classic pcap that readers must agree on.

Usage: pcapvariants.py IN.pcap OUTDIR
Writes into OUTDIR: be.pcap (big-endian), ns.pcap (nanosecond stamps), be-ns.pcap, snap.pcap
(header snaplen 200: larger records exceed it), cut-body.pcap (the last record's data cut short),
cut-hdr.pcap (ends inside a record header), bogus.pcap (a record in the middle claims 2 GiB),
v23.pcap (version 2.3), future.pcap and future-ns.pcap (stamps past 2038, fractions out of range). Used to show that mailtap's in-place reader and libpcap read them alike.
"""
import os
import struct
import sys


def records(data):
    magic = struct.unpack('<I', data[:4])[0]
    e = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    nano = struct.unpack(e + 'I', data[:4])[0] == 0xa1b23c4d
    hdr = struct.unpack(e + 'IHHiIII', data[:24])
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + 'IIII', data[off:off + 16])
        if not nano:
            frac *= 1000
        out.append((sec, frac, orig, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return hdr, out


def write(path, hdr, recs, e='<', nano=False, snaplen=None, version=(2, 4)):
    magic = 0xa1b23c4d if nano else 0xa1b2c3d4
    _, _, _, zone, sigfigs, snap, link = hdr
    buf = [struct.pack(e + 'IHHiIII', magic, version[0], version[1], zone, sigfigs,
                       snap if snaplen is None else snaplen, link)]
    for sec, ns, orig, pkt in recs:
        buf.append(struct.pack(e + 'IIII', sec, ns if nano else ns // 1000, len(pkt), orig) + pkt)
    data = b''.join(buf)
    with open(path, 'wb') as f:
        f.write(data)
    return data


def main():
    src, outdir = sys.argv[1], sys.argv[2]
    hdr, recs = records(open(src, 'rb').read())
    p = lambda n: os.path.join(outdir, n)
    write(p('be.pcap'), hdr, recs, e='>')
    write(p('ns.pcap'), hdr, recs, nano=True)
    write(p('be-ns.pcap'), hdr, recs, e='>', nano=True)
    write(p('snap.pcap'), hdr, recs, snaplen=200)
    write(p('v23.pcap'), hdr, recs, version=(2, 3))
    # Seconds with the top bit set and, every third record, a fraction field above 2^31.
    bump = lambda i: 0x90000000 if i % 3 == 0 else 0
    write(p('future.pcap'), hdr, [(s + 0x80000000, (n // 1000 + bump(i)) * 1000, o, k)
                                  for i, (s, n, o, k) in enumerate(recs)])
    write(p('future-ns.pcap'), hdr, [(s + 0x80000000, n + bump(i), o, k)
                                     for i, (s, n, o, k) in enumerate(recs)], nano=True)
    data = write(p('cut-body.pcap'), hdr, recs)
    last = len(recs[-1][3])
    with open(p('cut-body.pcap'), 'wb') as f:
        f.write(data[:len(data) - max(1, last // 2)])
    with open(p('cut-hdr.pcap'), 'wb') as f:
        f.write(data + b'\x01' * 8)
    mid = len(recs) // 2
    bogus = write(p('bogus.pcap'), hdr, recs[:mid])
    with open(p('bogus.pcap'), 'wb') as f:
        f.write(bogus + struct.pack('<IIII', recs[mid][0], 0, 0x7fffffff, 0x7fffffff) +
                b''.join(struct.pack('<IIII', s, n // 1000, len(k), o) + k for s, n, o, k in recs[mid:]))


if __name__ == '__main__':
    main()
