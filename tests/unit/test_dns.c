/* test_dns.c — the DNS response parser: built messages, every truncation, hostile names and counts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dns.h"
#include "check.h"

/* ---- guard-page buffer: input placed right against a PROT_NONE page ---- */

#define GUARD_CAP (16u * 1024)

static uint8_t *guard_base;

static const uint8_t *guard_place(const uint8_t *p, size_t n)
{
	return guard_put(guard_base, GUARD_CAP, p, n);
}

/* ---- message builder (RFC 1035 §4.1) ---- */

struct msg {
	uint8_t b[8192];
	size_t n;
};

static void u8(struct msg *m, unsigned v) { m->b[m->n++] = (uint8_t)v; }
static void u16(struct msg *m, unsigned v) { u8(m, v >> 8); u8(m, v & 0xff); }
static void u32(struct msg *m, uint32_t v) { u16(m, v >> 16); u16(m, v & 0xffff); }
static void raw(struct msg *m, const void *p, size_t n) { memcpy(m->b + m->n, p, n); m->n += n; }

/* A dotted name in wire form, uncompressed. */
static void name(struct msg *m, const char *s)
{
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		u8(m, (unsigned)l);
		raw(m, s, l);
		s += l + (dot ? 1 : 0);
	}
	u8(m, 0);
}

/* Labels of prefix, then a pointer to offset to (RFC 1035 §4.1.4). */
static void name_ptr(struct msg *m, const char *prefix, unsigned to)
{
	while (prefix && *prefix) {
		const char *dot = strchr(prefix, '.');
		size_t l = dot ? (size_t)(dot - prefix) : strlen(prefix);
		u8(m, (unsigned)l);
		raw(m, prefix, l);
		prefix += l + (dot ? 1 : 0);
	}
	u16(m, 0xc000 | to);
}

static void header(struct msg *m, unsigned flags, unsigned qd, unsigned an, unsigned ns, unsigned ar)
{
	m->n = 0;
	u16(m, 0x1234);
	u16(m, flags);
	u16(m, qd), u16(m, an), u16(m, ns), u16(m, ar);
}

/* Record header after the owner name; returns the offset of RDLENGTH to patch. */
static size_t rr(struct msg *m, unsigned type, uint32_t ttl)
{
	u16(m, type), u16(m, 1), u32(m, ttl);
	size_t at = m->n;
	u16(m, 0);
	return at;
}

static void rdlen_done(struct msg *m, size_t at)
{
	size_t l = m->n - at - 2;
	m->b[at] = (uint8_t)(l >> 8);
	m->b[at + 1] = (uint8_t)l;
}

enum { RESP = 0x8180, RESP_AD = 0x81a0 };

/* ---- facts as text ---- */

static const char *facts_text(const struct dns_facts *f, char *buf, size_t cap)
{
	size_t o = 0;
	char t[DNS_TLSA_TEXT_MAX], a[64];

	buf[0] = '\0';
	for (unsigned i = 0; i < f->n && o < cap; i++) {
		const struct dns_fact *x = &f->f[i];
		o += (size_t)snprintf(buf + o, cap - o, "%s %s %u ", dns_fact_type_name(x->type),
				      x->name, x->ttl);
		switch (x->type) {
		case DF_MX:
			o += (size_t)snprintf(buf + o, cap - o, "%u %s;", x->u.mx.pref, x->u.mx.host);
			break;
		case DF_ADDR:
			o += (size_t)snprintf(buf + o, cap - o, "%s;", ip_addr_str(&x->u.addr, a, sizeof(a)));
			break;
		case DF_STS:
		case DF_TLSRPT:
			o += (size_t)snprintf(buf + o, cap - o, "%s;", x->u.text);
			break;
		case DF_TLSA:
			o += (size_t)snprintf(buf + o, cap - o, "%s;", dns_tlsa_str(&x->u.tlsa, t, sizeof(t)));
			break;
		}
	}
	return buf;
}

static enum dns_result parse(const struct msg *m, struct dns_facts *f)
{
	return dns_parse(guard_place(m->b, m->n), m->n, f);
}

/* An MX answer for example.test, the exchange compressed against the question, with additional
 * A and AAAA records of the host (names compressed twice over). */
