"""mitm_relay.py — what the lab's two men in the middle share: the redirected connection, its upstream
from a fixed source port, the byte pump and half-close, the --modes file and the command line.

mitm.py (SMTP) and mitm-mail.py (IMAP, POP3) give their own connection class (with .mode, .log(),
.label and the reader/writer attributes), the two tampering directions and the list of modes.
"""
import argparse
import asyncio
import socket
import struct
import sys

SO_ORIGINAL_DST = 80
GARBAGE = b"\xde\xad\xbe\xef"          # never a TLS content type (RFC 8446 §5.1: 20-24)


def original_dst(sock):
    """The address the client connected to, before the nftables redirect."""
    raw = sock.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
    return socket.inet_ntoa(raw[4:8]), struct.unpack("!H", raw[2:4])[0]


def mode_for(path, cport, modes):
    """The mode of the first line "PORT MODE" of path matching cport ("*" matches every port);
    "pass" when none does or the mode is unknown."""
    try:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) == 2 and p[0] in (str(cport), "*"):
                    return p[1] if p[1] in modes else "pass"
    except OSError:
        pass
    return "pass"


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


async def handle(args, creader, cwriter, conn_class, modes, server_to_client, client_to_server):
    """One redirected client: connect upstream from --src, port + --port-offset, then relay."""
    csock = cwriter.get_extra_info("socket")
    cport = cwriter.get_extra_info("peername")[1]
    dst = original_dst(csock)
    conn = conn_class(args, cport, mode_for(args.modes, cport, modes), dst)
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
    conn.log(f"relaying {conn.label}to {dst[0]}:{dst[1]} from {args.src}:{cport + args.port_offset}")
    if conn.mode == "pass":
        down, upw = pump(conn.sreader, cwriter), pump(creader, conn.swriter)
    else:
        down, upw = server_to_client(conn), client_to_server(conn)
    await asyncio.gather(half_close(down, cwriter), half_close(upw, conn.swriter))
    for w in (cwriter, conn.swriter):
        w.close()


async def serve(description, conn_class, modes, server_to_client, client_to_server):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--listen", default="0.0.0.0:10025")
    ap.add_argument("--src", required=True, help="address of the upstream connections")
    ap.add_argument("--port-offset", type=int, default=10000)
    ap.add_argument("--modes", required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    host, port = args.listen.rsplit(":", 1)
    server = await asyncio.start_server(
        lambda r, w: handle(args, r, w, conn_class, modes, server_to_client, client_to_server),
        host, int(port), reuse_address=True)
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


def main(doc, self_test, conn_class, modes, server_to_client, client_to_server):
    """--self-test runs self_test(); otherwise relay until interrupted."""
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    try:
        asyncio.run(serve(doc.splitlines()[0], conn_class, modes, server_to_client, client_to_server))
    except KeyboardInterrupt:
        sys.exit(0)
