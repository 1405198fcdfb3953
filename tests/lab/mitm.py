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
import argparse
import asyncio
import socket
import struct
import sys

SO_ORIGINAL_DST = 80
MODES = ("pass", "strip", "mask", "refuse454", "refuse502", "garble", "reset", "inject")
REFUSAL = {"refuse454": b"454 4.7.0 TLS not available due to local problem\r\n",
           "refuse502": b"502 5.5.2 Error: command not recognized\r\n"}
INJECTED = b"250 2.0.0 injected after STARTTLS\r\n"
GARBAGE = b"\xde\xad\xbe\xef"          # never a TLS content type (RFC 8446 §5.1: 20-24)


class Conn:
    """One client connection and its upstream: mode, log, and the STARTTLS hand-over state."""

    def __init__(self, args, cport, mode, dst):
        self.args, self.cport, self.mode, self.dst = args, cport, mode, dst
        self.starttls_sent = False      # client's STARTTLS forwarded; next server reply is its answer
        self.tls = False                # past the 220: bytes are relayed (or tampered) raw
        self.creader = self.cwriter = self.sreader = self.swriter = None

    def log(self, what):
        with open(self.args.log, "a") as f:
            f.write(f"{self.cport} {self.mode} {what}\n")


def original_dst(sock):
    raw = sock.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
    return socket.inet_ntoa(raw[4:8]), struct.unpack("!H", raw[2:4])[0]


def mode_for(path, cport):
    try:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) == 2 and p[0] in (str(cport), "*"):
                    return p[1] if p[1] in MODES else "pass"
    except OSError:
        pass
    return "pass"


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


async def pump(reader, writer):
    while True:
        data = await reader.read(65536)
        if not data:
            return
        writer.write(data)
        await writer.drain()


async def half_close(direction, writer):
    try:
        await direction
    except (ConnectionError, OSError):
        pass
    try:
        if writer.can_write_eof() and not writer.is_closing():
            writer.write_eof()
    except (ConnectionError, OSError):
        pass


async def handle(args, creader, cwriter):
    csock = cwriter.get_extra_info("socket")
    cport = cwriter.get_extra_info("peername")[1]
    dst = original_dst(csock)
    conn = Conn(args, cport, mode_for(args.modes, cport), dst)
    conn.creader, conn.cwriter = creader, cwriter
    up = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    up.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        up.bind((args.src, cport + args.port_offset))
        up.setblocking(False)
        await asyncio.get_running_loop().sock_connect(up, dst)
    except OSError as e:
        conn.log(f"upstream {dst[0]}:{dst[1]} failed: {e}")
        up.close()
        cwriter.close()
        return
    conn.sreader, conn.swriter = await asyncio.open_connection(sock=up)
    conn.log(f"relaying to {dst[0]}:{dst[1]} from {args.src}:{cport + args.port_offset}")
    if conn.mode == "pass":
        down, upw = pump(conn.sreader, cwriter), pump(creader, conn.swriter)
    else:
        down, upw = server_to_client(conn), client_to_server(conn)
    await asyncio.gather(half_close(down, cwriter), half_close(upw, conn.swriter))
    for w in (cwriter, conn.swriter):
        w.close()


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


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", default="0.0.0.0:10025")
    ap.add_argument("--src", required=True, help="address of the upstream connections")
    ap.add_argument("--port-offset", type=int, default=10000)
    ap.add_argument("--modes", required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    host, port = args.listen.rsplit(":", 1)
    server = await asyncio.start_server(lambda r, w: handle(args, r, w), host, int(port),
                                        reuse_address=True)
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
