/* tunnel.c — proxy tunnel preambles (HTTP CONNECT, SOCKS4/4a, SOCKS5) before a tunnelled mail session. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "cursor.h"
#include "limits.h"
#include "tunnel.h"

/* Set to 1 at build time to trace state transitions on stderr (state names only, never bytes). */
#ifndef MAILTAP_TUNNEL_TRACE
#define MAILTAP_TUNNEL_TRACE 0
#endif

/* What the next bytes of a direction are. */
enum tun_state {
	T_HTTP_REQUEST,		/* client: "CONNECT authority HTTP/1.x" (RFC 9110 §9.3.6) */
	T_HTTP_REQ_HEADERS,	/* client: header lines up to the empty line (never looked at) */
	T_HTTP_STATUS,		/* proxy: "HTTP/1.x 3DIGIT reason" (RFC 9112 §4) */
	T_HTTP_RESP_HEADERS,	/* proxy: header lines up to the empty line */
	T_HTTP_BODY,		/* proxy: the body of a refusal, before the client retries */
	T_S4_REQUEST,		/* client: SOCKS4 CONNECT request (with SOCKS4a host name) */
	T_S4_REPLY,		/* proxy: 8-byte SOCKS4 reply */
	T_S5_GREETING,		/* client: RFC 1928 §3 version identifier / method selection */
	T_S5_NEXT,		/* client: RFC 1929 sub-negotiation (0x01) or the request (0x05) */
	T_S5_REQUEST,		/* client: RFC 1928 §4 request */
	T_S5_METHOD,		/* proxy: RFC 1928 §3 METHOD selection */
	T_S5_AUTH_REPLY,	/* proxy: RFC 1929 §2 status */
	T_S5_REPLY,		/* proxy: RFC 1928 §6 reply */
	T_DONE,			/* this direction's preamble is complete */
	T__COUNT
};

static const char *const state_names[T__COUNT] = {
	[T_HTTP_REQUEST] = "http_request", [T_HTTP_REQ_HEADERS] = "http_req_headers",
	[T_HTTP_STATUS] = "http_status", [T_HTTP_RESP_HEADERS] = "http_resp_headers",
	[T_HTTP_BODY] = "http_body", [T_S4_REQUEST] = "s4_request", [T_S4_REPLY] = "s4_reply",
	[T_S5_GREETING] = "s5_greeting", [T_S5_NEXT] = "s5_next", [T_S5_REQUEST] = "s5_request",
	[T_S5_METHOD] = "s5_method", [T_S5_AUTH_REPLY] = "s5_auth_reply",
	[T_S5_REPLY] = "s5_reply", [T_DONE] = "done",
};

/* The one place a direction's state changes. */
static void tun_enter(struct tunnel *t, enum dir d, enum tun_state next)
{
	if (MAILTAP_TUNNEL_TRACE && t->st[d] != (uint8_t)next)
		fprintf(stderr, "tunnel %p %s: %s -> %s\n", (void *)t, d == DIR_C2S ? "c" : "s",
			state_names[t->st[d]], state_names[next]);
	t->st[d] = (uint8_t)next;
}

/* A message parser's verdict on the bytes it was given. */
enum msg { M_MORE, M_OK, M_BAD, M_OPEN, M_REFUSED };

/* ---- sniffing ---- */

/* RFC 1928 §3: METHODS are 0x00..0x09 (IANA) or 0x80..0xFE (private); 0xFF is only a reply. */
static bool s5_method_ok(uint8_t m)
{
	return m <= 0x09 || (m >= 0x80 && m != 0xFF);
}

