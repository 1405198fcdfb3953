/* tls.h — incremental TLS record and handshake decoder (RFC 5246, RFC 8446) for mail sessions. */
#ifndef MAILTAP_TLS_H
#define MAILTAP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "decoder.h"
#include "session.h"

/* One direction of a TLS connection (private to decoders/tls.c). */
struct tls_dir {
	uint8_t *hs;		/* handshake message reassembly, TLS_HS_MSG_MAX, allocated on first need */
	uint32_t hs_len;	/* bytes of the current message held in hs */
	uint32_t hs_skip;	/* bytes of an over-cap message still to skip */
	bool started;		/* its first record was seen: later non-TLS bytes are a failure */
	bool ccs;		/* it sent ChangeCipherSpec (TLS <= 1.2): its later records are encrypted */
	uint32_t enc_records;	/* encrypted records it sent after its ChangeCipherSpec */
};

/* Decoder state of one TLS connection; fills sess->tls and raises TLS findings on sess.
 * Fields are private to decoders/tls.c (public only for the size). */
struct x509_cache;

struct tls {
	struct session *sess;
	struct x509_cache *x509;	/* the worker's certificate cache, or NULL */
	int state;		/* enum tls_stage of decoders/tls.c */
	bool from_start;
	bool done;		/* decided (or given up): the rest of the flow is skipped */
	bool sslv2_hello;	/* the ClientHello came in SSLv2 format */
	bool client_hello_seen, server_hello_seen;
	bool hrr;		/* a HelloRetryRequest was seen (RFC 8446 §4.1.4) */
	bool tls13;		/* TLS 1.3 negotiated (or announced by the HelloRetryRequest) */
	bool client_ticket;	/* the client offered a non-empty session ticket (RFC 5077) */
	bool client_short_record;	/* TLS 1.3: the client's first encrypted record was alert-sized */
	bool hs_truncated;	/* a handshake message was over TLS_HS_MSG_MAX */
	uint8_t sid_len;
	uint8_t sid[32];	/* the ClientHello session_id, to detect resumption */
	uint64_t start_us;	/* packet time of the first record */
	struct tls_dir dir[2];
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
