#!/usr/bin/env python3
"""mail-clients.py — the lab's Python IMAP and POP3 clients (imaplib, poplib) with fixed 4-tuples.

Usage: mail-clients.py KIND SERVER PORT SRC_IP SRC_PORT [--tls] [--fetch] [--expect-refusal]
  imap-probe    greeting, CAPABILITY, LOGOUT (nothing else: history for the stripping judgement)
  imap-login    CAPABILITY, [STARTTLS], LOGIN (the IMAP LOGIN command), SELECT INBOX, [FETCH 1], LOGOUT
                (--literal: the password as a synchronising literal {n}, RFC 9051 §4.3)
  imap-preauth  expects a PREAUTH greeting; SELECT INBOX, [FETCH 1], LOGOUT
  pop3-probe    greeting, CAPA, QUIT
  pop3-login    CAPA, [STLS], USER, PASS, STAT, [RETR 1], QUIT   (--apop: APOP instead of USER/PASS)
The user and password come from the environment (LAB_USER, LAB_PASS). --expect-refusal: the login
must be refused by the server (exit 0 when it was). Certificates are not checked: this is a lab.
Prints what happened, never the password; exit 0 when the dialogue went as asked.
"""
import imaplib
import os
import poplib
import socket
import ssl
import sys


def ctx():
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


class IMAP(imaplib.IMAP4):
    def __init__(self, host, port, src):
        self.src = src
        super().__init__(host, port, timeout=10)

    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout, source_address=self.src)


class POP3(poplib.POP3):
    def __init__(self, host, port, src):
        self.src = src
        super().__init__(host, port, timeout=10)

    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout, source_address=self.src)


def imap(kind, host, port, src, opts):
    m = IMAP(host, port, src)
    print(f"greeting: {m.welcome.decode(errors='replace')} state={m.state}", flush=True)
    if kind == "imap-preauth":
        if m.state != "AUTH":
            print("no PREAUTH greeting")
            return 1
    else:
        typ, caps = m.capability()
        print(f"capability: {caps[0].decode(errors='replace')}", flush=True)
        if kind == "imap-probe":
            m.logout()
            return 0
        if "--tls" in opts:
            typ, r = m.starttls(ssl_context=ctx())
            print(f"starttls: {typ} {m.sock.version()}", flush=True)
        try:
            if "--literal" in opts:
                # imaplib sends IMAP4.literal after the command line as "{n}" + its bytes.
                m.literal = os.environ["LAB_PASS"].encode()
                typ, r = m._simple_command("LOGIN", os.environ["LAB_USER"])
                m.state = "AUTH"
            else:
                typ, r = m.login(os.environ["LAB_USER"], os.environ["LAB_PASS"])
        except imaplib.IMAP4.error as e:
            print(f"login refused: {e}", flush=True)
            m.logout()
            return 0 if "--expect-refusal" in opts else 1
        print(f"login: {typ}", flush=True)
        if "--expect-refusal" in opts:
            return 1
    typ, r = m.select("INBOX")
    print(f"select: {typ} {r}", flush=True)
    if "--fetch" in opts:
        typ, r = m.fetch("1", "(BODY[])")
        print(f"fetch: {typ} {len(r[0][1]) if r and r[0] else 0} bytes", flush=True)
    m.logout()
    return 0


def pop3(kind, host, port, src, opts):
    p = POP3(host, port, src)
    print(f"greeting: {p.getwelcome().decode(errors='replace')}", flush=True)
    caps = p.capa()
    print(f"capa: {' '.join(sorted(caps))}", flush=True)
    if kind == "pop3-probe":
        p.quit()
        return 0
    if "--tls" in opts:
        r = p.stls(context=ctx())
        print(f"stls: {r.decode(errors='replace')} {p.sock.version()}", flush=True)
    try:
        if "--apop" in opts:
            p.apop(os.environ["LAB_USER"], os.environ["LAB_PASS"])
        else:
            p.user(os.environ["LAB_USER"])
            p.pass_(os.environ["LAB_PASS"])
    except poplib.error_proto as e:
        print(f"login refused: {e}", flush=True)
        p.quit()
        return 0 if "--expect-refusal" in opts else 1
    if "--expect-refusal" in opts:
        return 1
    print(f"stat: {p.stat()}", flush=True)
    if "--fetch" in opts:
        r = p.retr(1)
        print(f"retr: {len(r[1])} lines", flush=True)
    p.quit()
    return 0


def main():
    if len(sys.argv) < 6:
        print(__doc__, file=sys.stderr)
        return 2
    kind, host, port, sip, sport = sys.argv[1:6]
    opts = sys.argv[6:]
    src = (sip, int(sport))
    if kind.startswith("imap-"):
        return imap(kind, host, int(port), src, opts)
    if kind.startswith("pop3-"):
        return pop3(kind, host, int(port), src, opts)
    print(f"unknown kind {kind}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
