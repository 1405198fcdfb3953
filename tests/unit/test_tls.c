/* test_tls.c — the TLS decoder on real recorded handshakes (whole, bytewise, every cut) and crafted bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "tls.h"
#include "tls_names.h"
#include "x509.h"

#ifndef TLS_FIXTURE_DIR
#error "TLS_FIXTURE_DIR must name tests/unit/data/tls"
#endif

static int failures;

#define CHECK(cond) check((cond), #cond, __FILE__, __LINE__)

static bool check(bool ok, const char *what, const char *file, int line)
{
	if (!ok) {
		fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what);
		failures++;
	}
	return ok;
}

static void check_str(const char *got, const char *want, const char *ctx)
{
	if (!got || strcmp(got, want) != 0) {
		fprintf(stderr, "%s: got \"%s\", want \"%s\"\n", ctx, got ? got : "(null)", want);
		failures++;
	}
}

/* ---- guard page: input placed right before a PROT_NONE page, so any over-read faults ---------- */

static uint8_t *guard_base;
static size_t guard_size;

static void guard_init(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	guard_size = (REASM_PENDING_MAX + 64 * 1024 + page - 1) / page * page;
	guard_base = mmap(NULL, guard_size + page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard_base == MAP_FAILED || mprotect(guard_base + guard_size, page, PROT_NONE) != 0) {
		perror("guard page");
		exit(2);
	}
}

static const uint8_t *guarded(const uint8_t *p, size_t n)
{
	uint8_t *dst = guard_base + guard_size - n;

	if (n > guard_size)
		abort();
	memcpy(dst, p, n);
	return dst;
}

/* ---- fixtures: kind(1) ts_us(8 BE) len(4 BE) bytes — see tests/tools/pcap-chunks.py ----------- */

struct chunk {
	char kind;		/* 'C', 'S', 'F' (FIN), 'R' (RST) */
	uint64_t ts;
	size_t len;
	uint8_t *data;
};

struct fixture {
	const char *name;
	struct chunk c[64];
	size_t n;
	size_t total;		/* payload bytes */
};

static uint64_t be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void load(struct fixture *f, const char *name)
{
	char path[512];
	FILE *fp;
	uint8_t hdr[13];

	memset(f, 0, sizeof(*f));
	f->name = name;
	snprintf(path, sizeof(path), "%s/%s.chunks", TLS_FIXTURE_DIR, name);
	fp = fopen(path, "rb");
	if (!fp) {
		perror(path);
		exit(2);
	}
	while (fread(hdr, 1, sizeof(hdr), fp) == sizeof(hdr) && f->n < 64) {
		struct chunk *c = &f->c[f->n++];
		c->kind = (char)hdr[0];
		c->ts = be(hdr + 1, 8);
		c->len = (size_t)be(hdr + 9, 4);
		c->data = malloc(c->len ? c->len : 1);
		if (!c->data || fread(c->data, 1, c->len, fp) != c->len) {
			fprintf(stderr, "%s: short file\n", path);
			exit(2);
		}
		f->total += c->len;
	}
	fclose(fp);
}

static void unload(struct fixture *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->c[i].data);
}

/* ---- replay: the reassembly contract (unconsumed bytes come back with more appended) ---------- */

struct replay {
	struct session sess;
	struct tls tls;
	uint8_t pending[2][REASM_PENDING_MAX + 65536];
	size_t plen[2];
	bool done, not_tls;
};

/* Feed bytes of direction d in pieces of at most step bytes. */
static void feed(struct replay *r, enum dir d, const uint8_t *p, size_t n, size_t step, uint64_t ts)
{
	while (n > 0 && !r->done) {
		size_t k = n < step ? n : step;
		struct feed_result res;

		memcpy(r->pending[d] + r->plen[d], p, k);
		r->plen[d] += k;
		p += k;
		n -= k;
		res = tls_feed(&r->tls, d, guarded(r->pending[d], r->plen[d]), r->plen[d], ts);
		CHECK(res.consumed <= r->plen[d]);
		if (res.status == FEED_NOT_TLS) {
			CHECK(res.consumed == 0);
			r->not_tls = true;
			r->done = true;
			return;
		}
		memmove(r->pending[d], r->pending[d] + res.consumed, r->plen[d] - res.consumed);
		r->plen[d] -= res.consumed;
		CHECK(r->plen[d] <= REASM_PENDING_MAX);
		if (res.status == FEED_DONE)
			r->done = true;
	}
}

/* Replay a fixture: at most `limit` payload bytes, pieces of `step`; then the flow ends. */
static void replay(struct replay *r, const struct fixture *f, const char *server_name,
		   size_t limit, size_t step)
{
	enum session_end end = END_SHUTDOWN;
	uint64_t ts = 0;

	session_init(&r->sess);
	if (server_name)
		session_set_str(&r->sess.server_name, (const uint8_t *)server_name,
				strlen(server_name));
	tls_init(&r->tls, &r->sess, false);
	r->plen[0] = r->plen[1] = 0;
	r->done = r->not_tls = false;
	for (size_t i = 0; i < f->n && limit > 0; i++) {
		const struct chunk *c = &f->c[i];
		size_t k = c->len < limit ? c->len : limit;

		ts = c->ts;
		if (c->kind == 'F' || c->kind == 'R') {
			end = c->kind == 'F' ? END_FIN : END_RST;
			break;
		}
		feed(r, c->kind == 'C' ? DIR_C2S : DIR_S2C, c->data, k, step, c->ts);
		limit -= k;
	}
	if (limit == 0)
		end = END_FIN;
	tls_finish(&r->tls, end, ts);
}

