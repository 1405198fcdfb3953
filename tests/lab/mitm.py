#!/usr/bin/env python3
"""mitm.py — the lab's SMTP man-in-the-middle: strips, masks, refuses, garbles, resets or injects around STARTTLS.

Runs in the lab's router namespace behind an nftables redirect (original destination from
SO_ORIGINAL_DST) and opens its own connection to that destination from --src, source port = client
port + --port-offset, so both sides of every session have a fixed 4-tuple. The mode of a connection
is looked up by the client's source port in --modes (lines "PORT MODE", read at each accept; the
first line that matches wins, "*" matches every port; unlisted ports are relayed untouched). One log line per action goes to --log, so a case can check
that the tampering it expects really happened.

Modes (RFC 3207 STARTTLS, RFC 5321 §4.2 reply syntax):
  pass       byte relay, no parsing
  strip      delete the STARTTLS line from the EHLO reply (the new last line gets "250 ")
  mask       STARTTLS -> XXXXXXXA in the EHLO reply, banner text -> asterisks (Cisco fixup style)
  refuse454  answer the client's STARTTLS with 454 itself (not forwarded)
  refuse502  answer the client's STARTTLS with 502 itself (not forwarded)
  garble     after the server's 220 to STARTTLS, replace the ServerHello bytes with garbage
  reset      RST to the client when its ClientHello arrives (mid-handshake)
  inject     append a plaintext 250 line to the server's 220 to STARTTLS (same segment), then relay
"""
import asyncio
import socket
import struct

import mitm_relay
from mitm_relay import GARBAGE

MODES = ("pass", "strip", "mask", "refuse454", "refuse502", "garble", "reset", "inject")
REFUSAL = {"refuse454": b"454 4.7.0 TLS not available due to local problem\r\n",
           "refuse502": b"502 5.5.2 Error: command not recognized\r\n"}
INJECTED = b"250 2.0.0 injected after STARTTLS\r\n"


class Conn:
    """One client connection and its upstream: mode, log, and the STARTTLS hand-over state."""

    def __init__(self, args, cport, mode, dst):
        self.args, self.cport, self.mode, self.dst = args, cport, mode, dst
        self.starttls_sent = False      # client's STARTTLS forwarded; next server reply is its answer
        self.tls = False                # past the 220: bytes are relayed (or tampered) raw
        self.creader = self.cwriter = self.sreader = self.swriter = None
        self.label = ""                 # the relaying log line names no protocol

    def log(self, what):
        with open(self.args.log, "a") as f:
            f.write(f"{self.cport} {self.mode} {what}\n")


async def read_reply(reader):
    """One whole SMTP reply (RFC 5321 §4.2: "250-" continues, "250 " ends); [] at EOF."""
    lines = []
    while True:
        line = await reader.readline()
        if not line:
            return lines
        lines.append(line)
        if len(line) < 4 or line[3:4] != b"-":
            return lines


def rebuild(lines):
    """Lines of one reply with the continuation marks fixed: '-' on all but the last (RFC 5321 §4.2)."""
    out = []
    for i, line in enumerate(lines):
        mark = b" " if i == len(lines) - 1 else b"-"
        out.append(line[:3] + mark + line[4:])
    return b"".join(out)


def is_starttls_line(line):
    return line[4:].strip().upper() == b"STARTTLS"


def tamper_ehlo(conn, lines):
    """strip/mask on an EHLO reply (RFC 3207 §4: the STARTTLS keyword in the 250 reply)."""
    if not lines or lines[0][:3] != b"250" or not any(is_starttls_line(l) for l in lines):
        return lines
    if conn.mode == "strip":
        conn.log("stripped STARTTLS from the EHLO reply")
        return [l for l in lines if not is_starttls_line(l)] or lines[:1]
    conn.log("masked STARTTLS as XXXXXXXA")
    return [l[:4] + b"XXXXXXXA" + l[12:] if is_starttls_line(l) else l for l in lines]


def mask_banner(conn, lines):
    """Cisco fixup style: the greeting's text (RFC 5321 §4.2, after the code) becomes asterisks."""
    conn.log("masked the banner")
    return [l[:4] + b"*" * len(l[4:].rstrip(b"\r\n")) + b"\r\n" for l in lines]


