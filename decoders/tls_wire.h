/* tls_wire.h — TLS wire constants and vector readers shared by tls.c and tls_hello.c. */
#ifndef MAILTAP_TLS_WIRE_H
#define MAILTAP_TLS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cursor.h"

/* RFC 8446 §5.1 / RFC 5246 §6.2.1 record content types. */
enum {
	CT_CHANGE_CIPHER_SPEC = 20,
	CT_ALERT = 21,
	CT_HANDSHAKE = 22,
	CT_APPLICATION_DATA = 23,
	CT_HEARTBEAT = 24	/* RFC 6520 */
};

/* RFC 8446 §4 / RFC 5246 §7.4 handshake message types that matter here. */
enum {
	HS_CLIENT_HELLO = 1,
	HS_SERVER_HELLO = 2,
	HS_CERTIFICATE = 11,
	HS_SERVER_KEY_EXCHANGE = 12,
	HS_CLIENT_KEY_EXCHANGE = 16
};

/* RFC 8446 §3.4 variable-length vectors with a 1-, 2- or 3-byte length. */
static inline struct cur get_vec8(struct cur *c)
{
	return get_sub(c, get_u8(c));
}

static inline struct cur get_vec16(struct cur *c)
{
	return get_sub(c, get_u16(c));
}

static inline struct cur get_vec24(struct cur *c)
{
	return get_sub(c, get_u24(c));
}

/* RFC 8701 GREASE values 0x?A?A: ignored in fingerprints. */
static inline bool is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

#endif