static void build_mx(struct msg *m, unsigned flags)
{
	header(m, flags, 1, 2, 0, 2);
	name(m, "Example.TEST");		/* offset 12 */
	u16(m, 15), u16(m, 1);
	u16(m, 0xc00c);				/* answer owner → question */
	size_t at = rr(m, 15, 3600);
	u16(m, 10);
	size_t mx_host = m->n;
	name_ptr(m, "mx", 12);			/* mx.example.test */
	rdlen_done(m, at);
	u16(m, 0xc00c);
	at = rr(m, 15, 3600);
	u16(m, 20);
	name_ptr(m, "mx2", 12);
	rdlen_done(m, at);
	u16(m, 0xc000 | (unsigned)mx_host);	/* additional owner → the exchange */
	at = rr(m, 1, 300);
	u8(m, 198), u8(m, 51), u8(m, 100), u8(m, 25);
	rdlen_done(m, at);
	u16(m, 0xc000 | (unsigned)mx_host);
	at = rr(m, 28, 300);
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x25 };
	raw(m, v6, 16);
	rdlen_done(m, at);
}

static void test_mx(void)
{
	struct msg m;
	struct dns_facts f;
	char buf[2048];

	build_mx(&m, RESP_AD);
	CHECK(parse(&m, &f) == DNS_OK);
	CHECK(f.ad);
	CHECK(strcmp(facts_text(&f, buf, sizeof(buf)),
		     "mx example.test 3600 10 mx.example.test;mx example.test 3600 20 mx2.example.test;"
		     "addr mx.example.test 300 198.51.100.25;addr mx.example.test 300 2001:db8::25;") == 0);
	if (failures)
		fprintf(stderr, "%s\n", buf);
	build_mx(&m, RESP);
	CHECK(parse(&m, &f) == DNS_OK && !f.ad && f.n == 4);

	/* Every truncation: never OK with more facts than the whole, never a read past the end. */
	build_mx(&m, RESP);
	for (size_t cut = 0; cut < m.n; cut++) {
		enum dns_result r = dns_parse(guard_place(m.b, cut), cut, &f);
		CHECK(r == DNS_TRUNCATED || r == DNS_BAD_COUNT);
		CHECK(f.n <= 4);
	}
	/* The same with TC set: what came before the cut stands (RFC 2181 §9). */
	build_mx(&m, RESP | 0x0200);
	size_t whole = m.n;
	for (size_t cut = 12; cut < whole; cut++) {
		enum dns_result r = dns_parse(guard_place(m.b, cut), cut, &f);
		CHECK(r == DNS_OK);
		CHECK(f.n < 4);
	}
}

static void test_ignored(void)
{
	struct msg m;
	struct dns_facts f;

	build_mx(&m, 0x0100);			/* a query */
	CHECK(parse(&m, &f) == DNS_IGNORED && f.n == 0);
	build_mx(&m, 0x8183);			/* NXDOMAIN */
	CHECK(parse(&m, &f) == DNS_IGNORED && f.n == 0);
	build_mx(&m, 0x8980);			/* opcode 1 (inverse query) */
	CHECK(parse(&m, &f) == DNS_IGNORED);
}

/* TXT strings (RFC 1035 §3.3.14) split like a long record would be. */
static void txt(struct msg *m, const char *owner, const char *const *parts, unsigned n)
{
	name(m, owner);
	size_t at = rr(m, 16, 86400);
	for (unsigned i = 0; i < n; i++) {
		u8(m, (unsigned)strlen(parts[i]));
		raw(m, parts[i], strlen(parts[i]));
	}
	rdlen_done(m, at);
}

static void test_txt(void)
{
	static const char *const sts[] = { "v=STSv1;; id=20261128T1000", "00;" };
	static const char *const rpt[] = { "v=TLSRPTv1;rua=mailto:tlsrpt@example.test" };
	static const char *const spf[] = { "v=spf1 -all" };
	static const char *const bad[] = { "v=STSv2; id=1" };
	static const char *const esc[] = { "v=STSv1; id=a\"b\x01" };
	struct msg m;
	struct dns_facts f;
	char buf[2048];

	header(&m, RESP, 0, 5, 0, 0);
	txt(&m, "_mta-sts.example.test", sts, 2);
	txt(&m, "_smtp._tls.Example.test", rpt, 1);
	txt(&m, "example.test", spf, 1);
	txt(&m, "_mta-sts.other.test", bad, 1);
	txt(&m, "_mta-sts.esc.test", esc, 1);
	CHECK(parse(&m, &f) == DNS_OK);
	CHECK(strcmp(facts_text(&f, buf, sizeof(buf)),
		     "sts example.test 86400 20261128T100000;"
		     "tlsrpt example.test 86400 mailto:tlsrpt@example.test;"
		     "sts esc.test 86400 a\"b\\x01;") == 0);
	if (failures)
		fprintf(stderr, "%s\n", buf);

	/* A character-string running past RDLENGTH. */
	header(&m, RESP, 0, 1, 0, 0);
	name(&m, "_mta-sts.example.test");
	size_t at = rr(&m, 16, 60);
	u8(&m, 40);
	raw(&m, "v=STSv1; id=1", 13);
	rdlen_done(&m, at);
	CHECK(parse(&m, &f) == DNS_BAD_RDATA && f.n == 0);
}

