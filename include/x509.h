/* x509.h — facts about a server certificate (via libcrypto) for the TLS decoder. */
#ifndef MAILTAP_X509_H
#define MAILTAP_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "session.h"

struct x509_cache;

/*
 * Parse (or find in cache) the DER leaf certificate der[0..len) (RFC 5280 §4.1, via d2i_X509) and fill the cert_*
 * facts of sess->tls; raise tls_cert_self_signed, tls_cert_expired (against the packet time ts_us,
 * not the wall clock), tls_cert_name_mismatch (SNI, else sess->server_name; no name, no finding)
 * and tls_cert_weak on sess. der is only read during the call. Returns false (and counts
 * ANOM_TLS_BAD_CERT, cert_absent_reason "unparsable") when the bytes are not a certificate.
 */
bool x509_leaf_facts(struct x509_cache *cache, struct session *sess, const uint8_t *der, size_t len,
		     uint64_t ts_us);

/*
 * Certificate number idx (1.., in the order sent) of the chain whose leaf x509_leaf_facts read:
 * keep its DANE digests (RFC 6698 §2.1) in sess->tls.dane, for DANE-TA records. Only the first
 * TLS_DANE_CHAIN_MAX certificates; returns false past them or when der does not parse.
 */
bool x509_chain_cert(struct x509_cache *cache, struct session *sess, unsigned idx,
		     const uint8_t *der, size_t len);

/*
 * Certificates recently seen, so a server's certificate is parsed and its signature checked once,
 * not once per session (both cost tens of µs). cache may be NULL everywhere (no caching). The cache
 * keeps at most X509_CACHE_SLOTS parsed certificates and their DER; it belongs to one worker.
 */
struct x509_cache *x509_cache_new(void);
void x509_cache_free(struct x509_cache *c);

#endif
