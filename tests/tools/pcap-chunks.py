#!/usr/bin/env python3
"""pcap-chunks.py — write the TCP payload of the first connection in a pcap as ordered chunks.

Usage: pcap-chunks.py IN.pcap OUT.chunks

Output: a sequence of records  kind(1) ts_us(8, big-endian) len(4, big-endian) bytes(len)
  kind 'C' client-to-server payload, 'S' server-to-client payload (one per TCP segment, in capture
  order, retransmissions dropped), 'F' the first FIN, 'R' the first RST (len 0) — the end of the flow.
The client is the sender of the first SYN. IPv4 only; link types Ethernet, Linux SLL, BSD loopback.
"""
import struct
import sys


def packets(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        e = '<'
    else:
        e = '>'
    nano = struct.unpack(e + 'I', data[:4])[0] == 0xa1b23c4d
    linktype = struct.unpack(e + 'I', data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(e + 'IIII', data[off:off + 16])
        off += 16
        us = sec * 1000000 + (frac // 1000 if nano else frac)
        yield us, linktype, data[off:off + incl]
        off += incl


def ip_payload(linktype, frame):
    if linktype == 1:		# Ethernet
        if len(frame) < 14 or frame[12:14] != b'\x08\x00':
            return None
        return frame[14:]
    if linktype == 113:		# Linux cooked
        if len(frame) < 16 or frame[14:16] != b'\x08\x00':
            return None
        return frame[16:]
    if linktype in (0, 108):	# BSD loopback
        return frame[4:]
    return None


def main():
    src, dst = sys.argv[1], sys.argv[2]
    conn = None
    nxt = {}
    out = bytearray()
    ended = False
    for ts, lt, frame in packets(src):
        ip = ip_payload(lt, frame)
        if ip is None or len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        total = struct.unpack('>H', ip[2:4])[0]
        tcp = ip[ihl:total]
        sport, dport, seq = struct.unpack('>HHI', tcp[:8])
        flags = tcp[13]
        doff = (tcp[12] >> 4) * 4
        payload = tcp[doff:]
        key = (ip[12:16], sport, ip[16:20], dport)
        if conn is None:
            if flags & 0x12 == 0x02:	# SYN without ACK
                conn = key
                nxt[key] = seq + 1
            continue
        rkey = (key[2], key[3], key[0], key[1])
        if key == conn:
            kind = b'C'
        elif rkey == conn:
            kind = b'S'
        else:
            continue
        if flags & 0x12 == 0x12:
            nxt[key] = seq + 1
            continue
        if payload and key in nxt:
            seen = (nxt[key] - seq) & 0xffffffff	# bytes of this segment already taken
            if seen >= 0x80000000:
                seen = 0				# a hole before it: take it whole
            if seen < len(payload):
                payload = payload[seen:]
                out += kind + struct.pack('>QI', ts, len(payload)) + payload
                nxt[key] = (seq + seen + len(payload)) & 0xffffffff
        if not ended and flags & 0x05:
            ended = True
            out += (b'R' if flags & 0x04 else b'F') + struct.pack('>QI', ts, 0)
    with open(dst, 'wb') as f:
        f.write(out)


if __name__ == '__main__':
    main()