static void tlsa(struct msg *m, const char *owner, unsigned u, unsigned s, unsigned t,
		 const uint8_t *d, size_t n)
{
	name(m, owner);
	size_t at = rr(m, 52, 3600);
	u8(m, u), u8(m, s), u8(m, t);
	raw(m, d, n);
	rdlen_done(m, at);
}

static void test_tlsa(void)
{
	uint8_t d[64], full[300];
	struct msg m;
	struct dns_facts f;
	char buf[4096];

	for (int i = 0; i < 64; i++)
		d[i] = (uint8_t)i;
	memset(full, 0xab, sizeof(full));
	header(&m, RESP_AD, 0, 5, 0, 0);
	tlsa(&m, "_25._tcp.mx.example.test", 3, 1, 1, d, 32);
	tlsa(&m, "_25._tcp.mx.example.test", 2, 0, 2, d, 64);
	tlsa(&m, "_25._tcp.mx.example.test", 3, 0, 0, full, sizeof(full));
	tlsa(&m, "_443._tcp.www.example.test", 3, 1, 1, d, 32);	/* not SMTP */
	tlsa(&m, "_25._tcp.mx.example.test", 3, 1, 7, d, 5);	/* unknown matching type */
	CHECK(parse(&m, &f) == DNS_OK && f.ad && f.n == 3);
	facts_text(&f, buf, sizeof(buf));
	CHECK(strstr(buf, "tlsa mx.example.test 3600 3 1 1 000102030405060708090a0b0c0d0e0f"
			  "101112131415161718191a1b1c1d1e1f;") == buf);
	CHECK(f.f[1].u.tlsa.len == 64 && f.f[1].u.tlsa.usage == 2);
	CHECK(f.f[2].u.tlsa.hashed && f.f[2].u.tlsa.len == 32);
	CHECK(strstr(buf, "3 0 0 sha256:") != NULL);

	header(&m, RESP, 0, 1, 0, 0);
	tlsa(&m, "_25._tcp.mx.example.test", 3, 1, 1, d, 31);	/* SHA-256 of 31 bytes */
	CHECK(parse(&m, &f) == DNS_BAD_RDATA);
	header(&m, RESP, 0, 1, 0, 0);
	tlsa(&m, "_25._tcp.mx.example.test", 3, 1, 1, d, 0);
	m.n -= 3;	/* RDATA of 0 bytes: the three fields missing */
	m.b[m.n - 2] = 0, m.b[m.n - 1] = 0;
	CHECK(parse(&m, &f) == DNS_BAD_RDATA);
}

