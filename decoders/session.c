/* session.c — the session record: escaped wire strings, findings, and the end-of-session verdict. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "session.h"

void session_init(struct session *s)
{
	memset(s, 0, sizeof(*s));
	s->starttls_offered = -1;
	s->tls.alert_dir = -1;
}

void session_move(struct session *dst, struct session *src)
{
	*dst = *src;
	session_init(src);
}

static void free_str(char **p)
{
	free(*p);
	*p = NULL;
}

void session_free(struct session *s)
{
	free_str(&s->banner);
	free_str(&s->server_name);
	free_str(&s->helo);
	free_str(&s->auth_mechanism);
	free_str(&s->rcpt_domain);
	free_str(&s->policy_domain);
	free_str(&s->tunnel_host);
	free_str(&s->tls.sni);
	free_str(&s->tls.alpn);
	free_str(&s->tls.cert_subject);
	free_str(&s->tls.cert_issuer);
	free_str(&s->tls.cert_san);
	free(s->tls.dane);
	s->tls.dane = NULL;
	free(s->findings);
	s->findings = NULL;
	s->nfindings = 0;
}

size_t escape_bytes(char *out, size_t cap, const uint8_t *bytes, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (cap == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = bytes[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= cap)
				break;
			out[o++] = (char)c;
		} else if (c == '\\') {
			if (o + 2 >= cap)
				break;
			out[o++] = '\\';
			out[o++] = '\\';
		} else {
			if (o + 4 >= cap)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return o;
}

void session_set_str(char **dst, const uint8_t *bytes, size_t len)
{
	char buf[SESSION_STR_MAX];
	size_t n = escape_bytes(buf, sizeof(buf), bytes, len);
	char *copy = malloc(n + 1);

	if (!copy)
		return;		/* resource pressure: keep the old value */
	memcpy(copy, buf, n + 1);
	free(*dst);
	*dst = copy;
}

bool session_has_finding(const struct session *s, enum finding_kind k)
{
	for (unsigned i = 0; i < s->nfindings; i++)
		if (s->findings[i].kind == k)
			return true;
	return false;
}

bool session_add_finding(struct session *s, enum finding_kind k, uint64_t ts_us,
			 const char *fmt, ...)
{
	if ((unsigned)k >= FK__COUNT || session_has_finding(s, k))
		return false;
	if (!s->findings) {
		s->findings = calloc(FK__COUNT, sizeof(*s->findings));
		if (!s->findings)
			return false;
	}
	struct finding *f = &s->findings[s->nfindings++];
	va_list ap;

	f->kind = k;
	f->ts_us = ts_us;
	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
	va_end(ap);
	return true;
}

const char *transport_name(enum transport t)
{
	switch (t) {
	case TRANSPORT_PLAIN: return "plain";
	case TRANSPORT_STARTTLS: return "starttls";
	case TRANSPORT_IMPLICIT_TLS: return "implicit_tls";
	case TRANSPORT_TLS_FAILED: return "tls_failed";
	case TRANSPORT_UNKNOWN: return "unknown";
	}
	return "unknown";
}

const char *mail_proto_name(enum mail_proto p)
{
	switch (p) {
	case PROTO_SMTP: return "smtp";
	case PROTO_IMAP: return "imap";
	case PROTO_POP3: return "pop3";
	}
	return "smtp";
}

const char *tunnel_kind_name(enum tunnel_kind t)
{
	switch (t) {
	case TUNNEL_HTTP_CONNECT: return "http_connect";
	case TUNNEL_SOCKS4: return "socks4";
	case TUNNEL_SOCKS4A: return "socks4a";
	case TUNNEL_SOCKS5: return "socks5";
	case TUNNEL_NONE: break;
	}
	return NULL;
}

/* IPv4 as inet_ntop writes it, without its sprintf: the writer formats two addresses a session. */
static bool ip4_str(const uint8_t *a, char *buf, size_t cap)
{
	char tmp[16], *p = tmp;

	for (int i = 0; i < 4; i++) {
		unsigned v = a[i];
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
	if ((size_t)(p - tmp) > cap)
		return false;
	memcpy(buf, tmp, (size_t)(p - tmp));
	return true;
}

const char *ip_addr_str(const struct ip_addr *a, char *buf, size_t cap)
{
	if (a->family != 6 && ip4_str(a->a, buf, cap))
		return buf;
	if (!inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->a, buf, (socklen_t)cap))
		snprintf(buf, cap, "?");
	return buf;
}

/* Write v as n decimal digits at p (v < 10^n). */
static char *digits(char *p, unsigned v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

const char *ts_iso(uint64_t ts_us, char *buf, size_t cap)
{
	time_t secs = (time_t)(ts_us / 1000000);
	struct tm tm;

	if (!gmtime_r(&secs, &tm)) {
		snprintf(buf, cap, "1970-01-01T00:00:00.000Z");
		return buf;
	}
	unsigned year = (unsigned)tm.tm_year + 1900;
	if (cap < sizeof("2026-01-01T00:00:00.000Z") || tm.tm_year < -1900 || year > 9999) {
		snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (unsigned)(ts_us / 1000 % 1000));
		return buf;
	}
	/* The same text without printf: this runs several times for every stored session. */
	char *p = digits(buf, year, 4);
	*p++ = '-';
	p = digits(p, (unsigned)tm.tm_mon + 1, 2);
	*p++ = '-';
	p = digits(p, (unsigned)tm.tm_mday, 2);
	*p++ = 'T';
	p = digits(p, (unsigned)tm.tm_hour, 2);
	*p++ = ':';
	p = digits(p, (unsigned)tm.tm_min, 2);
	*p++ = ':';
	p = digits(p, (unsigned)tm.tm_sec, 2);
	*p++ = '.';
	p = digits(p, (unsigned)(ts_us / 1000 % 1000), 3);
	*p++ = 'Z';
	*p = '\0';
	return buf;
}
