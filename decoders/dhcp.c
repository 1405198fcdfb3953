/* dhcp.c — pure, bounds-checked parser of one DHCP/BOOTP message (RFC 2131, options RFC 2132). */
#include <stdio.h>
#include <string.h>
#include "cursor.h"
#include "dhcp.h"
#include "session.h"

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

/* A cursor over p[0..n), in error from the start when p is NULL (an absent field). */
static inline struct cur dsub(const uint8_t *p, size_t n)
{
	struct cur c = cur_make(p, p ? n : 0);

	c.err = p == NULL;
	return c;
}

/* Escape wire bytes into dst like every stored wire string, after dropping the trailing NULs a
 * C-minded client puts at the end of a name. */
static void escape_into(char *dst, size_t cap, const uint8_t *s, size_t n)
{
	while (n > 0 && s[n - 1] == 0)
		n--;
	escape_bytes(dst, cap, s, n);
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
static enum dhcp_result walk_options(struct dhcp_facts *f, struct cur c, uint8_t *overload)
{
	while (!c.err && c.off < c.n) {
		uint8_t code = get_u8(&c), len;
		const uint8_t *v;
		enum dhcp_result r;

		if (code == OPT_END)
			return DHCP_OK;
		if (code == OPT_PAD)
			continue;
		len = get_u8(&c);
		v = get_bytes(&c, len);
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
	struct cur c = dsub(p, n);
	uint8_t htype, hlen, chaddr[BOOTP_CHADDR_LEN] = { 0 }, cookie[4] = { 0 }, overload = 0;
	const uint8_t *sname, *file;
	enum dhcp_result r;

	memset(f, 0, sizeof(*f));
	/* RFC 2131 §2, Figure 1: op htype hlen hops xid secs flags ciaddr yiaddr siaddr giaddr */
	f->op = get_u8(&c);
	htype = get_u8(&c);
	hlen = get_u8(&c);
	(void)get_u8(&c);			/* hops */
	f->xid = get_u32(&c);
	(void)get_bytes(&c, 4);		/* secs, flags */
	get_copy(&c, f->ciaddr, 4);
	get_copy(&c, f->yiaddr, 4);
	(void)get_bytes(&c, 8);		/* siaddr, giaddr */
	get_copy(&c, chaddr, BOOTP_CHADDR_LEN);
	sname = get_bytes(&c, BOOTP_SNAME_LEN);
	file = get_bytes(&c, BOOTP_FILE_LEN);
	get_copy(&c, cookie, sizeof(cookie));	/* RFC 2131 §3 */
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