enum tunnel_kind tunnel_sniff(const uint8_t *p, size_t n)
{
	/* RFC 9110 §9.1: method names are case-sensitive. */
	if (n >= 8 && memcmp(p, "CONNECT ", 8) == 0)
		return TUNNEL_HTTP_CONNECT;
	/* SOCKS4: VN 4, CD 1 (CONNECT), DSTPORT, DSTIP, USERID, NUL; 4a: DSTIP 0.0.0.x, x != 0. */
	if (n >= 9 && p[0] == 4 && p[1] == 1 && (p[2] | p[3]))
		return p[4] == 0 && p[5] == 0 && p[6] == 0 && p[7] != 0 ? TUNNEL_SOCKS4A
									 : TUNNEL_SOCKS4;
	/* SOCKS5: VER 5, NMETHODS >= 1, the methods in full. */
	if (n >= 3 && p[0] == 5 && p[1] >= 1 && n >= 2u + p[1]) {
		for (size_t i = 0; i < p[1]; i++)
			if (!s5_method_ok(p[2 + i]))
				return TUNNEL_NONE;
		return TUNNEL_SOCKS5;
	}
	return TUNNEL_NONE;
}

/* ---- the target ---- */

static void set_target(struct tunnel *t, const uint8_t *host, size_t len, uint16_t port)
{
	session_set_str(&t->sess->tunnel_host, host, len);
	t->sess->tunnel_port = port;
	t->sess->tunnel = t->kind;
}

static void set_target_ip(struct tunnel *t, int family, const uint8_t *a, uint16_t port)
{
	char buf[64];

	if (!inet_ntop(family, a, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "?");
	set_target(t, (const uint8_t *)buf, strlen(buf), port);
}

/* ---- HTTP CONNECT (RFC 9110 §9.3.6, RFC 9112 §3 and §4) ---- */

static bool starts_with_ci(const uint8_t *p, size_t n, const char *word)
{
	size_t wl = strlen(word);

	if (n < wl)
		return false;
	for (size_t i = 0; i < wl; i++) {
		uint8_t c = p[i] >= 'A' && p[i] <= 'Z' ? (uint8_t)(p[i] + 32) : p[i];
		if (c != (uint8_t)word[i])
			return false;
	}
	return true;
}

/* RFC 3986 §3.2.3 port = *DIGIT, here 1..65535; -1 when not a port. */
static long parse_port(const uint8_t *p, size_t n)
{
	long v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v >= 1 && v <= 65535 ? v : -1;
}

/* RFC 9112 §3.2.3 authority-form: uri-host ":" port, an IPv6 literal in brackets. */
static bool http_authority(struct tunnel *t, const uint8_t *p, size_t n)
{
	const uint8_t *colon = NULL;
	const uint8_t *host = p;
	size_t hlen;

	for (size_t i = n; i > 0; i--)
		if (p[i - 1] == ':') {
			colon = p + i - 1;
			break;
		}
	if (!colon)
		return false;
	long port = parse_port(colon + 1, (size_t)(p + n - colon - 1));
	hlen = (size_t)(colon - p);
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host++;
		hlen -= 2;
	}
	if (port < 0 || hlen == 0)
		return false;
	set_target(t, host, hlen, (uint16_t)port);
	return true;
}

/* RFC 9112 §3: request-line = method SP request-target SP HTTP-version. */
static enum msg http_request_line(struct tunnel *t, const struct line *ln)
{
	const uint8_t *sp;

	if (ln->truncated || ln->len < 8 || memcmp(ln->p, "CONNECT ", 8) != 0)
		return M_BAD;
	const uint8_t *target = ln->p + 8;
	size_t rest = ln->len - 8;
	sp = memchr(target, ' ', rest);
	if (!sp || (size_t)(ln->p + ln->len - sp - 1) < 8 || memcmp(sp + 1, "HTTP/1.", 7) != 0)
		return M_BAD;
	if (!http_authority(t, target, (size_t)(sp - target)))
		return M_BAD;
	t->attempts++;
	t->lines[DIR_C2S] = 0;
	return M_OK;
}