static void replay_free(struct replay *r)
{
	tls_free(&r->tls);
	session_free(&r->sess);
}

/* Findings as sorted "kind: detail" lines. */
static char *findings_text(const struct session *s)
{
	static char buf[4096];
	size_t o = 0;

	buf[0] = '\0';
	for (int k = 0; k < FK__COUNT; k++)
		for (unsigned i = 0; i < s->nfindings; i++)
			if ((int)s->findings[i].kind == k)
				o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s: %s\n",
						      finding_kind_name(s->findings[i].kind),
						      s->findings[i].detail);
	return buf;
}

static bool is_hex32(const char *s)
{
	if (strlen(s) != 32)
		return false;
	for (int i = 0; i < 32; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return false;
	return true;
}

/* ---- expectations per recorded handshake ------------------------------------------------------- */

struct expect {
	const char *fixture;
	const char *server_name;	/* the greeting name known to the session, or NULL */
	enum tls_state state;
	uint16_t version;
	const char *sni;		/* NULL: none expected */
	const char *subject;		/* NULL: certificate not present */
	const char *issuer;
	const char *not_before, *not_after;	/* NULL: not checked (made on the day) */
	const char *absent;		/* cert_absent_reason when subject is NULL */
	const char *findings;		/* exact sorted text */
	const char *fail;		/* substring of fail_reason, or NULL */
};

/* openssl ca orders the DN by its policy (CN, O); RFC 2253 prints it last RDN first. */
#define LEAF "O=Mailtap Test,CN=mail.example.test"
#define TESTCA "CN=Mailtap Test CA,O=Mailtap Test"
#define HOST "mail.example.test"

static const struct expect expects[] = {
	{ "tls12_good", NULL, TLS_COMPLETED, 0x0303, HOST, LEAF, TESTCA, NULL, NULL, NULL, "", NULL },
	{ "tls13_good", NULL, TLS_COMPLETED, 0x0304, HOST, NULL, NULL, NULL, NULL,
	  "tls1.3 encrypted", "", NULL },
	{ "tls10_weak", NULL, TLS_COMPLETED, 0x0301, HOST, LEAF, TESTCA, NULL, NULL, NULL,
	  "tls_weak_version: TLSv1.0 negotiated\n", NULL },
	{ "tls12_anon", NULL, TLS_COMPLETED, 0x0303, HOST, NULL, NULL, NULL, NULL, "not seen",
	  "tls_weak_cipher: TLS_DH_anon_WITH_AES_128_GCM_SHA256 negotiated\n", NULL },
	{ "self_signed", NULL, TLS_COMPLETED, 0x0303, HOST, "CN=mail.example.test",
	  "CN=mail.example.test", NULL, NULL, NULL,
	  "tls_cert_self_signed: self-signed CN=mail.example.test\n", NULL },
	{ "expired", NULL, TLS_COMPLETED, 0x0303, HOST, LEAF, TESTCA, "2020-01-01T00:00:00.000Z",
	  "2021-01-01T00:00:00.000Z", NULL,
	  "tls_cert_expired: expired 2021-01-01T00:00:00.000Z\n", NULL },
	{ "othername", NULL, TLS_COMPLETED, 0x0303, HOST, "O=Mailtap Test,CN=other.example.test",
	  TESTCA, NULL, NULL, NULL,
	  "tls_cert_name_mismatch: SNI mail.example.test not in certificate "
	  "(DNS:other.example.test)\n", NULL },
	{ "weak1024", NULL, TLS_COMPLETED, 0x0303, HOST, LEAF, TESTCA, NULL, NULL, NULL,
	  "tls_cert_weak: RSA 1024-bit key\n", NULL },
	{ "y2060", NULL, TLS_COMPLETED, 0x0303, HOST, LEAF, TESTCA, NULL,
	  "2060-01-01T12:00:00.000Z", NULL, "", NULL },
	/* Without SNI the greeting name is judged; no name at all, no judgement. */
	{ "tls12_no_sni", NULL, TLS_COMPLETED, 0x0303, NULL, LEAF, TESTCA, NULL, NULL, NULL, "", NULL },
	{ "tls12_no_sni", HOST, TLS_COMPLETED, 0x0303, NULL, LEAF, TESTCA, NULL, NULL, NULL, "", NULL },
	{ "tls12_no_sni", "mx.elsewhere.test", TLS_COMPLETED, 0x0303, NULL, LEAF, TESTCA, NULL, NULL,
	  NULL, "tls_cert_name_mismatch: greeting name mx.elsewhere.test not in certificate "
	  "(DNS:mail.example.test)\n", NULL },
	/* The client rejects the unknown CA with a plaintext alert (TLS 1.2 and, in OpenSSL, 1.3). */
	{ "tls12_unknown_ca", NULL, TLS_FAILED, 0x0303, HOST, LEAF, TESTCA, NULL, NULL, NULL, "",
	  "alert fatal unknown_ca from client" },
	{ "tls13_unknown_ca", NULL, TLS_FAILED, 0x0304, HOST, NULL, NULL, NULL, NULL,
	  "tls1.3 encrypted", "", "alert fatal unknown_ca from client" },
	{ "tls12_resumed", NULL, TLS_COMPLETED, 0x0303, HOST, NULL, NULL, NULL, NULL, "resumed", "",
	  NULL },
	/* HelloRetryRequest, dummy ChangeCipherSpecs on both sides, second ClientHello. */
	{ "tls13_hrr", NULL, TLS_COMPLETED, 0x0304, HOST, NULL, NULL, NULL, NULL, "tls1.3 encrypted",
	  "", NULL },
};

static struct replay R1, R2;

static void check_expect(const struct expect *e, const struct fixture *f)
{
	struct tls_info *ti = &R1.sess.tls;
	char ctx[128];

	snprintf(ctx, sizeof(ctx), "%s (greeting %s)", e->fixture, e->server_name ? e->server_name : "-");
	replay(&R1, f, e->server_name, SIZE_MAX, SIZE_MAX);
	if (!CHECK(ti->state == e->state))
		fprintf(stderr, "  %s: state %d reason \"%s\" stage \"%s\"\n", ctx, ti->state,
			ti->fail_reason, ti->fail_stage);
	CHECK(R1.done);
	CHECK(ti->version == e->version);
	CHECK(ti->cipher != 0 && tls_cipher_name(ti->cipher) != NULL);
	CHECK(ti->client_version == 0x0303 || ti->client_version == 0x0301);
	if (e->sni)
		check_str(ti->sni, e->sni, ctx);
	else
		CHECK(ti->sni == NULL);
	CHECK(is_hex32(ti->ja3));
	CHECK(is_hex32(ti->ja3s));
	if (e->subject) {
		CHECK(ti->cert_present);
		check_str(ti->cert_subject, e->subject, ctx);
		check_str(ti->cert_issuer, e->issuer, ctx);
		CHECK(ti->cert_chain_len >= 1);
		CHECK(strlen(ti->cert_sha256) == 64);
		CHECK(strlen(ti->cert_not_after) == 24 && ti->cert_not_after[23] == 'Z');
		check_str(ti->cert_key_type, "RSA", ctx);
		if (e->not_before)
			check_str(ti->cert_not_before, e->not_before, ctx);
		if (e->not_after)
			check_str(ti->cert_not_after, e->not_after, ctx);
	} else {
		CHECK(!ti->cert_present);
		check_str(ti->cert_absent_reason, e->absent, ctx);
	}
	check_str(findings_text(&R1.sess), e->findings, ctx);
	if (e->fail)
		CHECK(strstr(ti->fail_reason, e->fail) != NULL);
	if (e->state == TLS_FAILED)
		CHECK(ti->fail_stage[0] != '\0');

	/* Bytewise feeding must decide exactly the same. */
	replay(&R2, f, e->server_name, SIZE_MAX, 1);
	CHECK(R2.sess.tls.state == ti->state);
	CHECK(strcmp(R2.sess.tls.ja3, ti->ja3) == 0);
	CHECK(strcmp(R2.sess.tls.ja3s, ti->ja3s) == 0);
	CHECK(strcmp(R2.sess.tls.fail_reason, ti->fail_reason) == 0);
	CHECK(strcmp(findings_text(&R2.sess), e->findings) == 0);
	replay_free(&R2);
	replay_free(&R1);
}

static void test_fixtures(void)
{
	for (size_t i = 0; i < sizeof(expects) / sizeof(expects[0]); i++) {
		struct fixture f;
		load(&f, expects[i].fixture);
		check_expect(&expects[i], &f);
		unload(&f);
	}
}

/* Details that only some handshakes show. */
static void test_fixture_details(void)
{
	struct fixture f;
	char ja3_a[33];

	load(&f, "tls12_good");
	replay(&R1, &f, NULL, SIZE_MAX, SIZE_MAX);
	check_str(R1.sess.tls.alpn, "smtp,h2", "tls12_good alpn");
	check_str(R1.sess.tls.cert_san, "DNS:mail.example.test", "tls12_good san");
	check_str(R1.sess.tls.cert_sig_alg, "sha256WithRSAEncryption", "tls12_good sig");
	CHECK(R1.sess.tls.cert_key_bits == 2048);
	CHECK(R1.sess.tls.cert_chain_len == 2);
	CHECK(!R1.sess.tls.resumed);
	CHECK(R1.sess.tls.server_key_exchange);
	CHECK(R1.sess.tls.alert_dir == -1);
	replay_free(&R1);
	unload(&f);

	/* The same client options give the same JA3 on different connections. */
	load(&f, "expired");
	replay(&R1, &f, NULL, SIZE_MAX, SIZE_MAX);
	memcpy(ja3_a, R1.sess.tls.ja3, sizeof(ja3_a));
	replay_free(&R1);
	unload(&f);
	load(&f, "othername");
	replay(&R1, &f, NULL, SIZE_MAX, SIZE_MAX);
	CHECK(strcmp(ja3_a, R1.sess.tls.ja3) == 0);
	replay_free(&R1);
	unload(&f);

	load(&f, "tls12_unknown_ca");
	replay(&R1, &f, NULL, SIZE_MAX, SIZE_MAX);
	CHECK(R1.sess.tls.alert_level == 2);
	CHECK(R1.sess.tls.alert_desc == 48);
	CHECK(R1.sess.tls.alert_dir == DIR_C2S);
	check_str(R1.sess.tls.fail_stage, "certificate", "tls12_unknown_ca stage");
	replay_free(&R1);
	unload(&f);

	load(&f, "tls13_hrr");
	replay(&R1, &f, NULL, SIZE_MAX, SIZE_MAX);
	CHECK(R1.tls.hrr);
	CHECK(R1.sess.anomaly[ANOM_TLS_UNEXPECTED] == 0);
	replay_free(&R1);
	unload(&f);

	load(&f, "tls12_resumed");
	replay(&R1, &f, NULL, SIZE_MAX, SIZE_MAX);
	CHECK(R1.sess.tls.resumed);
	replay_free(&R1);
	unload(&f);
}

/* Every cut of every recorded flow: never a crash or over-read, pending stays bounded, and an
 * undecided flow ending in a FIN is failed with a stage and a reason. */
static void test_every_cut(void)
{
	static const char *const names[] = {
		"tls12_good", "tls13_good", "tls10_weak", "tls12_anon", "self_signed", "expired",
		"othername", "weak1024", "y2060", "tls12_no_sni", "tls12_unknown_ca",
		"tls13_unknown_ca", "tls12_resumed", "tls13_hrr"
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct fixture f;
		load(&f, names[i]);
		for (size_t cut = 0; cut < f.total; cut++) {
			struct tls_info *ti = &R1.sess.tls;
			replay(&R1, &f, NULL, cut, cut % 7 + 1);
			if (cut < 3)	/* too few bytes to tell TLS */
				CHECK(ti->state == TLS_NONE);
			else if (!CHECK(ti->state == TLS_FAILED || ti->state == TLS_COMPLETED))
				fprintf(stderr, "  %s cut %zu: state %d\n", names[i], cut, ti->state);
			if (ti->state == TLS_FAILED)
				CHECK(ti->fail_reason[0] && ti->fail_stage[0]);
			CHECK(R1.sess.anomaly[ANOM_TLS_BAD_HANDSHAKE] == 0);
			replay_free(&R1);
		}
		unload(&f);
	}
}

/* ---- crafted bytes ---------------------------------------------------------------------------- */

static void start(struct replay *r)
{
	session_init(&r->sess);
	tls_init(&r->tls, &r->sess, true);
	r->plen[0] = r->plen[1] = 0;
	r->done = r->not_tls = false;
}

static void feed_all(struct replay *r, enum dir d, const void *p, size_t n)
{
	feed(r, d, p, n, SIZE_MAX, 1000000);
}

/* A hand-built ClientHello with GREASE everywhere; JA3 compared with MD5 of the string that the
 * Salesforce definition gives for it. */
static const uint8_t crafted_hello[] = {
	0x16, 0x03, 0x01, 0x00, 0x63,				/* record: handshake, 95+4 bytes */
	0x01, 0x00, 0x00, 0x5f,					/* ClientHello, 95 bytes */
	0x03, 0x03,						/* legacy_version 771 */
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,	/* random */
	0x00,							/* session_id: empty */
	0x00, 0x06, 0x0a, 0x0a, 0x13, 0x01, 0xc0, 0x2f,	/* suites: GREASE, 4865, 49199 */
	0x01, 0x00,						/* compression: null */
	0x00, 0x30,						/* extensions: 48 bytes */
	0x1a, 0x1a, 0x00, 0x00,					/* GREASE extension, empty */
	0x00, 0x00, 0x00, 0x0b, 0x00, 0x09, 0x00, 0x00, 0x06,
	'a', '.', 't', 'e', 's', 't',				/* server_name a.test */
	0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x2a, 0x2a, 0x00, 0x1d, 0x00, 0x17,	/* groups */
	0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,			/* ec_point_formats: 0 */
	0x00, 0x10, 0x00, 0x07, 0x00, 0x05, 0x04, 's', 'm', 't', 'p',	/* ALPN smtp */
};

static void md5_hex(const char *s, char out[33])
{
	unsigned char md[16];
	unsigned int len = 0;

	EVP_Digest(s, strlen(s), md, &len, EVP_md5(), NULL);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void test_ja3_definition(void)
{
	char want[33];

	start(&R1);
	feed_all(&R1, DIR_C2S, crafted_hello, sizeof(crafted_hello));
	md5_hex("771,4865-49199,0-10-11-16,29-23,0", want);
	check_str(R1.sess.tls.ja3, want, "crafted ja3");
	check_str(R1.sess.tls.sni, "a.test", "crafted sni");
	check_str(R1.sess.tls.alpn, "smtp", "crafted alpn");
	CHECK(R1.sess.tls.state == TLS_STARTED);
	CHECK(R1.sess.tls.client_version == 0x0303);
	CHECK(!R1.done);
	replay_free(&R1);
}

static void test_not_tls(void)
{
	static const char *const plain[] = { "220 mail.example.test ESMTP\r\n", "MAIL FROM:<a@b>\r\n",
					     "\x16\x04\x01", "EHLO x\r\n" };
	struct feed_result res;

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		for (int d = 0; d < 2; d++) {
			start(&R1);
			res = tls_feed(&R1.tls, (enum dir)d, guarded((const uint8_t *)plain[i],
				       strlen(plain[i])), strlen(plain[i]), 1);
			CHECK(res.status == FEED_NOT_TLS && res.consumed == 0);
			CHECK(R1.sess.tls.state == TLS_NONE);
			replay_free(&R1);
		}
	}
	/* Too few bytes to decide: need more, nothing consumed. */
	start(&R1);
	res = tls_feed(&R1.tls, DIR_C2S, guarded((const uint8_t *)"\x16\x03", 2), 2, 1);
	CHECK(res.status == FEED_MORE && res.consumed == 0 && R1.sess.tls.state == TLS_NONE);
	res = tls_feed(&R1.tls, DIR_C2S, guarded((const uint8_t *)"\x80", 1), 1, 1);
	CHECK(res.status == FEED_MORE && res.consumed == 0);
	res = tls_feed(&R1.tls, DIR_C2S, guarded((const uint8_t *)"", 0), 0, 1);
	CHECK(res.status == FEED_MORE && res.consumed == 0);
	replay_free(&R1);
}

static void test_garbage_after_first_record(void)
{
	start(&R1);
	feed_all(&R1, DIR_C2S, crafted_hello, sizeof(crafted_hello));
	feed_all(&R1, DIR_S2C, "\x16\x03\x03\x00\x00", 5);	/* an empty (odd but framed) record */
	feed_all(&R1, DIR_S2C, "250 OK\r\n", 8);
	CHECK(R1.done);
	CHECK(R1.sess.tls.state == TLS_FAILED);
	check_str(R1.sess.tls.fail_reason, "non-TLS bytes from server", "garbage");
	check_str(R1.sess.tls.fail_stage, "client_hello", "garbage stage");
	CHECK(R1.sess.anomaly[ANOM_TLS_BAD_RECORD] == 1);
	replay_free(&R1);

	/* A record announcing more than the largest legal record is hostile. */
	start(&R1);
	feed_all(&R1, DIR_C2S, crafted_hello, sizeof(crafted_hello));
	feed_all(&R1, DIR_C2S, "\x17\x03\x03\x48\x01", 5);
	CHECK(R1.sess.tls.state == TLS_FAILED);
	check_str(R1.sess.tls.fail_reason, "oversized record from client", "oversized");
	replay_free(&R1);
}

/* A handshake message over TLS_HS_MSG_MAX is skipped and counted; the certificate is not visible. */
static void test_hs_too_large(void)
{
	uint8_t rec[5 + 16384];
	size_t left = 4 + 0x20000;	/* Certificate claiming 128 KiB */

	start(&R1);
	feed_all(&R1, DIR_C2S, crafted_hello, sizeof(crafted_hello));
	memset(rec, 0, sizeof(rec));
	while (left > 0 && !R1.done) {
		size_t k = left < 16384 ? left : 16384;
		rec[0] = 0x16, rec[1] = 3, rec[2] = 3, rec[3] = (uint8_t)(k >> 8), rec[4] = (uint8_t)k;
		if (left == 4 + 0x20000) {
			rec[5] = 11, rec[6] = 0x02, rec[7] = 0, rec[8] = 0;
		} else {
			memset(rec + 5, 0, 4);
		}
		feed_all(&R1, DIR_S2C, rec, 5 + k);
		left -= k;
	}
	feed_all(&R1, DIR_S2C, "\x15\x03\x03\x00\x02\x02\x28", 7);	/* then a plaintext alert */
	CHECK(R1.sess.anomaly[ANOM_TLS_HS_TOO_LARGE] == 1);
	CHECK(R1.sess.anomaly[ANOM_TLS_BAD_HANDSHAKE] == 0);
	CHECK(R1.sess.tls.state == TLS_FAILED);
	check_str(R1.sess.tls.fail_reason, "alert fatal handshake_failure from server", "too large");
	check_str(R1.sess.tls.cert_absent_reason, "too large", "too large reason");
	replay_free(&R1);
}

static void test_sslv2_hello(void)
{
	static const uint8_t v2[] = {
		0x80, 0x1f, 0x01, 0x00, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00, 0x10,
		0x01, 0x00, 0x80, 0x00, 0x00, 0x2f,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
	};
	char want[33];

	start(&R1);
	for (size_t cut = 1; cut < sizeof(v2); cut++) {	/* every prefix: need more */
		struct feed_result res = tls_feed(&R1.tls, DIR_C2S, guarded(v2, cut), cut, 1);
		CHECK(res.status == FEED_MORE && res.consumed == 0);
		CHECK(R1.sess.tls.state == TLS_NONE);
	}
	feed_all(&R1, DIR_C2S, v2, sizeof(v2));
	CHECK(R1.sess.tls.state == TLS_STARTED);
	CHECK(R1.sess.tls.client_version == 0x0002);
	md5_hex("2,47,,,", want);
	check_str(R1.sess.tls.ja3, want, "sslv2 ja3");
	CHECK(R1.plen[DIR_C2S] == 0);
	replay_free(&R1);
}

/* TLS 1.3: an alert-sized first encrypted client record followed by the end of the flow fails the
 * handshake; followed by another client record it was not an alert. Built from the recorded
 * tls13_good flights: the client's CCS + Finished are replaced by a 19-byte record. */
static void test_tls13_encrypted_alert(void)
{
	uint8_t alert[5 + 19] = { 0x17, 0x03, 0x03, 0x00, 19 };
	struct fixture f;

	load(&f, "tls13_good");
	CHECK(f.n > 2 && f.c[0].kind == 'C' && f.c[1].kind == 'S');
	for (int more = 0; more < 2; more++) {
		start(&R1);
		feed_all(&R1, DIR_C2S, f.c[0].data, f.c[0].len);
		feed_all(&R1, DIR_S2C, f.c[1].data, f.c[1].len);
		feed_all(&R1, DIR_C2S, "\x14\x03\x03\x00\x01\x01", 6);
		feed_all(&R1, DIR_C2S, alert, sizeof(alert));
		CHECK(!R1.done && R1.sess.tls.state == TLS_STARTED);
		if (more)
			feed_all(&R1, DIR_C2S, alert, sizeof(alert));
		tls_finish(&R1.tls, END_FIN, 2000000);
		if (more) {
			CHECK(R1.sess.tls.state == TLS_COMPLETED);
		} else {
			CHECK(R1.sess.tls.state == TLS_FAILED);
			check_str(R1.sess.tls.fail_reason,
				  "encrypted alert from client, likely certificate rejected", "tls13 alert");
			check_str(R1.sess.tls.fail_stage, "certificate", "tls13 alert stage");
		}
		replay_free(&R1);
	}
	unload(&f);
}

static void test_gap_and_timeout(void)
{
	struct fixture f;

	load(&f, "tls12_good");
	start(&R1);
	feed_all(&R1, DIR_C2S, f.c[0].data, f.c[0].len);
	tls_gap(&R1.tls, DIR_S2C, 1);
	tls_finish(&R1.tls, END_FIN, 2);
	CHECK(R1.sess.anomaly[ANOM_STREAM_GAP] == 1);
	CHECK(R1.sess.tls.state == TLS_STARTED);	/* not called failed: nothing proves it */
	check_str(R1.sess.tls.fail_reason, "capture gap from server", "gap");
	replay_free(&R1);

	start(&R1);
	feed(&R1, DIR_C2S, f.c[0].data, f.c[0].len, SIZE_MAX, 1000000);
	feed(&R1, DIR_S2C, f.c[1].data, f.c[1].len, SIZE_MAX,
	     1000000 + (uint64_t)(TLS_HANDSHAKE_TIMEOUT_S + 1) * 1000000);
	CHECK(R1.sess.tls.state == TLS_FAILED);
	check_str(R1.sess.tls.fail_reason, "timeout", "timeout");
	replay_free(&R1);

	start(&R1);
	feed_all(&R1, DIR_C2S, f.c[0].data, f.c[0].len);
	feed_all(&R1, DIR_S2C, f.c[1].data, f.c[1].len);
	tls_finish(&R1.tls, END_RST, 2000000);
	CHECK(R1.sess.tls.state == TLS_FAILED);
	check_str(R1.sess.tls.fail_reason, "connection reset", "rst");
	check_str(R1.sess.tls.fail_stage, "certificate", "rst stage");
	replay_free(&R1);
	unload(&f);
}

static void test_names(void)
{
	check_str(tls_version_name(0x0301), "TLSv1.0", "version");
	check_str(tls_version_name(0x0304), "TLSv1.3", "version");
	CHECK(tls_version_name(0x0305) == NULL);
	check_str(tls_cipher_name(0x1301), "TLS_AES_128_GCM_SHA256", "suite");
	check_str(tls_cipher_name(0xC030), "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "suite");
	CHECK(tls_cipher_name(0xFFFE) == NULL);
	CHECK(tls_cipher_is_weak(0x000A));	/* 3DES */
	CHECK(tls_cipher_is_weak(0x0005));	/* RC4 */
	CHECK(tls_cipher_is_weak(0x0000));	/* NULL */
	CHECK(tls_cipher_is_weak(0x0003));	/* EXPORT */
	CHECK(tls_cipher_is_weak(0x0009));	/* DES */
	CHECK(tls_cipher_is_weak(0xC018));	/* anon */
	CHECK(!tls_cipher_is_weak(0xC02F));
	CHECK(!tls_cipher_is_weak(0x1303));
	CHECK(!tls_cipher_is_weak(0xFFFE));	/* unknown: not weak */
	check_str(tls_alert_name(48), "unknown_ca", "alert");
	check_str(tls_alert_name(40), "handshake_failure", "alert");
	check_str(tls_alert_name(116), "certificate_required", "alert");
	CHECK(tls_alert_name(200) == NULL);
}

/* ---- certificates built here with libcrypto: what the recorded handshakes cannot show --------- */

#define BASE_S 1800000000L	/* 2027-01-15T08:00:00Z: "now" for these certificates */

/* A DER certificate; issuer NULL means self-issued (subject == issuer). Caller frees. */
static uint8_t *make_cert(EVP_PKEY *key, const char *cn, const char *issuer, const char *san,
			  const EVP_MD *md, long nb, long na, int *len)
{
	X509 *x = X509_new();
	X509_NAME *sn = X509_NAME_new(), *in = X509_NAME_new();
	uint8_t *der = NULL;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	ASN1_TIME_set(X509_getm_notBefore(x), BASE_S + nb);
	ASN1_TIME_set(X509_getm_notAfter(x), BASE_S + na);
	X509_NAME_add_entry_by_txt(sn, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_NAME_add_entry_by_txt(in, "CN", MBSTRING_ASC,
				   (const unsigned char *)(issuer ? issuer : cn), -1, -1, 0);
	X509_set_subject_name(x, sn);
	X509_set_issuer_name(x, in);
	X509_set_pubkey(x, key);
	if (san) {
		X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	if (!X509_sign(x, key, md) || (*len = i2d_X509(x, &der)) <= 0) {
		fprintf(stderr, "cannot build a test certificate\n");
		exit(2);
	}
	X509_NAME_free(sn);
	X509_NAME_free(in);
	X509_free(x);
	return der;
}

/* Judge der with this SNI / greeting name at BASE_S, without a certificate cache, then through a
 * cache twice (a miss, then a hit): all three must agree. Returns the findings text. */
static const char *judge(const uint8_t *der, int len, const char *sni, const char *greeting)
{
	static char first[4096];
	struct x509_cache *cache = x509_cache_new();

	for (int round = 0; round < 3; round++) {
		session_free(&R1.sess);
		session_init(&R1.sess);
		if (sni)
			session_set_str(&R1.sess.tls.sni, (const uint8_t *)sni, strlen(sni));
		if (greeting)
			session_set_str(&R1.sess.server_name, (const uint8_t *)greeting,
					strlen(greeting));
		CHECK(x509_leaf_facts(round ? cache : NULL, &R1.sess, der, (size_t)len,
				      (uint64_t)BASE_S * 1000000));
		if (round == 0)
			snprintf(first, sizeof(first), "%s", findings_text(&R1.sess));
		else
			CHECK(strcmp(first, findings_text(&R1.sess)) == 0);
	}
	x509_cache_free(cache);
	return findings_text(&R1.sess);
}

static void test_x509_crafted(void)
{
	EVP_PKEY *key = EVP_RSA_gen(2048);
	uint8_t *der;
	int len;

	CHECK(key != NULL);
	session_init(&R1.sess);

	/* Wildcard and IP SAN, CA-issued, SHA-256, valid: names are judged by the SAN. */
	der = make_cert(key, "mx.example.test", "Other CA", "DNS:*.example.test,IP:192.0.2.1",
			EVP_sha256(), -86400, 86400, &len);
	check_str(judge(der, len, "mail.example.test", NULL), "", "wildcard");
	check_str(R1.sess.tls.cert_san, "DNS:*.example.test,IP:192.0.2.1", "san");
	check_str(R1.sess.tls.cert_subject, "CN=mx.example.test", "subject");
	CHECK(!R1.sess.tls.cert_self_signed);
	check_str(judge(der, len, "a.b.example.test", NULL),
		  "tls_cert_name_mismatch: SNI a.b.example.test not in certificate "
		  "(DNS:*.example.test,IP:192.0.2.1)\n", "wildcard one label only");
	check_str(judge(der, len, NULL, "192.0.2.1"), "", "IP greeting");
	check_str(judge(der, len, NULL, NULL), "", "no name, no judgement");
	OPENSSL_free(der);

	/* Self-signed with a SHA-1 signature. */
	der = make_cert(key, "mail.example.test", NULL, "DNS:mail.example.test", EVP_sha1(),
			-86400, 86400, &len);
	check_str(judge(der, len, "mail.example.test", NULL),
		  "tls_cert_self_signed: self-signed CN=mail.example.test\n"
		  "tls_cert_weak: sha1WithRSAEncryption signature\n", "sha1 self-signed");
	CHECK(R1.sess.tls.cert_self_signed);
	OPENSSL_free(der);

	/* Subject == issuer but signed by another key: not self-signed (the signature decides). */
	{
		EVP_PKEY *other = EVP_RSA_gen(2048);
		X509 *x;
		const uint8_t *q;
		der = make_cert(key, "mail.example.test", NULL, NULL, EVP_sha256(), -86400, 86400, &len);
		q = der;
		x = d2i_X509(NULL, &q, len);
		X509_sign(x, other, EVP_sha256());
		OPENSSL_free(der);
		der = NULL;
		len = i2d_X509(x, &der);
		/* No SAN: the CN is the name. */
		check_str(judge(der, len, "mail.example.test", NULL), "", "same name, other key");
		CHECK(!R1.sess.tls.cert_self_signed);
		X509_free(x);
		EVP_PKEY_free(other);
		OPENSSL_free(der);
	}

	/* Not yet valid at the packet time (the wall clock plays no part). */
	der = make_cert(key, "mail.example.test", "Other CA", NULL, EVP_sha256(), 3600, 86400, &len);
	check_str(judge(der, len, "mail.example.test", NULL),
		  "tls_cert_expired: not valid before 2027-01-15T09:00:00.000Z\n", "not yet valid");
	check_str(R1.sess.tls.cert_not_before, "2027-01-15T09:00:00.000Z", "not before");
	OPENSSL_free(der);

	/* Not a certificate. */
	session_free(&R1.sess);
	session_init(&R1.sess);
	CHECK(!x509_leaf_facts(NULL, &R1.sess, (const uint8_t *)"\x30\x03\x02\x01\x01", 5, 1));
	CHECK(R1.sess.anomaly[ANOM_TLS_BAD_CERT] == 1);
	CHECK(!R1.sess.tls.cert_present);
	check_str(R1.sess.tls.cert_absent_reason, "unparsable", "bad cert");
	session_free(&R1.sess);
	EVP_PKEY_free(key);
}

/* tls_cert_expired is judged on the dates read once per certificate; it must say what
 * X509_cmp_time says at every second around both dates, in both ASN.1 time types, and nothing
 * where X509_cmp_time cannot compare (a time without seconds). */
static void test_validity_as_cmp_time(void)
{
	static const struct {
		const char *nb, *na;	/* ASN1_TIME_set_string forms */
	} certs[] = {
		{ "270115080000Z", "270115090000Z" },		/* UTCTime */
		{ "491231235959Z", "20500101000000Z" },		/* across RFC 5280's 2050 switch */
		{ "20960228235959Z", "20960301000001Z" },	/* a leap day */
		{ "700101000001Z", "991231235959Z" },		/* UTCTime's 19YY years */
		{ "21060207062815Z", "99991231235959Z" },
	};
	EVP_PKEY *key = EVP_RSA_gen(2048);

	CHECK(key != NULL);
	for (size_t c = 0; c < sizeof(certs) / sizeof(certs[0]) + 1; c++) {
		X509 *x = X509_new();
		X509_NAME *n = X509_NAME_new();
		uint8_t *der = NULL;
		int len;

		X509_set_version(x, 2);
		X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"t", -1, -1, 0);
		X509_set_subject_name(x, n);
		X509_set_issuer_name(x, n);
		X509_set_pubkey(x, key);
		if (c < sizeof(certs) / sizeof(certs[0])) {
			CHECK(ASN1_TIME_set_string(X509_getm_notBefore(x), certs[c].nb) == 1);
			CHECK(ASN1_TIME_set_string(X509_getm_notAfter(x), certs[c].na) == 1);
		} else {	/* YYMMDDHHMMZ: DER-valid UTCTime, refused by X509_cmp_time */
			CHECK(ASN1_UTCTIME_set_string(X509_getm_notBefore(x), "2701150800Z") == 1);
			CHECK(ASN1_UTCTIME_set_string(X509_getm_notAfter(x), "2701150900Z") == 1);
		}
		CHECK(X509_sign(x, key, EVP_sha256()) > 0);
		len = i2d_X509(x, &der);
		CHECK(len > 0);
		struct x509_cache *cache = x509_cache_new();
		const ASN1_TIME *times[2] = { X509_get0_notBefore(x), X509_get0_notAfter(x) };
		for (int t = 0; t < 2; t++) {
			struct tm tm;
			time_t base = ASN1_TIME_to_tm(times[t], &tm) == 1 ? timegm(&tm) : 1800000000;
			for (time_t now = base - 2; now <= base + 2; now++) {
				if (now < 0)
					continue;	/* packet times start in 1970 */
				const char *want = X509_cmp_time(X509_get0_notAfter(x), &now) < 0
					? "tls_cert_expired: expired "
					: X509_cmp_time(X509_get0_notBefore(x), &now) > 0
					? "tls_cert_expired: not valid before " : "";
				session_free(&R1.sess);
				session_init(&R1.sess);
				CHECK(x509_leaf_facts(cache, &R1.sess, der, (size_t)len,
						      (uint64_t)now * 1000000));
				const char *all = findings_text(&R1.sess);	/* self-signed first */
				const char *got = strstr(all, "tls_cert_expired");
				got = got ? got : "";
				if (*want ? strncmp(got, want, strlen(want)) != 0 : *got != '\0') {
					fprintf(stderr, "certificate %zu at %lld: got '%s', want '%s'\n", c,
						(long long)now, got, want);
					CHECK(0);
				}
			}
		}
		x509_cache_free(cache);
		OPENSSL_free(der);
		X509_NAME_free(n);
		X509_free(x);
	}
	session_free(&R1.sess);
	EVP_PKEY_free(key);
}

int main(void)
{
	guard_init();
	test_names();
	test_fixtures();
	test_fixture_details();
	test_ja3_definition();
	test_not_tls();
	test_garbage_after_first_record();
	test_hs_too_large();
	test_sslv2_hello();
	test_tls13_encrypted_alert();
	test_gap_and_timeout();
	test_x509_crafted();
	test_validity_as_cmp_time();
	test_every_cut();
	if (failures) {
		fprintf(stderr, "test_tls: %d failures\n", failures);
		return 1;
	}
	printf("test_tls: ok\n");
	return 0;
}
