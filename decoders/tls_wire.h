/* tls_wire.h — TLS wire constants and the bounds-checked cursor shared by tls.c and tls_hello.c. */
#ifndef MAILTAP_TLS_WIRE_H
#define MAILTAP_TLS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* A bounds-checked cursor with a sticky error flag: a read past the end yields zeros and sets err;
 * every later read fails too, so a parser checks err once at the end. */

struct cur {
	const uint8_t *p;
	size_t n, off;
	bool err;
};

static inline struct cur cur_make(const uint8_t *p, size_t n)
{
	struct cur c = { p, n, 0, false };
	return c;
}

static inline size_t cur_left(const struct cur *c)
{
	return c->err ? 0 : c->n - c->off;
}

static inline const uint8_t *get_bytes(struct cur *c, size_t len)
{
	const uint8_t *r;

	if (c->err || c->n - c->off < len) {
		c->err = true;
		return NULL;
	}
	r = c->p + c->off;
	c->off += len;
	return r;
}

static inline uint8_t get_u8(struct cur *c)
{
	const uint8_t *b = get_bytes(c, 1);
	return b ? b[0] : 0;
}

static inline uint16_t get_u16(struct cur *c)
{
	const uint8_t *b = get_bytes(c, 2);
	return b ? (uint16_t)(b[0] << 8 | b[1]) : 0;
}

static inline uint32_t get_u24(struct cur *c)
{
	const uint8_t *b = get_bytes(c, 3);
	return b ? (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2] : 0;
}

/* A sub-cursor over the next len bytes (an error in c if they are not there). */
static inline struct cur get_sub(struct cur *c, size_t len)
{
	const uint8_t *b = get_bytes(c, len);
	struct cur s = cur_make(b, b ? len : 0);

	s.err = !b;
	return s;
}

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
