/* test_tunnel.c — proxy tunnel preambles: literal dialogues fed whole, bytewise and split at every offset. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "tunnel.h"

struct step {
	enum dir d;
	const char *p;
	size_t n;
};
#define C(s) { DIR_C2S, s, sizeof(s) - 1 }
#define S(s) { DIR_S2C, s, sizeof(s) - 1 }
#define NSTEPS(a) (sizeof(a) / sizeof((a)[0]))

struct tcase {
	const char *name;
	const struct step *steps;
	size_t nsteps;
	const char *secret;	/* must appear nowhere in the session */
	const char *expect;
};

/* ---- guard page: input placed right against a PROT_NONE page ---- */

#define GUARD_CAP (64u * 1024)
static uint8_t *guard_base;

/* ---- reassembly emulation: unconsumed bytes are fed again with more appended ---- */

struct run {
	struct session s;
	struct tunnel t;
	uint8_t pend[2][4096];
	size_t plen[2];
	enum tunnel_status final;
	bool decided;
};

static void feed(struct run *r, enum dir d)
{
	if (r->decided || r->plen[d] == 0)
		return;
	const uint8_t *p = guard_put(guard_base, GUARD_CAP, r->pend[d], r->plen[d]);
	struct tunnel_result tr = tunnel_feed(&r->t, d, p, r->plen[d]);
	CHECK(tr.consumed <= r->plen[d]);
	memmove(r->pend[d], r->pend[d] + tr.consumed, r->plen[d] - tr.consumed);
	r->plen[d] -= tr.consumed;
	if (tr.status != TUN_MORE) {
		r->final = tr.status;
		r->decided = true;
	}
}

static void push(struct run *r, enum dir d, const char *p, size_t n)
{
	memcpy(r->pend[d] + r->plen[d], p, n);
	r->plen[d] += n;
	feed(r, d);
}

static const char *status_name(enum tunnel_status st)
{
	switch (st) {
	case TUN_MORE: return "more";
	case TUN_OPEN: return "open";
	case TUN_REFUSED: return "refused";
	case TUN_BAD: return "bad";
	}
	return "?";
}

/* chunk 0: each step whole; else each step in pieces of chunk bytes, the first cut at `first`. */
static void run_case(const struct tcase *tc, size_t chunk, size_t first, char *out, size_t cap)
{
	struct run *r = calloc(1, sizeof(*r));

	session_init(&r->s);
	const struct step *s0 = &tc->steps[0];
	tunnel_init(&r->t, &r->s, tunnel_sniff((const uint8_t *)s0->p, s0->n));
	for (size_t i = 0; i < tc->nsteps; i++) {
		const struct step *st = &tc->steps[i];
		size_t off = 0;
		while (off < st->n) {
			size_t take = chunk == 0 ? st->n - off : off == 0 && first ? first : chunk;
			if (take > st->n - off)
				take = st->n - off;
			push(r, st->d, st->p + off, take);
			off += take;
		}
	}
	snprintf(out, cap, "%s %s %s:%u rest c=%zu s=%zu refused=%u bad=%u",
		 status_name(r->final), tunnel_kind_name((enum tunnel_kind)r->s.tunnel) ?
		 tunnel_kind_name((enum tunnel_kind)r->s.tunnel) : "none",
		 r->s.tunnel_host ? r->s.tunnel_host : "-", r->s.tunnel_port,
		 r->final == TUN_OPEN ? r->plen[DIR_C2S] : 0,	/* the tunnel's bytes */
		 r->final == TUN_OPEN ? r->plen[DIR_S2C] : 0, r->s.anomaly[ANOM_TUNNEL_REFUSED], r->s.anomaly[ANOM_TUNNEL_BAD]);
	if (tc->secret && r->s.tunnel_host && strstr(r->s.tunnel_host, tc->secret))
		snprintf(out, cap, "secret leaked");
	session_free(&r->s);
	free(r);
}

/* ---- dialogues ---- */

