#!/usr/bin/env python3
"""mitm-mail.py — the lab's IMAP/POP3 man-in-the-middle: strips, masks, refuses or injects around STARTTLS/STLS.

The sibling of mitm.py (same placement, addressing, --modes file and --log lines): it runs in the
lab's router namespace behind an nftables redirect, reads the original destination
(SO_ORIGINAL_DST) and connects there itself from --src, source port = client port + --port-offset.
The protocol follows the original destination port: 110 is POP3, anything else IMAP.

Modes (IMAP: RFC 9051 §6.1.1 CAPABILITY, §7.2.2 response, §7.1 [CAPABILITY] response code, §6.2.1
STARTTLS; POP3: RFC 2449 CAPA, RFC 2595 §4 STLS):
  pass           byte relay, no parsing
  strip          STARTTLS removed from every capability list (greeting code, * CAPABILITY, tagged
                 OK code); the STLS line removed from the CAPA list
  mask           the same capability replaced by as many X (XXXXXXXX, XXXX)
  refuse         the box answers STARTTLS with "tag NO", STLS with "-ERR" (not forwarded)
  refusebad      the box answers STARTTLS with "tag BAD" (POP3: as refuse)
  inject_server  a plaintext response appended to the server's OK to STARTTLS/STLS (same
                 segment, before the handshake: the response-injection class), then relay
  inject_client  a command appended to the client's STARTTLS/STLS (same segment, to the server:
                 the command-injection class), then relay
  garble         the first read of the server's TLS bytes after the OK replaced by garbage, the
                 rest dropped (a handshake that cannot complete)
"""
import argparse
import asyncio
import re
import socket
import struct
import sys

SO_ORIGINAL_DST = 80
MODES = ("pass", "strip", "mask", "refuse", "refusebad", "inject_server", "inject_client", "garble")
INJECT_SERVER = {"imap": b"* OK [ALERT] injected after STARTTLS\r\n", "pop3": b"+OK injected after STLS\r\n"}
INJECT_CLIENT = {"imap": b"X9 CAPABILITY\r\n", "pop3": b"CAPA\r\n"}
GARBAGE = b"\xde\xad\xbe\xef"          # never a TLS content type (RFC 8446 §5.1: 20-24)
CAP_CODE = re.compile(rb"\[CAPABILITY ([^\]]*)\]", re.I)
CAP_RESP = re.compile(rb"^(\* CAPABILITY )(.*?)(\r?\n)$", re.I | re.S)


class Conn:
    """One client connection and its upstream: protocol, mode, log, and the upgrade state."""

    def __init__(self, args, cport, mode, dst):
        self.args, self.cport, self.mode, self.dst = args, cport, mode, dst
        self.proto = "pop3" if dst and dst[1] == 110 else "imap"
        self.upgrade_tag = None         # IMAP tag (or b"" for POP3) of the forwarded upgrade command
        self.capa_sent = False          # POP3: CAPA forwarded, its list not yet begun
        self.in_capa = False            # POP3: inside the CAPA list
        self.tls = False                # past the OK: bytes are relayed (or garbled) raw
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
                if len(p) == 2 and p[0] == str(cport):
                    return p[1] if p[1] in MODES else "pass"
    except OSError:
        pass
    return "pass"


def rewrite_caps(caps, mode, word):
    """A space-separated capability list without `word` (strip) or with it as X's (mask)."""
    out = []
    for c in caps.split(b" "):
        if c.upper() != word:
            out.append(c)
        elif mode == "mask":
            out.append(b"X" * len(word))
    return b" ".join(out)


def tamper_imap_line(conn, line):
    """strip/mask STARTTLS in an IMAP capability list: * CAPABILITY, or a [CAPABILITY ...] code."""
    m = CAP_RESP.match(line)
    if m and re.search(rb"(^| )STARTTLS( |$)", m.group(2), re.I):
        conn.log(f"{conn.mode} STARTTLS in * CAPABILITY")
        return m.group(1) + rewrite_caps(m.group(2), conn.mode, b"STARTTLS") + m.group(3)
    m = CAP_CODE.search(line)
    if m and re.search(rb"(^| )STARTTLS( |$)", m.group(1), re.I):
        conn.log(f"{conn.mode} STARTTLS in a [CAPABILITY] code")
        return line[:m.start(1)] + rewrite_caps(m.group(1), conn.mode, b"STARTTLS") + line[m.end(1):]
    return line


def tamper_pop3_line(conn, line):
    """strip/mask the STLS line of a CAPA list (RFC 2449 §5: one capability per line, ends with '.')."""
    if conn.capa_sent and line.startswith(b"+OK"):
        conn.capa_sent, conn.in_capa = False, True
        return line
    if conn.in_capa:
        if line.rstrip(b"\r\n") == b".":
            conn.in_capa = False
        elif line.strip().upper() == b"STLS":
            conn.log(f"{conn.mode} STLS in the CAPA list")
            return b"" if conn.mode == "strip" else b"XXXX" + line[4:]
    return line


def upgrade_ok(conn, line):
    """The server's positive answer to the forwarded STARTTLS (tag OK) or STLS (+OK)."""
    if conn.upgrade_tag is None:
        return False
    if conn.proto == "pop3":
        return line.startswith(b"+OK")
    return line.upper().startswith(conn.upgrade_tag.upper() + b" OK")


