/* tunnel.h — incremental decoder of proxy tunnel preambles (HTTP CONNECT, SOCKS4/4a, SOCKS5) in front of mail. */
#ifndef MAILTAP_TUNNEL_H
#define MAILTAP_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "decoder.h"
#include "line.h"
#include "session.h"

/* What a call to tunnel_feed() decided. */
enum tunnel_status {
	TUN_MORE,	/* consumed what it could; this direction's preamble may be complete (then
			 * later calls consume nothing: its bytes are the tunnel's) */
	TUN_OPEN,	/* the proxy's success reply ended at `consumed`: the tunnel carries the rest */
	TUN_REFUSED,	/* the proxy refused (non-2xx, SOCKS failure): nothing follows (anomaly) */
	TUN_BAD		/* the bytes break the preamble's protocol: not a tunnel (anomaly) */
};

struct tunnel_result {
	size_t consumed;
	enum tunnel_status status;
};

/* Decoder state of one preamble; embedded in the app, no heap of its own. Fields are private to
 * decoders/tunnel.c (public only for the size). */
struct tunnel {
	struct session *sess;		/* receives tunnel, tunnel_host, tunnel_port, anomalies */
	uint8_t kind;			/* enum tunnel_kind */
	uint8_t st[2];			/* tunnel.c's enum tun_state, per direction */
	uint8_t method;			/* SOCKS5 method chosen by the proxy (RFC 1928 §3) */
	uint8_t attempts;		/* HTTP CONNECT requests seen */
	uint16_t code;			/* HTTP status of the reply being read */
	uint16_t lines[2];		/* header lines of the current HTTP message, per direction */
	uint64_t body_left;		/* HTTP: body bytes of a refusal still to skip */
	bool close;			/* HTTP: the refusal says "Connection: close" */
	struct line_framer lf[2];
};

/* The kind of preamble the first bytes of a client's first payload begin, or TUNNEL_NONE. Looks
 * at most at the first bytes of p[0..n); no state, no allocation: cheap enough for every flow. */
enum tunnel_kind tunnel_sniff(const uint8_t *p, size_t n);

/* Start decoding a preamble of kind k (from tunnel_sniff); sess outlives t. */
void tunnel_init(struct tunnel *t, struct session *sess, enum tunnel_kind k);

/* Feed in-order bytes of direction d (decoder.h's consumption contract). The target named in the
 * request is stored in sess (tunnel, tunnel_host escaped, tunnel_port) as soon as it is read.
 * Proxy credentials (Proxy-Authorization, the RFC 1929 password, the SOCKS4 user id) are skipped
 * unseen and never kept. */
struct tunnel_result tunnel_feed(struct tunnel *t, enum dir d, const uint8_t *p, size_t n);

/* True once direction d's preamble is complete (its later bytes belong to the tunnel). */
bool tunnel_dir_done(const struct tunnel *t, enum dir d);

#endif