static const struct step http_ok[] = {
	C("CONNECT mx.example.test:25 HTTP/1.1\r\nHost: mx.example.test:25\r\n"
	  "Proxy-Authorization: Basic cHJveHl1c2VyOlByMHh5LVNlY3JldA==\r\n\r\n"),
	S("HTTP/1.1 200 Connection established\r\nVia: 1.1 proxy\r\n\r\n220 mx ESMTP\r\n"),
};
static const struct step http_407[] = {
	C("CONNECT [2001:db8::25]:587 HTTP/1.1\r\n\r\n"),
	S("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 5\r\n\r\nabcde"),
	C("CONNECT [2001:db8::25]:587 HTTP/1.1\r\nProxy-Authorization: Basic eDp5\r\n\r\n"),
	S("HTTP/1.0 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\n"),
};
static const struct step http_403[] = {
	C("CONNECT mx.example.test:25 HTTP/1.1\r\n\r\n"),
	S("HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
};
static const struct step http_bad[] = {
	C("CONNECT mx.example.test HTTP/1.1\r\n\r\n"),	/* no port: not authority-form */
};
static const struct step s5_noauth[] = {
	C("\x05\x01\x00"), S("\x05\x00"),
	C("\x05\x01\x00\x03\x11mail.example.test\x02\x4b"),
	S("\x05\x00\x00\x01\xc6\x33\x64\x50\x9c\x41" "220 x\r\n"),
};
static const struct step s5_pipelined[] = {	/* greeting, request at once; IPv6 target */
	C("\x05\x01\x00\x05\x01\x00\x04\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x25\x00\x19"),
	S("\x05\x00\x05\x00\x00\x04\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01\x9c\x41"),
};
static const struct step s5_userpass[] = {
	C("\x05\x02\x00\x02"), S("\x05\x02"), C("\x01\x08sockuser\x0cS0cks-Secret"), S("\x01\x00"),
	C("\x05\x01\x00\x01\xc6\x33\x64\x19\x00\x19"), S("\x05\x00\x00\x01\0\0\0\0\0\0"),
	C("EHLO x\r\n"),
};
static const struct step s5_authfail[] = {
	C("\x05\x01\x02"), S("\x05\x02"), C("\x01\x01u\x01p"), S("\x01\x01"),
};
static const struct step s5_refused[] = {
	C("\x05\x01\x00"), S("\x05\x00"), C("\x05\x01\x00\x01\xc6\x33\x64\x19\x00\x19"),
	S("\x05\x05\x00\x01\0\0\0\0\0\0"),
};
static const struct step s5_nomethod[] = {
	C("\x05\x01\x02"), S("\x05\xff"),
};
static const struct step s5_bind[] = {	/* BIND carries no stream to follow */
	C("\x05\x01\x00"), S("\x05\x00"), C("\x05\x02\x00\x01\xc6\x33\x64\x19\x00\x19"),
};
static const struct step s4_ok[] = {
	C("\x04\x01\x00\x19\xc6\x33\x64\x19scanner\x00"), S("\x00\x5a\0\0\0\0\0\0" "220 x\r\n"),
};
static const struct step s4a_ok[] = {
	C("\x04\x01\x02\x4b\x00\x00\x00\x07\x00mail.example.test\x00"), S("\x00\x5a\0\0\0\0\0\0"),
};
static const struct step s4_rejected[] = {
	C("\x04\x01\x00\x19\xc6\x33\x64\x19\x00"), S("\x00\x5b\0\0\0\0\0\0"),
};
static const struct step early_reply[] = {	/* a success before the request is complete */
	C("\x05\x01\x00"), S("\x05\x00"), C("\x05\x01\x00\x03"),
	S("\x05\x00\x00\x01\0\0\0\0\0\0"),
};

static const struct tcase cases[] = {
	{ "http 200", http_ok, NSTEPS(http_ok), "Pr0xy",
	  "open http_connect mx.example.test:25 rest c=0 s=14 refused=0 bad=0" },
	{ "http 407 then 200", http_407, NSTEPS(http_407), NULL,
	  "open http_connect 2001:db8::25:587 rest c=0 s=0 refused=1 bad=0" },
	{ "http 403", http_403, NSTEPS(http_403), NULL,
	  "refused http_connect mx.example.test:25 rest c=0 s=0 refused=1 bad=0" },
	{ "http no port", http_bad, NSTEPS(http_bad), NULL,
	  "bad http_connect -:0 rest c=0 s=0 refused=0 bad=1" },
	{ "socks5 no auth", s5_noauth, NSTEPS(s5_noauth), NULL,
	  "open socks5 mail.example.test:587 rest c=0 s=7 refused=0 bad=0" },
	{ "socks5 pipelined ipv6", s5_pipelined, NSTEPS(s5_pipelined), NULL,
	  "open socks5 2001:db8::25:25 rest c=0 s=0 refused=0 bad=0" },
	{ "socks5 user/pass", s5_userpass, NSTEPS(s5_userpass), "S0cks",
	  "open socks5 198.51.100.25:25 rest c=8 s=0 refused=0 bad=0" },
	{ "socks5 auth failed", s5_authfail, NSTEPS(s5_authfail), NULL,
	  "refused socks5 -:0 rest c=0 s=0 refused=1 bad=0" },
	{ "socks5 refused", s5_refused, NSTEPS(s5_refused), NULL,
	  "refused socks5 198.51.100.25:25 rest c=0 s=0 refused=1 bad=0" },
	{ "socks5 no method", s5_nomethod, NSTEPS(s5_nomethod), NULL,
	  "refused socks5 -:0 rest c=0 s=0 refused=1 bad=0" },
	{ "socks5 bind", s5_bind, NSTEPS(s5_bind), NULL,
	  "bad socks5 -:0 rest c=0 s=0 refused=0 bad=1" },
	{ "socks4", s4_ok, NSTEPS(s4_ok), "scanner",
	  "open socks4 198.51.100.25:25 rest c=0 s=7 refused=0 bad=0" },
	{ "socks4a", s4a_ok, NSTEPS(s4a_ok), NULL,
	  "open socks4a mail.example.test:587 rest c=0 s=0 refused=0 bad=0" },
	{ "socks4 rejected", s4_rejected, NSTEPS(s4_rejected), NULL,
	  "refused socks4 198.51.100.25:25 rest c=0 s=0 refused=1 bad=0" },
	{ "reply before request", early_reply, NSTEPS(early_reply), NULL,
	  "bad socks5 -:0 rest c=0 s=0 refused=0 bad=1" },
};

static void test_sniff(void)
{
	CHECK(tunnel_sniff((const uint8_t *)"CONNECT a:1 HTTP/1.1", 20) == TUNNEL_HTTP_CONNECT);
	CHECK(tunnel_sniff((const uint8_t *)"connect a:1 HTTP/1.1", 20) == TUNNEL_NONE);
	CHECK(tunnel_sniff((const uint8_t *)"EHLO printer\r\n", 14) == TUNNEL_NONE);
	CHECK(tunnel_sniff((const uint8_t *)"\x05\x01\x00", 3) == TUNNEL_SOCKS5);
	CHECK(tunnel_sniff((const uint8_t *)"\x05\x02\x00", 3) == TUNNEL_NONE);	/* methods cut */
	CHECK(tunnel_sniff((const uint8_t *)"\x05\x01\xff", 3) == TUNNEL_NONE);
	CHECK(tunnel_sniff((const uint8_t *)"\x04\x01\x00\x19\x01\x02\x03\x04\x00", 9) ==
	      TUNNEL_SOCKS4);
	CHECK(tunnel_sniff((const uint8_t *)"\x04\x01\x00\x19\x00\x00\x00\x01\x00", 9) ==
	      TUNNEL_SOCKS4A);
	CHECK(tunnel_sniff((const uint8_t *)"\x16\x03\x01\x00\x10\x01", 6) == TUNNEL_NONE);
	CHECK(tunnel_sniff((const uint8_t *)"", 0) == TUNNEL_NONE);
}

int main(void)
{
	char whole[256], got[256];
	unsigned runs = 0;

	guard_base = guard_alloc(GUARD_CAP);
	test_sniff();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *tc = &cases[i];
		size_t longest = 0;
		run_case(tc, 0, 0, whole, sizeof(whole));
		runs++;
		if (strcmp(whole, tc->expect) != 0) {
			fprintf(stderr, "FAIL %s (whole)\n  expected: %s\n  got:      %s\n", tc->name,
				tc->expect, whole);
			failures++;
			continue;
		}
		for (size_t k = 0; k < tc->nsteps; k++)
			if (tc->steps[k].n > longest)
				longest = tc->steps[k].n;
		run_case(tc, 1, 0, got, sizeof(got));	/* bytewise */
		runs++;
		if (strcmp(got, whole) != 0) {
			fprintf(stderr, "FAIL %s (bytewise): %s\n", tc->name, got);
			failures++;
		}
		for (size_t cut = 1; cut < longest; cut++) {	/* every split of each step */
			run_case(tc, longest, cut, got, sizeof(got));
			runs++;
			if (strcmp(got, whole) != 0) {
				fprintf(stderr, "FAIL %s (split at %zu): %s\n", tc->name, cut, got);
				failures++;
			}
		}
	}
	printf("%s: %d failure(s), %zu dialogues in %u runs (whole, bytewise, every split)\n",
	       failures ? "FAIL" : "ok", failures, sizeof(cases) / sizeof(cases[0]), runs);
	return failures != 0;
}