async def server_to_client(conn):
    """Responses upwards, line by line until the upgrade's OK; then raw."""
    while not conn.tls:
        line = await conn.sreader.readline()
        if not line:
            return
        if conn.mode in ("strip", "mask"):
            line = tamper_imap_line(conn, line) if conn.proto == "imap" else tamper_pop3_line(conn, line)
        if upgrade_ok(conn, line):
            conn.tls = True
            if conn.mode == "inject_server":
                conn.log("injected a plaintext response after the OK to the upgrade")
                line += INJECT_SERVER[conn.proto]
        elif conn.upgrade_tag is not None and conn.proto == "pop3":
            conn.upgrade_tag = None     # -ERR to STLS: still plaintext
        conn.cwriter.write(line)
        await conn.cwriter.drain()
    await raw_server_to_client(conn)


async def raw_server_to_client(conn):
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


def upgrade_command(conn, line):
    """The tag of an IMAP STARTTLS command, b"" for POP3 STLS, None for anything else."""
    words = line.strip().split()
    if conn.proto == "pop3":
        return b"" if len(words) == 1 and words[0].upper() == b"STLS" else None
    return words[0] if len(words) == 2 and words[1].upper() == b"STARTTLS" else None


async def client_to_server(conn):
    """Commands downwards: the upgrade answered here (refuse*) or forwarded (plus an injected command)."""
    while not conn.tls and conn.upgrade_tag is None:
        line = await conn.creader.readline()
        if not line:
            return
        if conn.proto == "pop3" and line.strip().upper() == b"CAPA":
            conn.capa_sent = True
        tag = upgrade_command(conn, line)
        if tag is not None:
            if conn.mode in ("refuse", "refusebad"):
                if conn.proto == "pop3":
                    answer = b"-ERR STLS not available\r\n"
                else:
                    word = b"NO" if conn.mode == "refuse" else b"BAD"
                    answer = tag + b" " + word + b" STARTTLS not available\r\n"
                conn.log(f"answered the upgrade with {answer.split(b' ')[0 if conn.proto == 'pop3' else 1].decode()}")
                conn.cwriter.write(answer)
                await conn.cwriter.drain()
                continue
            conn.upgrade_tag = tag
            if conn.mode == "inject_client":
                conn.log("injected a command after the upgrade command")
                line += INJECT_CLIENT[conn.proto]
        conn.swriter.write(line)
        await conn.swriter.drain()
    await pump(conn.creader, conn.swriter)


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
    conn.log(f"relaying {conn.proto} to {dst[0]}:{dst[1]} from {args.src}:{cport + args.port_offset}")
    if conn.mode == "pass":
        down, upw = pump(conn.sreader, cwriter), pump(creader, conn.swriter)
    else:
        down, upw = server_to_client(conn), client_to_server(conn)
    await asyncio.gather(half_close(down, cwriter), half_close(upw, conn.swriter))
    for w in (cwriter, conn.swriter):
        w.close()


def self_test():
    """The capability rewriting on literal responses; exit 1 on a mismatch."""
    class Quiet(Conn):
        def log(self, what):
            pass

    def imap(mode, line):
        return tamper_imap_line(Quiet(None, 0, mode, ("192.0.2.1", 143)), line)

    def pop3(mode, lines):
        c = Quiet(None, 0, mode, ("192.0.2.1", 110))
        c.capa_sent = True
        return b"".join(tamper_pop3_line(c, l) for l in lines)

    greet = b"* OK [CAPABILITY IMAP4rev1 SASL-IR STARTTLS AUTH=PLAIN] Dovecot ready.\r\n"
    capa = [b"+OK\r\n", b"CAPA\r\n", b"TOP\r\n", b"STLS\r\n", b"USER\r\n", b".\r\n"]
    cases = [
        (imap("strip", greet), b"* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] Dovecot ready.\r\n"),
        (imap("mask", greet), b"* OK [CAPABILITY IMAP4rev1 SASL-IR XXXXXXXX AUTH=PLAIN] Dovecot ready.\r\n"),
        (imap("strip", b"* CAPABILITY IMAP4rev1 STARTTLS\r\n"), b"* CAPABILITY IMAP4rev1\r\n"),
        (imap("strip", b"* capability starttls IMAP4rev1\r\n"), b"* capability IMAP4rev1\r\n"),
        (imap("mask", b"A1 OK [CAPABILITY IMAP4rev1 STARTTLS] done\r\n"),
         b"A1 OK [CAPABILITY IMAP4rev1 XXXXXXXX] done\r\n"),
        (imap("strip", b"* OK STARTTLS is the word\r\n"), b"* OK STARTTLS is the word\r\n"),
        (imap("strip", b"* CAPABILITY IMAP4rev1 XSTARTTLS\r\n"), b"* CAPABILITY IMAP4rev1 XSTARTTLS\r\n"),
        (pop3("strip", capa), b"+OK\r\nCAPA\r\nTOP\r\nUSER\r\n.\r\n"),
        (pop3("mask", capa), b"+OK\r\nCAPA\r\nTOP\r\nXXXX\r\nUSER\r\n.\r\n"),
    ]
    bad = 0
    for got, want in cases:
        if got != want:
            print(f"FAIL: got {got!r}, want {want!r}")
            bad += 1
    print(f"mitm-mail.py self-test: {len(cases) - bad} of {len(cases)} passed")
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
