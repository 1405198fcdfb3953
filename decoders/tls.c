/* tls.c — TLS record layer and handshake decoder: versions, suites, SNI, JA3/JA3S, certificate, outcome. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "limits.h"
#include "tls.h"
#include "tls_hello.h"
#include "tls_names.h"
#include "tls_wire.h"
#include "x509.h"

#define TLS_RECORD_HDR 5
/* RFC 8446 §5.2: a TLSCiphertext fragment is at most 2^14 + 256; RFC 5246 §6.2.3 allows 2^14 + 2048. */
#define TLS_RECORD_MAX (16384u + 2048u)
/* An encrypted TLS 1.3 alert: 2 bytes + content type + 16-byte AEAD tag = 19; the smallest
 * Finished (SHA-256: 32 bytes + 4 header + 1 + 16 = 53) is far above this bound. */
#define TLS13_ALERT_RECORD_MAX 24

/* Handshake progress; the stage reached is reported as fail_stage. */
enum tls_stage {
	ST_START,
	ST_CLIENT_HELLO,
	ST_SERVER_HELLO,
	ST_CERTIFICATE,
	ST_KEY_EXCHANGE,
	ST_FINISHED,
	ST_COMPLETED,
	ST_FAILED,
	ST__COUNT
};

static const char *const stage_names[ST__COUNT] = {
	"start", "client_hello", "server_hello", "certificate", "key_exchange", "finished",
	"completed", "failed"
};

/* The one transition function: stages only move forward; COMPLETED and FAILED are final. */
static void stage_to(struct tls *t, enum tls_stage next)
{
	enum tls_stage cur = (enum tls_stage)t->state;

	if (cur == ST_COMPLETED || cur == ST_FAILED || next <= cur)
		return;
#ifdef TLS_TRACE
	fprintf(stderr, "tls %p: %s -> %s\n", (void *)t, stage_names[cur], stage_names[next]);
#endif
	t->state = next;
}

static const char *dir_name(enum dir d)
{
	return d == DIR_C2S ? "client" : "server";
}

/* ---- outcome ---------------------------------------------------------------------------------- */

static void cert_reason(struct tls *t)
{
	struct tls_info *ti = &t->sess->tls;
	const char *r = "not seen";

	if (ti->cert_present || ti->cert_absent_reason[0])
		return;
	if (t->sess->tls.resumed)
		r = "resumed";
	else if (t->tls13)
		r = "tls1.3 encrypted";
	else if (t->hs_truncated)
		r = "truncated";
	snprintf(ti->cert_absent_reason, sizeof(ti->cert_absent_reason), "%s", r);
}

static void tls_complete(struct tls *t)
{
	if (t->done)
		return;
	stage_to(t, ST_COMPLETED);
	t->sess->tls.state = TLS_COMPLETED;
	cert_reason(t);
	t->done = true;
}

