/* tls_hello.h — the hello parsers of the TLS decoder (decoders/tls_hello.c), internal to decoders/. */
#ifndef MAILTAP_TLS_HELLO_H
#define MAILTAP_TLS_HELLO_H

#include "tls.h"
#include "tls_wire.h"

/* ClientHello body (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2): client_version, session_id (kept in t for
 * resumption), SNI, ALPN, offered ticket, JA3 into sess->tls. A second ClientHello (after a
 * HelloRetryRequest) is checked but changes nothing. Returns false when malformed. */
bool tls_client_hello(struct tls *t, struct cur *c);

/* SSL 2.0 CLIENT-HELLO record body (RFC 6101 App. E): version and cipher specs, JA3.
 * Returns false when malformed. */
bool tls_sslv2_client_hello(struct tls *t, struct cur *c);

/* ServerHello body (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3): a HelloRetryRequest only sets t->hrr (and
 * t->tls13); otherwise version (supported_versions), suite, resumption, JA3S, and the
 * tls_weak_version / tls_weak_cipher findings. Returns false when malformed. */
bool tls_server_hello(struct tls *t, struct cur *c, uint64_t ts_us);

#endif