static void test_hostile(void)
{
	struct msg m;
	struct dns_facts f;

	/* A pointer to itself. */
	header(&m, RESP, 0, 1, 0, 0);
	u16(&m, 0xc00c);
	size_t at = rr(&m, 1, 60);
	u32(&m, 0x01020304);
	rdlen_done(&m, at);
	CHECK(parse(&m, &f) == DNS_BAD_POINTER && f.n == 0);

	/* A forward pointer (to the A record's own data). */
	header(&m, RESP, 0, 1, 0, 0);
	u16(&m, 0xc000 | 26);
	at = rr(&m, 1, 60);
	u32(&m, 0x01020304);
	rdlen_done(&m, at);
	CHECK(parse(&m, &f) == DNS_BAD_POINTER);

	/* A loop through labels: name at 12 is "a" + pointer back to 12. */
	header(&m, RESP, 0, 1, 0, 0);
	u8(&m, 1), u8(&m, 'a'), u16(&m, 0xc00c);
	at = rr(&m, 1, 60);
	u32(&m, 0x01020304);
	rdlen_done(&m, at);
	CHECK(parse(&m, &f) == DNS_BAD_POINTER);

	/* Two names pointing at each other, inside another record's RDATA; an A record's owner
	 * points at the first. */
	header(&m, RESP, 0, 2, 0, 0);
	u8(&m, 0);
	at = rr(&m, 99, 60);
	size_t first = m.n;
	u8(&m, 1), u8(&m, 'a'), u16(&m, 0xc000 | (unsigned)(first + 4));
	u8(&m, 1), u8(&m, 'b'), u16(&m, 0xc000 | (unsigned)first);
	rdlen_done(&m, at);
	u16(&m, 0xc000 | (unsigned)first);
	at = rr(&m, 1, 60);
	u32(&m, 0x01020304);
	rdlen_done(&m, at);
	CHECK(parse(&m, &f) == DNS_BAD_POINTER);

	/* A chain of more than DNS_PTR_HOPS_MAX pointers, each strictly backwards: the chain sits in
	 * the RDATA of a record of another type, an MX exchange points at its last link. */
	header(&m, RESP, 0, 2, 0, 0);
	name(&m, "x");			/* 12..14 */
	at = rr(&m, 99, 60);
	size_t prev = 12;
	for (int i = 0; i < DNS_PTR_HOPS_MAX + 2; i++) {
		size_t here = m.n;
		u16(&m, 0xc000 | (unsigned)prev);
		prev = here;
	}
	rdlen_done(&m, at);
	name(&m, "example.test");
	at = rr(&m, 15, 60);
	u16(&m, 10);
	u16(&m, 0xc000 | (unsigned)prev);
	rdlen_done(&m, at);
	CHECK(parse(&m, &f) == DNS_BAD_POINTER);

	/* Reserved label type 01. */
	header(&m, RESP, 0, 1, 0, 0);
	u8(&m, 0x41), u8(&m, 'a'), u8(&m, 0);
	at = rr(&m, 1, 60);
	u32(&m, 0x01020304);
	rdlen_done(&m, at);
	CHECK(parse(&m, &f) == DNS_BAD_LABEL);

	/* A name over 255 octets (five labels of 63). */
	header(&m, RESP, 0, 1, 0, 0);
	for (int i = 0; i < 5; i++) {
		u8(&m, 63);
		for (int j = 0; j < 63; j++)
			u8(&m, 'a');
	}
	u8(&m, 0);
	at = rr(&m, 1, 60);
	u32(&m, 0x01020304);
	rdlen_done(&m, at);
	CHECK(parse(&m, &f) == DNS_BAD_LABEL);

	/* Huge counts in a short message. */
	header(&m, RESP, 1, 65535, 65535, 65535);
	name(&m, "example.test");
	u16(&m, 1), u16(&m, 1);
	CHECK(parse(&m, &f) == DNS_BAD_COUNT);

	/* An A record of 5 bytes. */
	header(&m, RESP, 0, 1, 0, 0);
	name(&m, "mx.example.test");
	at = rr(&m, 1, 60);
	u32(&m, 0x01020304), u8(&m, 5);
	rdlen_done(&m, at);
	CHECK(parse(&m, &f) == DNS_BAD_RDATA);

	/* An MX whose exchange runs past its RDLENGTH. */
	header(&m, RESP, 0, 1, 0, 0);
	name(&m, "example.test");
	at = rr(&m, 15, 60);
	u16(&m, 10);
	name(&m, "mx.example.test");
	rdlen_done(&m, at);
	m.b[at + 1] -= 3;
	CHECK(parse(&m, &f) == DNS_BAD_RDATA);

	/* A TTL with the top bit set reads as 0; a null MX gives no host. */
	header(&m, RESP, 0, 2, 0, 0);
	name(&m, "mx.example.test");
	at = rr(&m, 1, 0x80000001u);
	u32(&m, 0xc6336419);
	rdlen_done(&m, at);
	name(&m, "null.test");
	at = rr(&m, 15, 60);
	u16(&m, 0), u8(&m, 0);
	rdlen_done(&m, at);
	CHECK(parse(&m, &f) == DNS_OK && f.n == 1 && f.f[0].ttl == 0);

	/* NULL input. */
	CHECK(dns_parse(NULL, 0, &f) == DNS_TRUNCATED);
}

static void test_many(void)
{
	struct msg m;
	struct dns_facts f;

	header(&m, RESP, 0, DNS_FACTS_MAX + 4, 0, 0);
	for (unsigned i = 0; i < DNS_FACTS_MAX + 4; i++) {
		name(&m, "mx.example.test");
		size_t at = rr(&m, 1, 60);
		u32(&m, 0xc6336400 + i);
		rdlen_done(&m, at);
	}
	CHECK(parse(&m, &f) == DNS_OK && f.n == DNS_FACTS_MAX && f.dropped == 4);

	/* More records than DNS_RR_WALK_MAX: the rest is not read. */
	header(&m, RESP, 0, DNS_RR_WALK_MAX + 10, 0, 0);
	for (unsigned i = 0; i < DNS_RR_WALK_MAX + 10; i++) {
		u16(&m, 0xc000 | 12);
		size_t at = rr(&m, 99, 60);	/* an uninteresting type */
		rdlen_done(&m, at);
	}
	CHECK(parse(&m, &f) == DNS_OK && f.n == 0);
}

int main(void)
{
	guard_base = guard_alloc(GUARD_CAP);
	test_mx();
	test_ignored();
	test_txt();
	test_tlsa();
	test_hostile();
	test_many();
	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	else
		printf("unit_dns: ok\n");
	return failures != 0;
}