/* RFC 9112 §4: status-line = HTTP-version SP status-code SP [reason-phrase]. */
static enum msg http_status_line(struct tunnel *t, const struct line *ln)
{
	const uint8_t *p = ln->p;

	if (ln->truncated || ln->len < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' ||
	    p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9' ||
	    (ln->len > 12 && p[12] != ' '))
		return M_BAD;
	t->code = (uint16_t)((p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0'));
	t->lines[DIR_S2C] = 0;
	t->body_left = UINT64_MAX;	/* no Content-Length (yet): the body is not delimited */
	t->close = false;
	return M_OK;
}

/* RFC 9110 §8.6 Content-Length, §7.6.1 Connection: only what a refusal needs; any other header
 * (Proxy-Authorization and Proxy-Authenticate among them) is skipped unseen. */
static void http_resp_header(struct tunnel *t, const struct line *ln)
{
	if (starts_with_ci(ln->p, ln->len, "content-length:")) {
		uint64_t v = 0;
		size_t i = 15;
		while (i < ln->len && (ln->p[i] == ' ' || ln->p[i] == '\t'))
			i++;
		size_t start = i;
		for (; i < ln->len && ln->p[i] >= '0' && ln->p[i] <= '9' && v < (1u << 30); i++)
			v = v * 10 + (uint64_t)(ln->p[i] - '0');
		if (i > start && v < (1u << 30))
			t->body_left = v;
	} else if (starts_with_ci(ln->p, ln->len, "connection:")) {
		for (size_t i = 11; i + 5 <= ln->len; i++)
			if (starts_with_ci(ln->p + i, ln->len - i, "close"))
				t->close = true;
	}
}

/* The proxy's reply ended (the empty line): 2xx opens the tunnel (RFC 9110 §9.3.6); 1xx is
 * interim; a 407 with a delimited body may be retried on the same connection; else refused. */
static enum msg http_reply_end(struct tunnel *t)
{
	if (t->code < 200) {
		tun_enter(t, DIR_S2C, T_HTTP_STATUS);
		return M_OK;
	}
	if (t->code < 300) {
		if (t->st[DIR_C2S] != T_DONE)
			return M_BAD;		/* a reply to a request not yet complete */
		tun_enter(t, DIR_S2C, T_DONE);
		return M_OPEN;
	}
	session_anomaly(t->sess, ANOM_TUNNEL_REFUSED);
	if (t->code != 407 || t->close || t->body_left == UINT64_MAX ||
	    t->attempts >= TUNNEL_HTTP_ATTEMPTS_MAX)
		return M_REFUSED;
	tun_enter(t, DIR_S2C, t->body_left ? T_HTTP_BODY : T_HTTP_STATUS);
	tun_enter(t, DIR_C2S, T_HTTP_REQUEST);
	return M_OK;
}

/* One line of either direction of an HTTP preamble. */
static enum msg http_line(struct tunnel *t, enum dir d, const struct line *ln)
{
	enum msg r;

	switch ((enum tun_state)t->st[d]) {
	case T_HTTP_REQUEST:
		if ((r = http_request_line(t, ln)) == M_OK)
			tun_enter(t, d, T_HTTP_REQ_HEADERS);
		return r;
	case T_HTTP_STATUS:
		if ((r = http_status_line(t, ln)) == M_OK)
			tun_enter(t, d, T_HTTP_RESP_HEADERS);
		return r;
	case T_HTTP_REQ_HEADERS:
	case T_HTTP_RESP_HEADERS:
		break;
	default:
		return M_BAD;
	}
	if (ln->len == 0 && !ln->truncated) {
		if (d == DIR_C2S) {
			tun_enter(t, d, T_DONE);
			return M_OK;
		}
		return http_reply_end(t);
	}
	if (++t->lines[d] > TUNNEL_HTTP_LINES_MAX)
		return M_BAD;
	if (d == DIR_S2C)
		http_resp_header(t, ln);
	return M_OK;
}

/* ---- SOCKS4 and SOCKS4a (the SOCKS 4 protocol and its 4A extension, by Ying-Da Lee) ---- */

/* A NUL-terminated field of at most 255 bytes; NULL (with *more) when the NUL is not there yet. */
static const uint8_t *s4_string(struct cur *c, size_t *len, bool *more)
{
	size_t avail = cur_left(c);
	const uint8_t *p = c->p + c->off;
	const uint8_t *nul = memchr(p, '\0', avail < 256 ? avail : 256);

	if (!nul) {
		*more = avail < 256;
		c->err = true;
		return NULL;
	}
	*len = (size_t)(nul - p);
	get_skip(c, *len + 1);
	return p;
}

/* VN 4, CD 1, DSTPORT, DSTIP, USERID NUL [HOST NUL]; the user id is skipped, never kept. */
static enum msg s4_request(struct tunnel *t, struct cur *c)
{
	uint8_t ip[4];
	size_t ulen, hlen = 0;
	bool more = false;
	const uint8_t *host = NULL;

	if (get_u8(c) != 4 || get_u8(c) != 1)
		return c->err ? M_MORE : M_BAD;
	uint16_t port = get_u16(c);
	get_copy(c, ip, 4);
	if (c->err)
		return M_MORE;
	(void)s4_string(c, &ulen, &more);
	if (!c->err && t->kind == TUNNEL_SOCKS4A)
		host = s4_string(c, &hlen, &more);
	if (c->err)
		return more ? M_MORE : M_BAD;
	if (port == 0 || (host && hlen == 0))
		return M_BAD;
	if (host)
		set_target(t, host, hlen, port);
	else
		set_target_ip(t, AF_INET, ip, port);
	return M_OK;
}

/* VN 0, CD 90 (granted) / 91..93 (rejected), DSTPORT, DSTIP. */
static enum msg s4_reply(struct tunnel *t, struct cur *c)
{
	uint8_t vn = get_u8(c), cd = get_u8(c);

	get_skip(c, 6);
	if (c->err)
		return M_MORE;
	if (vn != 0 || cd < 90 || cd > 93)
		return M_BAD;
	if (cd != 90)
		return M_REFUSED;
	return t->st[DIR_C2S] == T_DONE ? M_OPEN : M_BAD;
}

/* ---- SOCKS5 (RFC 1928, RFC 1929) ---- */

/* RFC 1928 §3: VER 5, NMETHODS, METHODS. */
static enum msg s5_greeting(struct cur *c)
{
	uint8_t ver = get_u8(c), nm = get_u8(c);
	const uint8_t *m = get_bytes(c, nm);

	if (c->err)
		return M_MORE;
	if (ver != 5 || nm == 0)
		return M_BAD;
	for (size_t i = 0; i < nm; i++)
		if (!s5_method_ok(m[i]))
			return M_BAD;
	return M_OK;
}

/* RFC 1929 §2: VER 1, ULEN, UNAME, PLEN, PASSWD. Both are skipped unseen: never copied, kept
 * or printed. */
static enum msg s5_userpass(struct cur *c)
{
	if (get_u8(c) != 1)
		return c->err ? M_MORE : M_BAD;
	get_skip(c, get_u8(c));
	get_skip(c, get_u8(c));
	return c->err ? M_MORE : M_OK;
}

/* RFC 1928 §5: ATYP 1 = 4 bytes, 3 = length-prefixed domain, 4 = 16 bytes; then the port.
 * With want_target, store it as the tunnel's target. */
static enum msg s5_address(struct tunnel *t, struct cur *c, bool want_target)
{
	uint8_t atyp = get_u8(c), a[16], dlen = 0;
	const uint8_t *name = NULL;

	if (atyp == 1)
		get_copy(c, a, 4);
	else if (atyp == 4)
		get_copy(c, a, 16);
	else if (atyp == 3)
		name = get_bytes(c, dlen = get_u8(c));
	else
		return c->err ? M_MORE : M_BAD;
	uint16_t port = get_u16(c);
	if (c->err)
		return M_MORE;
	if (!want_target)
		return M_OK;
	if (port == 0 || (atyp == 3 && dlen == 0))
		return M_BAD;
	if (atyp == 3)
		set_target(t, name, dlen, port);
	else
		set_target_ip(t, atyp == 1 ? AF_INET : AF_INET6, a, port);
	return M_OK;
}

/* RFC 1928 §4: VER 5, CMD 1 (CONNECT; BIND and UDP ASSOCIATE carry no stream to follow), RSV 0,
 * then the destination. */
static enum msg s5_request(struct tunnel *t, struct cur *c)
{
	uint8_t ver = get_u8(c), cmd = get_u8(c), rsv = get_u8(c);

	if (c->err)
		return M_MORE;
	if (ver != 5 || cmd != 1 || rsv != 0)
		return M_BAD;
	return s5_address(t, c, true);
}

/* RFC 1928 §3: VER 5, METHOD; 0x00 no authentication, 0x02 user/password (RFC 1929), 0xFF none
 * acceptable. Other methods encapsulate what follows: not followed. */
static enum msg s5_method(struct tunnel *t, struct cur *c)
{
	uint8_t ver = get_u8(c), m = get_u8(c);

	if (c->err)
		return M_MORE;
	if (ver != 5)
		return M_BAD;
	if (m == 0xFF)
		return M_REFUSED;
	if (m != 0x00 && m != 0x02)
		return M_BAD;
	t->method = m;
	return M_OK;
}

/* RFC 1929 §2: VER 1, STATUS 0 = success. */
static enum msg s5_auth_reply(struct cur *c)
{
	uint8_t ver = get_u8(c), status = get_u8(c);

	if (c->err)
		return M_MORE;
	if (ver != 1)
		return M_BAD;
	return status == 0 ? M_OK : M_REFUSED;
}

/* RFC 1928 §6: VER 5, REP (0 = succeeded), RSV, BND.ADDR, BND.PORT. */
static enum msg s5_reply(struct tunnel *t, struct cur *c)
{
	uint8_t ver = get_u8(c), rep = get_u8(c);

	get_skip(c, 1);
	if (c->err)
		return M_MORE;
	if (ver != 5)
		return M_BAD;
	enum msg r = s5_address(t, c, false);
	if (r != M_OK)
		return r;
	if (rep != 0)
		return M_REFUSED;
	return t->st[DIR_C2S] == T_DONE ? M_OPEN : M_BAD;
}

/* One whole binary message at the cursor, and the state it leads to. */
static enum msg binary_message(struct tunnel *t, enum dir d, struct cur *c)
{
	enum msg r;

	switch ((enum tun_state)t->st[d]) {
	case T_S4_REQUEST:
		if ((r = s4_request(t, c)) == M_OK)
			tun_enter(t, d, T_DONE);
		return r;
	case T_S4_REPLY:
		return s4_reply(t, c);
	case T_S5_GREETING:
		if ((r = s5_greeting(c)) == M_OK)
			tun_enter(t, d, T_S5_NEXT);
		return r;
	case T_S5_NEXT:
		if (cur_left(c) && c->p[c->off] == 1) {
			if ((r = s5_userpass(c)) == M_OK)
				tun_enter(t, d, T_S5_REQUEST);
		} else if ((r = s5_request(t, c)) == M_OK) {	/* no sub-negotiation */
			tun_enter(t, d, T_DONE);
		}
		return r;
	case T_S5_REQUEST:
		if ((r = s5_request(t, c)) == M_OK)
			tun_enter(t, d, T_DONE);
		return r;
	case T_S5_METHOD:
		if ((r = s5_method(t, c)) == M_OK)
			tun_enter(t, d, t->method == 0x02 ? T_S5_AUTH_REPLY : T_S5_REPLY);
		return r;
	case T_S5_AUTH_REPLY:
		if ((r = s5_auth_reply(c)) == M_OK)
			tun_enter(t, d, T_S5_REPLY);
		return r;
	case T_S5_REPLY:
		return s5_reply(t, c);
	default:
		return M_BAD;
	}
}

/* ---- the feed ---- */

void tunnel_init(struct tunnel *t, struct session *sess, enum tunnel_kind k)
{
	memset(t, 0, sizeof(*t));
	t->sess = sess;
	t->kind = (uint8_t)k;
	sess->tunnel = (uint8_t)k;	/* the target follows when the request is read */
	switch (k) {
	case TUNNEL_HTTP_CONNECT:
		t->st[DIR_C2S] = T_HTTP_REQUEST;
		t->st[DIR_S2C] = T_HTTP_STATUS;
		break;
	case TUNNEL_SOCKS4:
	case TUNNEL_SOCKS4A:
		t->st[DIR_C2S] = T_S4_REQUEST;
		t->st[DIR_S2C] = T_S4_REPLY;
		break;
	case TUNNEL_SOCKS5:
		t->st[DIR_C2S] = T_S5_GREETING;
		t->st[DIR_S2C] = T_S5_METHOD;
		break;
	case TUNNEL_NONE:
		t->st[DIR_C2S] = t->st[DIR_S2C] = T_DONE;
		break;
	}
}

bool tunnel_dir_done(const struct tunnel *t, enum dir d)
{
	return t->st[d] == T_DONE;
}

static struct tunnel_result result(size_t consumed, enum tunnel_status st)
{
	struct tunnel_result r = { consumed, st };
	return r;
}

/* Map a message verdict to the feed's status; M_OK and M_MORE go on. */
static struct tunnel_result verdict(struct tunnel *t, size_t off, enum msg m)
{
	switch (m) {
	case M_OPEN:
		tun_enter(t, DIR_S2C, T_DONE);
		return result(off, TUN_OPEN);
	case M_REFUSED:
		if (t->kind != TUNNEL_HTTP_CONNECT)	/* HTTP counted its own, retries included */
			session_anomaly(t->sess, ANOM_TUNNEL_REFUSED);
		return result(off, TUN_REFUSED);
	case M_BAD:
		session_anomaly(t->sess, ANOM_TUNNEL_BAD);
		return result(off, TUN_BAD);
	case M_OK:
	case M_MORE:
		break;
	}
	return result(off, TUN_MORE);
}

/* HTTP: skip the rest of a refusal's body before the proxy's next reply. */
static size_t skip_body(struct tunnel *t, size_t avail)
{
	size_t take = t->body_left < avail ? (size_t)t->body_left : avail;

	t->body_left -= take;
	if (t->body_left == 0)
		tun_enter(t, DIR_S2C, T_HTTP_STATUS);
	return take;
}

struct tunnel_result tunnel_feed(struct tunnel *t, enum dir d, const uint8_t *p, size_t n)
{
	size_t off = 0;

	while (off < n && t->st[d] != T_DONE) {
		enum msg m;
		if (t->st[d] == T_HTTP_BODY) {
			off += skip_body(t, n - off);
			continue;
		}
		if (t->kind == TUNNEL_HTTP_CONNECT) {
			struct line ln;
			size_t used;
			enum line_status ls = line_next(&t->lf[d], p + off, n - off, &ln, &used);
			if (ls == LINE_NONE)
				break;
			off += used;
			if (ls == LINE_SKIPPED)
				continue;
			m = http_line(t, d, &ln);
		} else {
			struct cur c = cur_make(p + off, n - off);
			m = binary_message(t, d, &c);
			if (m == M_MORE)
				break;
			off += c.off;
		}
		if (m != M_OK)
			return verdict(t, off, m);
	}
	return result(off, TUN_MORE);
}
