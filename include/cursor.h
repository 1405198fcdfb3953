/* cursor.h — the bounds-checked read cursor with a sticky error flag that every binary decoder uses. */
#ifndef MAILTAP_CURSOR_H
#define MAILTAP_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

static inline uint32_t get_u32(struct cur *c)
{
	const uint8_t *b = get_bytes(c, 4);
	return b ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3] : 0;
}

/* Copy len bytes to dst (left untouched on error). */
static inline void get_copy(struct cur *c, uint8_t *dst, size_t len)
{
	const uint8_t *b = get_bytes(c, len);
	if (b)
		memcpy(dst, b, len);
}

static inline uint32_t get_u24(struct cur *c)
{
	const uint8_t *b = get_bytes(c, 3);
	return b ? (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2] : 0;
}

/* Skip len bytes. */
static inline void get_skip(struct cur *c, size_t len)
{
	(void)get_bytes(c, len);
}

/* A sub-cursor over the next len bytes (an error in c if they are not there). */
static inline struct cur get_sub(struct cur *c, size_t len)
{
	const uint8_t *b = get_bytes(c, len);
	struct cur s = cur_make(b, b ? len : 0);

	s.err = !b;
	return s;
}

#endif