/* Decide failure: stage is the last stage reached, reason is printf-formatted. */
static void tls_fail(struct tls *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tls_fail(struct tls *t, const char *fmt, ...)
{
	struct tls_info *ti = &t->sess->tls;
	va_list ap;

	if (t->done)
		return;
	snprintf(ti->fail_stage, sizeof(ti->fail_stage), "%s", stage_names[t->state]);
	va_start(ap, fmt);
	vsnprintf(ti->fail_reason, sizeof(ti->fail_reason), fmt, ap);
	va_end(ap);
	stage_to(t, ST_FAILED);
	ti->state = TLS_FAILED;
	cert_reason(t);
	t->done = true;
}

/* ---- hellos (tls_hello.c parses; the stage moves here) ----------------------------------------- */

static bool client_hello(struct tls *t, struct cur *c)
{
	if (!tls_client_hello(t, c))
		return false;
	stage_to(t, ST_CLIENT_HELLO);
	return true;
}

static bool server_hello(struct tls *t, struct cur *c, uint64_t ts_us)
{
	if (!tls_server_hello(t, c, ts_us))
		return false;
	if (t->server_hello_seen) {
		if (t->tls13 || t->sess->tls.resumed)
			cert_reason(t);
		stage_to(t, ST_SERVER_HELLO);
	}
	return true;
}

/* ---- Certificate (RFC 5246 §7.4.2: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>) -------- */

static bool certificate(struct tls *t, struct cur *c, uint64_t ts_us)
{
	struct tls_info *ti = &t->sess->tls;
	struct cur list = get_vec24(c);
	int n = 0;

	if (t->tls13)
		return true;	/* RFC 8446 §4.4.2 is encrypted; a cleartext one is not ours to read */
	while (cur_left(&list) > 0) {
		struct cur der = get_vec24(&list);
		if (list.err || der.n == 0)
			return false;
		if (n == 0)
			x509_leaf_facts(t->x509, t->sess, der.p, der.n, ts_us);
		else if (n < TLS_DANE_CHAIN_MAX)
			x509_chain_cert(t->x509, t->sess, (unsigned)n, der.p, der.n);
		n++;
	}
	if (c->err || list.err)
		return false;
	ti->cert_chain_len = n;
	stage_to(t, ST_CERTIFICATE);
	return true;
}

/* ---- handshake messages and their reassembly ---------------------------------------------------- */

/* One whole handshake message msg[0..len) (RFC 8446 §4: type u8, length u24, body). */
static void hs_message(struct tls *t, enum dir d, const uint8_t *msg, size_t len, uint64_t ts_us)
{
	struct cur m = cur_make(msg, len);
	uint8_t type = get_u8(&m);
	struct cur body = get_vec24(&m);
	bool ok = true;

	if (d == DIR_C2S && type == HS_CLIENT_HELLO)
		ok = client_hello(t, &body);
	else if (d == DIR_S2C && type == HS_SERVER_HELLO)
		ok = server_hello(t, &body, ts_us);
	else if (d == DIR_S2C && type == HS_CERTIFICATE)
		ok = certificate(t, &body, ts_us);
	else if (d == DIR_S2C && type == HS_SERVER_KEY_EXCHANGE)
		t->sess->tls.server_key_exchange = true;
	else if (d == DIR_C2S && type == HS_CLIENT_KEY_EXCHANGE)
		stage_to(t, ST_KEY_EXCHANGE);
	else if (type == HS_CLIENT_HELLO || type == HS_SERVER_HELLO)
		session_anomaly(t->sess, ANOM_TLS_UNEXPECTED);
	if (!ok || m.err) {
		session_anomaly(t->sess, ANOM_TLS_BAD_HANDSHAKE);
		tls_fail(t, "malformed handshake message %u from %s", type, dir_name(d));
	}
}

/* A handshake message over TLS_HS_MSG_MAX: counted, skipped; a certificate then is not visible. */
static void hs_too_large(struct tls *t, struct tls_dir *dd, uint8_t type, uint32_t skip)
{
	session_anomaly(t->sess, ANOM_TLS_HS_TOO_LARGE);
	t->hs_truncated = true;
	if (type == HS_CERTIFICATE && !t->sess->tls.cert_absent_reason[0])
		snprintf(t->sess->tls.cert_absent_reason, sizeof(t->sess->tls.cert_absent_reason),
			 "too large");
	dd->hs_skip = skip;
}

static inline uint32_t hs_total(const uint8_t *hdr)
{
	return 4u + ((uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3]);
}

/* Append to the reassembly buffer; returns bytes taken from p. */
static size_t hs_buffer(struct tls *t, enum dir d, const uint8_t *p, size_t n, uint64_t ts_us)
{
	struct tls_dir *dd = &t->dir[d];
	size_t want, take;

	if (!dd->hs && !(dd->hs = malloc(TLS_HS_MSG_MAX))) {
		t->done = true;		/* resource pressure: stop following this flow, decide nothing */
		return n;
	}
	want = dd->hs_len < 4 ? 4 - dd->hs_len : hs_total(dd->hs) - dd->hs_len;
	take = n < want ? n : want;
	memcpy(dd->hs + dd->hs_len, p, take);
	dd->hs_len += (uint32_t)take;
	if (dd->hs_len < 4)
		return take;
	if (hs_total(dd->hs) > TLS_HS_MSG_MAX) {
		hs_too_large(t, dd, dd->hs[0], hs_total(dd->hs) - dd->hs_len);
		dd->hs_len = 0;
	} else if (dd->hs_len == hs_total(dd->hs)) {
		dd->hs_len = 0;
		hs_message(t, d, dd->hs, hs_total(dd->hs), ts_us);
	}
	return take;
}

/* The fragment of one handshake record (RFC 8446 §5.1: messages may span and share records).
 * Whole messages are parsed in place; only a message cut by a record boundary is copied. */
static void hs_fragment(struct tls *t, enum dir d, const uint8_t *p, size_t n, uint64_t ts_us)
{
	struct tls_dir *dd = &t->dir[d];

	while (n > 0 && !t->done) {
		size_t used;

		if (dd->hs_skip) {
			used = n < dd->hs_skip ? n : dd->hs_skip;
			dd->hs_skip -= (uint32_t)used;
		} else if (dd->hs_len == 0 && n >= 4 && hs_total(p) <= n) {
			used = hs_total(p);
			hs_message(t, d, p, used, ts_us);
		} else if (dd->hs_len == 0 && n >= 4 && hs_total(p) > TLS_HS_MSG_MAX) {
			hs_too_large(t, dd, p[0], hs_total(p));
			continue;
		} else {
			used = hs_buffer(t, d, p, n, ts_us);
		}
		p += used;
		n -= used;
	}
}

/* ---- records ------------------------------------------------------------------------------------- */

/* RFC 5246 §7.2 / RFC 8446 §6: plaintext alerts (level, description). A fatal alert, or a closure
 * alert, before completion fails the handshake; warnings (e.g. unrecognized_name) do not. */
static void alert_record(struct tls *t, enum dir d, const uint8_t *p, size_t n)
{
	struct tls_info *ti = &t->sess->tls;
	struct cur c = cur_make(p, n);
	uint8_t level = get_u8(&c), desc = get_u8(&c);
	const char *name = tls_alert_name(desc);
	char unknown[8];

	if (c.err) {
		session_anomaly(t->sess, ANOM_TLS_BAD_RECORD);
		return;
	}
	ti->alert_level = level;
	ti->alert_desc = desc;
	ti->alert_dir = (int8_t)d;
	if (!name) {
		snprintf(unknown, sizeof(unknown), "%u", desc);
		name = unknown;
	}
	if (level == 2 || desc == 0 || desc == 90)
		tls_fail(t, "alert %s %s from %s", level == 2 ? "fatal" : "warning", name,
			 dir_name(d));
}

/* TLS <= 1.2: done when both sides sent ChangeCipherSpec and then an encrypted record (Finished),
 * in either order (full handshake: client first; abbreviated: server first). */
static void check_completed(struct tls *t)
{
	if (t->dir[0].ccs && t->dir[1].ccs && t->dir[0].enc_records && t->dir[1].enc_records)
		tls_complete(t);
}

static void change_cipher_spec(struct tls *t, enum dir d)
{
	struct tls_dir *dd = &t->dir[d];

	if (t->tls13 || (t->hrr && !t->server_hello_seen))
		return;		/* RFC 8446 §D.4 middlebox compatibility: a dummy, nothing changes */
	if (dd->ccs)
		return;
	dd->ccs = true;
	/* RFC 5246 §7.3: the server going first means the abbreviated (resumed) handshake. */
	if (d == DIR_S2C && !t->dir[DIR_C2S].ccs && t->server_hello_seen) {
		t->sess->tls.resumed = true;
		cert_reason(t);
	}
	stage_to(t, ST_FINISHED);
}

/*
 * An encrypted record. TLS 1.3 (RFC 8446 §2): after the ServerHello the server's flight is encrypted
 * (EncryptedExtensions, Certificate...); the client's first encrypted record is its Finished. An
 * encrypted alert is a 19-byte record; a record of at most TLS13_ALERT_RECORD_MAX bytes is therefore
 * held as "likely an alert": a later client record proves completion, the end of the flow without
 * one fails the handshake (tls_finish). Early data (0-RTT, before the ServerHello) is ignored.
 */
static void encrypted_record(struct tls *t, enum dir d, uint8_t type, size_t len)
{
	if (t->tls13 && t->server_hello_seen) {
		if (type != CT_APPLICATION_DATA)
			return;
		if (d == DIR_S2C) {
			stage_to(t, ST_CERTIFICATE);
		} else if (len > TLS13_ALERT_RECORD_MAX || t->client_short_record) {
			stage_to(t, ST_FINISHED);
			tls_complete(t);
		} else {
			t->client_short_record = true;
		}
		return;
	}
	if (t->dir[d].ccs) {
		t->dir[d].enc_records++;
		check_completed(t);
	} else if (type == CT_APPLICATION_DATA) {
		session_anomaly(t->sess, ANOM_TLS_UNEXPECTED);
	}
}

static void record(struct tls *t, enum dir d, uint8_t type, const uint8_t *p, size_t n,
		   uint64_t ts_us)
{
	bool encrypted = t->dir[d].ccs && !t->tls13;

	switch (type) {
	case CT_CHANGE_CIPHER_SPEC:
		change_cipher_spec(t, d);
		break;
	case CT_ALERT:
		if (encrypted)
			encrypted_record(t, d, type, n);
		else
			alert_record(t, d, p, n);
		break;
	case CT_HANDSHAKE:
		if (encrypted)
			encrypted_record(t, d, type, n);
		else
			hs_fragment(t, d, p, n, ts_us);
		break;
	case CT_APPLICATION_DATA:
	case CT_HEARTBEAT:
		encrypted_record(t, d, type, n);
		break;
	}
}

/* RFC 5246 §6.2.1 record header: a known content type and a 3.x version. */
static inline bool record_header_ok(const uint8_t *p)
{
	return p[0] >= CT_CHANGE_CIPHER_SPEC && p[0] <= CT_HEARTBEAT && p[1] == 3;
}

/* The same judgement on the first n < 5 bytes of a header: false when they cannot start one. */
static inline bool record_prefix_ok(const uint8_t *p, size_t n)
{
	if (n >= 1 && (p[0] < CT_CHANGE_CIPHER_SPEC || p[0] > CT_HEARTBEAT))
		return false;
	return n < 2 || p[1] == 3;
}

enum first_kind { FIRST_MORE, FIRST_TLS, FIRST_SSLV2, FIRST_NOT_TLS };

/* The first bytes of a direction: a TLS record header (type and 3.x version: 3 bytes suffice), or
 * for the client an SSLv2 CLIENT-HELLO (RFC 5246 App. E.2: 2-byte header with the high bit set,
 * msg_type 1, version 0x0002 or 3.x). */
static enum first_kind first_bytes(enum dir d, const uint8_t *p, size_t n)
{
	if (n == 0)
		return FIRST_MORE;
	if (p[0] >= CT_CHANGE_CIPHER_SPEC && p[0] <= CT_HEARTBEAT) {
		if (n < 3)
			return FIRST_MORE;
		return p[1] == 3 && p[2] <= 4 ? FIRST_TLS : FIRST_NOT_TLS;
	}
	if ((p[0] & 0x80) && d == DIR_C2S) {
		if (n < 5)
			return FIRST_MORE;
		if (p[2] == HS_CLIENT_HELLO && ((p[3] == 0 && p[4] == 2) || p[3] == 3))
			return FIRST_SSLV2;
	}
	return FIRST_NOT_TLS;
}

/* RFC 6101 App. E.1: a 2-byte SSLv2 record header with the high bit set carries a 15-bit length. */
static inline size_t sslv2_len(const uint8_t *p)
{
	return (size_t)(p[0] & 0x7f) << 8 | p[1];
}

/* The whole SSLv2-format first record (tls_feed waited for it); returns the bytes it used. */
static size_t sslv2_record(struct tls *t, const uint8_t *p, size_t n)
{
	size_t len = sslv2_len(p);
	struct cur c;

	if (len > TLS_RECORD_MAX) {
		session_anomaly(t->sess, ANOM_TLS_BAD_RECORD);
		tls_fail(t, "oversized record from client");
		return n;
	}
	c = cur_make(p + 2, len);
	if (tls_sslv2_client_hello(t, &c)) {
		stage_to(t, ST_CLIENT_HELLO);
	} else {
		session_anomaly(t->sess, ANOM_TLS_BAD_HANDSHAKE);
		tls_fail(t, "malformed SSLv2 hello from client");
	}
	return 2 + len;
}

/* Whole records of p[0..n): returns the bytes consumed (a partial record is left). */
static size_t records(struct tls *t, enum dir d, const uint8_t *p, size_t n, uint64_t ts_us)
{
	size_t off = 0;

	while (!t->done && n - off >= TLS_RECORD_HDR) {
		const uint8_t *h = p + off;
		size_t len = (size_t)h[3] << 8 | h[4];

		if (!record_header_ok(h)) {
			session_anomaly(t->sess, ANOM_TLS_BAD_RECORD);
			tls_fail(t, "non-TLS bytes from %s", dir_name(d));
			break;
		}
		if (len > TLS_RECORD_MAX) {
			session_anomaly(t->sess, ANOM_TLS_BAD_RECORD);
			tls_fail(t, "oversized record from %s", dir_name(d));
			break;
		}
		if (n - off < TLS_RECORD_HDR + len)
			break;
		record(t, d, h[0], h + TLS_RECORD_HDR, len, ts_us);
		off += TLS_RECORD_HDR + len;
	}
	/* Fewer than 5 bytes that cannot start a record are as hostile as a bad header. */
	if (!t->done && n - off < TLS_RECORD_HDR && !record_prefix_ok(p + off, n - off)) {
		session_anomaly(t->sess, ANOM_TLS_BAD_RECORD);
		tls_fail(t, "non-TLS bytes from %s", dir_name(d));
	}
	return off;
}

void tls_init(struct tls *t, struct session *sess, bool from_start)
{
	memset(t, 0, sizeof(*t));
	t->sess = sess;
	t->state = ST_START;
	t->from_start = from_start;
}

struct feed_result tls_feed(struct tls *t, enum dir d, const uint8_t *p, size_t n, uint64_t ts_us)
{
	struct tls_dir *dd = &t->dir[d];
	size_t off = 0;

	if (t->done)
		return feed_result(n, FEED_DONE);
	if (!dd->started) {
		enum first_kind k = first_bytes(d, p, n);
		if (k == FIRST_MORE)
			return feed_result(0, FEED_MORE);
		if (k == FIRST_NOT_TLS)
			return feed_result(0, FEED_NOT_TLS);
		if (k == FIRST_SSLV2 && sslv2_len(p) <= TLS_RECORD_MAX && n < 2 + sslv2_len(p))
			return feed_result(0, FEED_MORE);	/* the whole SSLv2 hello first */
		dd->started = true;
		if (t->sess->tls.state == TLS_NONE) {
			t->sess->tls.state = TLS_STARTED;
			t->start_us = ts_us;
		}
		if (k == FIRST_SSLV2)
			off = sslv2_record(t, p, n);
	}
	if (ts_us > t->start_us && ts_us - t->start_us > (uint64_t)TLS_HANDSHAKE_TIMEOUT_S * 1000000)
		tls_fail(t, "timeout");
	off += records(t, d, p + off, n - off, ts_us);
	if (t->done)
		return feed_result(n, FEED_DONE);
	return feed_result(off, FEED_MORE);
}

/* A gap is missing capture, not evidence about the handshake: decoding stops, the reason is noted,
 * but the state is not called failed (it stays TLS_STARTED unless already decided). */
void tls_gap(struct tls *t, enum dir d, uint64_t ts_us)
{
	struct tls_info *ti = &t->sess->tls;

	(void)ts_us;
	session_anomaly(t->sess, ANOM_STREAM_GAP);
	if (t->done || ti->state == TLS_NONE)
		return;
	snprintf(ti->fail_stage, sizeof(ti->fail_stage), "%s", stage_names[t->state]);
	snprintf(ti->fail_reason, sizeof(ti->fail_reason), "capture gap from %s", dir_name(d));
	t->done = true;
}

void tls_finish(struct tls *t, enum session_end end, uint64_t ts_us)
{
	(void)ts_us;
	if (t->done || t->sess->tls.state != TLS_STARTED)
		return;
	if (t->client_short_record) {
		tls_fail(t, "encrypted alert from client, likely certificate rejected");
		return;
	}
	switch (end) {
	case END_FIN: tls_fail(t, "connection closed"); break;
	case END_RST: tls_fail(t, "connection reset"); break;
	case END_TIMEOUT: tls_fail(t, "timeout"); break;
	case END_EVICTED:
	case END_SHUTDOWN:
		/* The capture stopped watching, the peers did not stop: not called failed. */
		snprintf(t->sess->tls.fail_stage, sizeof(t->sess->tls.fail_stage), "%s",
			 stage_names[t->state]);
		snprintf(t->sess->tls.fail_reason, sizeof(t->sess->tls.fail_reason), "%s",
			 end == END_EVICTED ? "flow evicted" : "capture ended");
		t->done = true;
		break;
	}
}

void tls_free(struct tls *t)
{
	for (int i = 0; i < 2; i++) {
		free(t->dir[i].hs);
		t->dir[i].hs = NULL;
		t->dir[i].hs_len = 0;
	}
}
