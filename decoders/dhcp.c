/* dhcp.c — pure, bounds-checked parser of one DHCP/BOOTP message (RFC 2131, options RFC 2132). */
#include <stdio.h>
#include <string.h>
#include "dhcp.h"

/* RFC 2131 §2: fixed BOOTP fields before the options. */
enum {
	BOOTP_CHADDR_LEN = 16,
	BOOTP_SNAME_LEN = 64,
	BOOTP_FILE_LEN = 128,
	BOOTP_HTYPE_ETHER = 1,		/* RFC 1700 hardware type */
	BOOTP_OP_REQUEST = 1,
	BOOTP_OP_REPLY = 2
};

/* RFC 2132 option codes used here. */
enum {
	OPT_PAD = 0,
	OPT_HOST_NAME = 12,		/* §3.14 */
	OPT_REQUESTED_IP = 50,		/* §9.1 */
	OPT_OVERLOAD = 52,		/* §9.3 */
	OPT_MSG_TYPE = 53,		/* §9.6 */
	OPT_PRL = 55,			/* §9.8 */
	OPT_VENDOR_CLASS = 60,		/* §9.13 */
	OPT_END = 255
};

/* RFC 2131 §3: 99.130.83.99 starts the options field. */
static const uint8_t magic_cookie[4] = { 99, 130, 83, 99 };

/* A bounds-checked cursor with a sticky error flag: a read past the end yields NULL or zero and
 * sets err; every later read fails too, so the caller checks err once. */
struct dcur {
	const uint8_t *p;
	size_t n, off;
	bool err;
};

static inline const uint8_t *dget_bytes(struct dcur *c, size_t len)
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

static inline uint8_t dget_u8(struct dcur *c)
{
	const uint8_t *b = dget_bytes(c, 1);

	return b ? b[0] : 0;
}

static inline uint32_t dget_u32(struct dcur *c)
{
	const uint8_t *b = dget_bytes(c, 4);

	return b ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3] : 0;
}

static inline void dget_copy(struct dcur *c, uint8_t *dst, size_t len)
{
	const uint8_t *b = dget_bytes(c, len);

	if (b)
		memcpy(dst, b, len);
}

static inline struct dcur dsub(const uint8_t *p, size_t n)
{
	struct dcur c = { p, n, 0, p == NULL };

	return c;
}

/* Escape wire bytes into dst (cap >= 1): printable ASCII kept, backslash doubled, any other byte
 * as \xNN; a trailing NUL of a C-minded client is dropped; cut at a whole escape. */
static void escape_into(char *dst, size_t cap, const uint8_t *s, size_t n)
{
	size_t o = 0;

	while (n > 0 && s[n - 1] == 0)
		n--;
	for (size_t i = 0; i < n; i++) {
		char tmp[5];
		int w = s[i] == '\\' ? snprintf(tmp, sizeof(tmp), "\\\\")
			: (s[i] >= 0x20 && s[i] < 0x7f) ? snprintf(tmp, sizeof(tmp), "%c", s[i])
			: snprintf(tmp, sizeof(tmp), "\\x%02x", s[i]);
		if (o + (size_t)w >= cap)
			break;
		memcpy(dst + o, tmp, (size_t)w);
		o += (size_t)w;
	}
	dst[o] = '\0';
}

/* RFC 2132 §9.8: the parameter request list as decimal codes, comma-separated, cut to fit. */
static void prl_text(char *dst, size_t cap, const uint8_t *s, size_t n)
{
	size_t o = 0;

	dst[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char tmp[8];
		int w = snprintf(tmp, sizeof(tmp), "%s%u", i ? "," : "", s[i]);
		if (o + (size_t)w >= cap)
			break;
		memcpy(dst + o, tmp, (size_t)w + 1);
		o += (size_t)w;
	}
}

