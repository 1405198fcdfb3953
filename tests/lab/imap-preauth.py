#!/usr/bin/env python3
"""imap-preauth.py — an accept loop that runs Dovecot's imap binary on each connection, already logged in.

Usage: imap-preauth.py ADDR PORT DOVECOT_CONF USER
This is how Dovecot is used behind rsh/ssh: the imap process starts with the user known
(-u: looked up in the userdb of the running Dovecot) and greets with "* PREAUTH" (RFC 9051 §7.1.4) — the session is authenticated
before any STARTTLS could happen. Like sshd, each connection gets a child whose stdin and stdout
are pipes (Dovecot refuses a socket there: "must not be started from inetd"), relayed to the
socket both ways; the loop ends on SIGTERM.
"""
import os
import signal
import socket
import subprocess
import sys
import threading

IMAP = "/usr/lib/dovecot/imap"


def main():
    addr, port, conf, user = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)          # children reaped by the kernel
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(16)
    print("listening", flush=True)
    while True:
        c, _ = ls.accept()
        if os.fork() == 0:
            ls.close()
            serve(c, conf, user)
            os._exit(0)
        c.close()


def serve(c, conf, user):
    """One session: Dovecot's imap on pipes, bytes relayed to and from the socket until both end."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    env = {"USER": user, "PATH": "/usr/bin:/bin"}
    p = subprocess.Popen([IMAP, "-c", conf, "-u", user], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)

    def up():
        while True:
            b = c.recv(65536)
            if not b:
                break
            p.stdin.write(b)
            p.stdin.flush()
        p.stdin.close()

    t = threading.Thread(target=up, daemon=True)
    t.start()
    while True:
        b = p.stdout.read1(65536)
        if not b:
            break
        c.sendall(b)
    c.shutdown(socket.SHUT_WR)
    p.wait()
    t.join(5)
    c.close()


if __name__ == "__main__":
    main()
