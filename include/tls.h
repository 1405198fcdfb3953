/* tls.h — incremental TLS record and handshake decoder (RFC 5246, RFC 8446) for mail sessions. */
#ifndef MAILTAP_TLS_H
#define MAILTAP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "decoder.h"
#include "session.h"

/* Decoder state of one TLS connection; fills sess->tls and raises TLS findings on sess.
 * Fields are private to decoders/tls.c (public only for the size). */
struct tls {
	struct session *sess;
	/* ... defined by decoders/tls.c's author ... */
	int state;
};

/* Start decoding. from_start: TLS from the first byte (implicit TLS); otherwise after STARTTLS. */
void tls_init(struct tls *t, struct session *sess, bool from_start);

/* Feed in-order bytes of direction d (decoder.h contract). Returns FEED_NOT_TLS with nothing
 * consumed when the first bytes of d are not a TLS (or SSLv2) record, FEED_DONE once the
 * handshake is decided (completed or failed: the rest of the flow can be skipped), else FEED_MORE. */
struct feed_result tls_feed(struct tls *t, enum dir d, const uint8_t *p, size_t n, uint64_t ts_us);

/* Bytes of direction d are missing: the handshake cannot be followed further (counted). */
void tls_gap(struct tls *t, enum dir d, uint64_t ts_us);

/* The flow ended (FIN, RST, timeout...) at ts_us: an unfinished handshake becomes TLS_FAILED
 * with stage and reason. */
void tls_finish(struct tls *t, enum session_end end, uint64_t ts_us);

/* Release the handshake buffers (not t itself). */
void tls_free(struct tls *t);

#endif