async def server_to_client(conn):
    """Replies upwards: tamper the banner/EHLO reply, and the 220 to STARTTLS per mode."""
    first = True
    while not conn.tls:
        lines = await read_reply(conn.sreader)
        if not lines:
            return
        if first and conn.mode == "mask":
            lines = mask_banner(conn, lines)
        first = False
        if conn.mode in ("strip", "mask"):
            lines = tamper_ehlo(conn, lines)
        reply = rebuild(lines)
        if conn.starttls_sent and lines[0][:3] == b"220":
            conn.tls = True
            if conn.mode == "inject":
                conn.log("injected a plaintext line after the 220 to STARTTLS")
                reply += INJECTED
        conn.cwriter.write(reply)
        await conn.cwriter.drain()
    await raw_server_to_client(conn)


async def raw_server_to_client(conn):
    """After the 220: the TLS bytes from the server, the first read garbled and the rest dropped in garble mode."""
    garbled = False
    while True:
        data = await conn.sreader.read(65536)
        if not data:
            return
        if conn.mode == "garble":
            if garbled:
                continue
            garbled = True
            conn.log(f"replaced {len(data)} ServerHello bytes with garbage")
            data = (GARBAGE * (len(data) // 4 + 1))[:len(data)]
        conn.cwriter.write(data)
        await conn.cwriter.drain()


async def client_to_server(conn):
    """Commands downwards: STARTTLS answered here (refuse*) or forwarded; then raw bytes."""
    while not conn.starttls_sent:
        line = await conn.creader.readline()
        if not line:
            return
        if line.strip().upper() == b"STARTTLS":
            if conn.mode in REFUSAL:
                conn.log(f"answered STARTTLS with {REFUSAL[conn.mode][:3].decode()}")
                conn.cwriter.write(REFUSAL[conn.mode])
                await conn.cwriter.drain()
                continue
            conn.starttls_sent = True
        conn.swriter.write(line)
        await conn.swriter.drain()
    while True:
        data = await conn.creader.read(65536)
        if not data:
            return
        if conn.mode == "reset" and conn.tls:
            conn.log(f"reset the client after {len(data)} ClientHello bytes")
            sock = conn.cwriter.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.cwriter.transport.abort()
            conn.swriter.close()
            return
        conn.swriter.write(data)
        await conn.swriter.drain()


def self_test():
    """The reply rewriting on literal replies, including STARTTLS as the last line; exit 1 on a mismatch."""
    class Quiet(Conn):
        def log(self, what):
            pass

    def run(mode, reply):
        conn = Quiet(None, 0, mode, None)
        lines = [l + b"\r\n" for l in reply]
        if mode == "mask" and lines[0].startswith(b"220"):
            return rebuild(mask_banner(conn, lines))
        return rebuild(tamper_ehlo(conn, lines))

    cases = [
        ("strip", [b"250-mx.example", b"250-PIPELINING", b"250 STARTTLS"],
         b"250-mx.example\r\n250 PIPELINING\r\n"),
        ("strip", [b"250-mx.example", b"250-starttls", b"250 8BITMIME"],
         b"250-mx.example\r\n250 8BITMIME\r\n"),
        ("strip", [b"250-mx.example", b"250 SIZE 100"], b"250-mx.example\r\n250 SIZE 100\r\n"),
        ("strip", [b"250 STARTTLS"], b"250 STARTTLS\r\n"),   # never an empty reply
        ("mask", [b"250-mx.example", b"250 STARTTLS"], b"250-mx.example\r\n250 XXXXXXXA\r\n"),
        ("mask", [b"220 mx.example ESMTP"], b"220 " + b"*" * 16 + b"\r\n"),
        ("strip", [b"354 go ahead STARTTLS"], b"354 go ahead STARTTLS\r\n"),
    ]
    bad = 0
    for mode, reply, want in cases:
        got = run(mode, reply)
        if got != want:
            print(f"FAIL {mode} {reply!r}: got {got!r}, want {want!r}")
            bad += 1
    print(f"mitm.py self-test: {len(cases) - bad} of {len(cases)} passed")
    return 1 if bad else 0


if __name__ == "__main__":
    mitm_relay.main(__doc__, self_test, Conn, MODES, server_to_client, client_to_server)
