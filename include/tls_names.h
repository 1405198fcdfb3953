/* tls_names.h — printable names of TLS protocol versions, cipher suites and alerts. */
#ifndef MAILTAP_TLS_NAMES_H
#define MAILTAP_TLS_NAMES_H

#include <stdbool.h>
#include <stdint.h>

/* "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3", "SSLv2"; NULL for 0 or unknown values. */
const char *tls_version_name(uint16_t v);
/* IANA name ("TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384") or NULL when the
 * suite is not in the table (callers print "0x%04X"). */
const char *tls_cipher_name(uint16_t suite);
/* True when the suite is in the table and is NULL, EXPORT, anon, RC4, RC2, DES or 3DES;
 * unknown numbers are not weak. */
bool tls_cipher_is_weak(uint16_t suite);
/* RFC 8446 §6 alert description name ("handshake_failure", "unknown_ca") or NULL. */
const char *tls_alert_name(uint8_t desc);

#endif
