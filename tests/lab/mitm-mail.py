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
import asyncio
import re

import mitm_relay
from mitm_relay import GARBAGE, pump

MODES = ("pass", "strip", "mask", "refuse", "refusebad", "inject_server", "inject_client", "garble")
INJECT_SERVER = {"imap": b"* OK [ALERT] injected after STARTTLS\r\n", "pop3": b"+OK injected after STLS\r\n"}
INJECT_CLIENT = {"imap": b"X9 CAPABILITY\r\n", "pop3": b"CAPA\r\n"}
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
        self.label = f"{self.proto} "   # the relaying log line names the protocol

    def log(self, what):
        with open(self.args.log, "a") as f:
            f.write(f"{self.cport} {self.mode} {what}\n")


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


if __name__ == "__main__":
    mitm_relay.main(__doc__, self_test, Conn, MODES, server_to_client, client_to_server)