/* One option's value into f. Returns DHCP_OK or DHCP_BAD_OPTION for an impossible length. */
static enum dhcp_result take_option(struct dhcp_facts *f, uint8_t code, const uint8_t *v,
				    uint8_t len, uint8_t *overload)
{
	switch (code) {
	case OPT_MSG_TYPE:		/* RFC 2132 §9.6: exactly 1 byte */
		if (len != 1)
			return DHCP_BAD_OPTION;
		f->msg_type = v[0];
		break;
	case OPT_REQUESTED_IP:		/* §9.1: exactly 4 bytes */
		if (len != 4)
			return DHCP_BAD_OPTION;
		memcpy(f->requested_ip, v, 4);
		f->has_requested_ip = true;
		break;
	case OPT_OVERLOAD:		/* §9.3: 1 byte, 1..3 */
		if (len != 1 || v[0] < 1 || v[0] > 3)
			return DHCP_BAD_OPTION;
		*overload = v[0];
		break;
	case OPT_HOST_NAME:		/* §3.14: at least 1 byte */
		escape_into(f->host_name, sizeof(f->host_name), v, len);
		break;
	case OPT_VENDOR_CLASS:		/* §9.13: at least 1 byte */
		escape_into(f->vendor_class, sizeof(f->vendor_class), v, len);
		break;
	case OPT_PRL:			/* §9.8: at least 1 byte */
		prl_text(f->prl, sizeof(f->prl), v, len);
		break;
	default:
		break;
	}
	return DHCP_OK;
}

/* Walk one options area (RFC 2132 §2: code, length, value; pad and end are single bytes).
 * Running out of bytes at an option boundary ends the area like an end option. */
static enum dhcp_result walk_options(struct dhcp_facts *f, struct dcur c, uint8_t *overload)
{
	while (!c.err && c.off < c.n) {
		uint8_t code = dget_u8(&c), len;
		const uint8_t *v;
		enum dhcp_result r;

		if (code == OPT_END)
			return DHCP_OK;
		if (code == OPT_PAD)
			continue;
		len = dget_u8(&c);
		v = dget_bytes(&c, len);
		if (c.err)
			return DHCP_TRUNCATED;
		r = take_option(f, code, v, len, overload);
		if (r != DHCP_OK)
			return r;
	}
	return c.err ? DHCP_TRUNCATED : DHCP_OK;
}

enum dhcp_result dhcp_parse(const uint8_t *p, size_t n, struct dhcp_facts *f)
{
	struct dcur c = dsub(p, n);
	uint8_t htype, hlen, chaddr[BOOTP_CHADDR_LEN] = { 0 }, cookie[4] = { 0 }, overload = 0;
	const uint8_t *sname, *file;
	enum dhcp_result r;

	memset(f, 0, sizeof(*f));
	/* RFC 2131 §2, Figure 1: op htype hlen hops xid secs flags ciaddr yiaddr siaddr giaddr */
	f->op = dget_u8(&c);
	htype = dget_u8(&c);
	hlen = dget_u8(&c);
	(void)dget_u8(&c);			/* hops */
	f->xid = dget_u32(&c);
	(void)dget_bytes(&c, 4);		/* secs, flags */
	dget_copy(&c, f->ciaddr, 4);
	dget_copy(&c, f->yiaddr, 4);
	(void)dget_bytes(&c, 8);		/* siaddr, giaddr */
	dget_copy(&c, chaddr, BOOTP_CHADDR_LEN);
	sname = dget_bytes(&c, BOOTP_SNAME_LEN);
	file = dget_bytes(&c, BOOTP_FILE_LEN);
	dget_copy(&c, cookie, sizeof(cookie));	/* RFC 2131 §3 */
	if (c.err)
		return DHCP_TRUNCATED;
	if ((f->op != BOOTP_OP_REQUEST && f->op != BOOTP_OP_REPLY) ||
	    memcmp(cookie, magic_cookie, sizeof(cookie)) != 0)
		return DHCP_NOT_DHCP;
	if (htype == BOOTP_HTYPE_ETHER && hlen == 6) {
		memcpy(f->chaddr, chaddr, 6);
		f->has_chaddr = true;
	}
	r = walk_options(f, dsub(p + c.off, n - c.off), &overload);
	/* RFC 2131 §4.1: with option 52, file and then sname carry more options. */
	if (r == DHCP_OK && (overload & 1))
		r = walk_options(f, dsub(file, BOOTP_FILE_LEN), &overload);
	if (r == DHCP_OK && (overload & 2))
		r = walk_options(f, dsub(sname, BOOTP_SNAME_LEN), &overload);
	return r;
}
