/* tls.c — TLS record layer and handshake decoder: versions, suites, SNI, JA3/JA3S, certificate, outcome. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "limits.h"
#include "tls.h"
#include "tls_names.h"
#include "x509.h"

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

/* Extension types (RFC 6066, RFC 7301, RFC 8422, RFC 5077, RFC 8446 §4.2). */
enum {
	EXT_SERVER_NAME = 0,
	EXT_SUPPORTED_GROUPS = 10,
	EXT_EC_POINT_FORMATS = 11,
	EXT_ALPN = 16,
	EXT_SESSION_TICKET = 35,
	EXT_PRE_SHARED_KEY = 41,
	EXT_SUPPORTED_VERSIONS = 43
};

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

/* ---- bounds-checked cursor with a sticky error flag ------------------------------------------ */

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

/* ---- JA3 / JA3S (Salesforce): MD5 over "a,b-c-d,..." streamed into the digest ---------------- */

struct ja3 {
	EVP_MD_CTX *ctx;
	bool first_field, first_value;
};

static void ja3_begin(struct ja3 *j)
{
	j->ctx = EVP_MD_CTX_new();
	if (j->ctx && EVP_DigestInit_ex(j->ctx, EVP_md5(), NULL) != 1) {
		EVP_MD_CTX_free(j->ctx);
		j->ctx = NULL;
	}
	j->first_field = true;
}

static void ja3_field(struct ja3 *j)
{
	if (j->ctx && !j->first_field)
		EVP_DigestUpdate(j->ctx, ",", 1);
	j->first_field = false;
	j->first_value = true;
}

static void ja3_value(struct ja3 *j, unsigned v)
{
	char buf[8];
	int n = snprintf(buf, sizeof(buf), "%s%u", j->first_value ? "" : "-", v);

	if (j->ctx && n > 0)
		EVP_DigestUpdate(j->ctx, buf, (size_t)n);
	j->first_value = false;
}

/* Finish into out (33 bytes, lowercase hex); out stays "" if libcrypto failed. */
static void ja3_end(struct ja3 *j, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (j->ctx && EVP_DigestFinal_ex(j->ctx, md, &len) == 1 && len == 16)
		for (unsigned i = 0; i < 16; i++)
			snprintf(out + 2 * i, 3, "%02x", md[i]);
	EVP_MD_CTX_free(j->ctx);
	j->ctx = NULL;
}

/* Values of a 16-bit list (cipher suites, groups) into the current field, GREASE skipped. */
static void ja3_u16_list(struct ja3 *j, struct cur c)
{
	while (cur_left(&c) >= 2) {
		uint16_t v = get_u16(&c);
		if (!is_grease(v))
			ja3_value(j, v);
	}
}

/* ---- ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) ------------------------------------------ */

/* Next extension of a list (RFC 8446 §4.2): false at the end or on a malformed entry (err set). */
static bool ext_next(struct cur *exts, uint16_t *type, struct cur *body)
{
	if (cur_left(exts) == 0)
		return false;
	*type = get_u16(exts);
	*body = get_vec16(exts);
	return !exts->err;
}

/* RFC 6066 §3 server_name: the first host_name entry becomes tls.sni. */
static bool ext_server_name(struct tls *t, struct cur b)
{
	struct cur list = get_vec16(&b);

	while (cur_left(&list) > 0) {
		uint8_t type = get_u8(&list);
		struct cur name = get_vec16(&list);
		if (list.err)
			return false;
		if (type == 0 && !t->sess->tls.sni) {
			session_set_str(&t->sess->tls.sni, name.p, name.n);
			break;
		}
	}
	return !b.err;
}

/* RFC 7301 §3.1 ALPN ProtocolNameList: comma-joined into tls.alpn. */
static bool ext_alpn(struct tls *t, struct cur b)
{
	struct cur list = get_vec16(&b);
	uint8_t buf[SESSION_STR_MAX];
	size_t len = 0;

	while (cur_left(&list) > 0) {
		struct cur name = get_vec8(&list);
		if (list.err)
			return false;
		if (len + name.n + 1 >= sizeof(buf))
			break;
		if (len)
			buf[len++] = ',';
		memcpy(buf + len, name.p, name.n);
		len += name.n;
	}
	if (len)
		session_set_str(&t->sess->tls.alpn, buf, len);
	return !b.err;
}

/* JA3 field 3..5 come from the extension list: types, then groups, then point formats. */
static void ja3_client_extensions(struct ja3 *j, struct cur exts)
{
	struct cur e = exts, body, groups = cur_make(NULL, 0), formats = cur_make(NULL, 0);
	uint16_t type;

	ja3_field(j);
	while (ext_next(&e, &type, &body)) {
		if (!is_grease(type))
			ja3_value(j, type);
		if (type == EXT_SUPPORTED_GROUPS)
			groups = get_vec16(&body);
		else if (type == EXT_EC_POINT_FORMATS)
			formats = get_vec8(&body);
	}
	ja3_field(j);
	ja3_u16_list(j, groups);
	ja3_field(j);
	while (cur_left(&formats) > 0)
		ja3_value(j, get_u8(&formats));
}

static bool client_extensions(struct tls *t, struct cur exts)
{
	struct cur body;
	uint16_t type;

	while (ext_next(&exts, &type, &body)) {
		bool ok = true;
		switch (type) {
		case EXT_SERVER_NAME: ok = ext_server_name(t, body); break;
		case EXT_ALPN: ok = ext_alpn(t, body); break;
		case EXT_SESSION_TICKET: t->client_ticket = body.n > 0; break;
		case EXT_SUPPORTED_VERSIONS: ok = body.n >= 1 && body.p[0] + 1u == body.n; break;
		default: break;
		}
		if (!ok)
			return false;
	}
	return !exts.err;
}

static bool client_hello(struct tls *t, struct cur *c)
{
	struct tls_info *ti = &t->sess->tls;
	uint16_t version = get_u16(c);
	struct cur sid, suites, comp, exts = cur_make(NULL, 0);
	struct ja3 j;

	get_bytes(c, 32);		/* random */
	sid = get_vec8(c);
	suites = get_vec16(c);
	comp = get_vec8(c);
	if (cur_left(c) > 0)		/* extensions are optional before TLS 1.3 (RFC 5246 §7.4.1.2) */
		exts = get_vec16(c);
	if (c->err || sid.err || sid.n > 32 || suites.n % 2 || suites.n == 0 || comp.n == 0)
		return false;
	if (!client_extensions(t, exts))
		return false;
	if (t->client_hello_seen)	/* the second ClientHello after a HelloRetryRequest */
		return true;
	t->client_hello_seen = true;
	ti->client_version = version;
	t->sid_len = (uint8_t)sid.n;
	memcpy(t->sid, sid.p, sid.n);
	ja3_begin(&j);
	ja3_field(&j);
	ja3_value(&j, version);
	ja3_field(&j);
	ja3_u16_list(&j, suites);
	ja3_client_extensions(&j, exts);
	ja3_end(&j, ti->ja3);
	stage_to(t, ST_CLIENT_HELLO);
	return true;
}

/* SSL 2.0 CLIENT-HELLO (RFC 6101 App. E.2, RFC 5246 App. E.2): version and 3-byte cipher specs;
 * JA3 over the specs that map to TLS suites (first byte 0). */
static bool sslv2_client_hello(struct tls *t, struct cur *c)
{
	struct tls_info *ti = &t->sess->tls;
	uint8_t type = get_u8(c);
	uint16_t version = get_u16(c), spec_len = get_u16(c);
	struct cur specs;
	struct ja3 j;

	get_u16(c);			/* session_id_length */
	get_u16(c);			/* challenge_length */
	specs = get_sub(c, spec_len);
	if (c->err || type != HS_CLIENT_HELLO || spec_len % 3 || spec_len == 0)
		return false;
	t->client_hello_seen = true;
	t->sslv2_hello = true;
	ti->client_version = version;
	ja3_begin(&j);
	ja3_field(&j);
	ja3_value(&j, version);
	ja3_field(&j);
	while (cur_left(&specs) >= 3) {
		uint8_t hi = get_u8(&specs);
		uint16_t v = get_u16(&specs);
		if (hi == 0 && !is_grease(v))
			ja3_value(&j, v);
	}
	ja3_field(&j);
	ja3_field(&j);
	ja3_field(&j);
	ja3_end(&j, ti->ja3);
	stage_to(t, ST_CLIENT_HELLO);
	return true;
}

/* ---- ServerHello (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3) ------------------------------------------ */

/* RFC 8446 §4.1.3: a ServerHello with this random is a HelloRetryRequest. */
static const uint8_t hrr_random[32] = {
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C
};

struct server_exts {
	uint16_t selected_version;	/* supported_versions, 0 when absent */
	bool psk;			/* pre_shared_key accepted: TLS 1.3 resumption */
};

/* The server's extensions: supported_versions (RFC 8446 §4.2.1), pre_shared_key (§4.2.11), and
 * their types into JA3S. */
static bool server_extensions(struct cur exts, struct ja3 *j, struct server_exts *se)
{
	struct cur body;
	uint16_t type;

	while (ext_next(&exts, &type, &body)) {
		if (j && !is_grease(type))
			ja3_value(j, type);
		if (type == EXT_SUPPORTED_VERSIONS) {
			se->selected_version = get_u16(&body);
			if (body.err)
				return false;
		} else if (type == EXT_PRE_SHARED_KEY) {
			se->psk = true;
		}
	}
	return !exts.err;
}

static void version_findings(struct tls *t, uint64_t ts_us)
{
	struct tls_info *ti = &t->sess->tls;
	const char *name = tls_version_name(ti->version);

	if (ti->version <= 0x0302 && name)
		session_add_finding(t->sess, FK_TLS_WEAK_VERSION, ts_us, "%s negotiated", name);
	if (tls_cipher_is_weak(ti->cipher))
		session_add_finding(t->sess, FK_TLS_WEAK_CIPHER, ts_us, "%s negotiated",
				    tls_cipher_name(ti->cipher));
}

static bool server_hello(struct tls *t, struct cur *c, uint64_t ts_us)
{
	struct tls_info *ti = &t->sess->tls;
	uint16_t version = get_u16(c), suite;
	const uint8_t *random = get_bytes(c, 32);
	struct cur sid = get_vec8(c), exts = cur_make(NULL, 0);
	struct server_exts se = { 0, false };
	struct ja3 j;

	suite = get_u16(c);
	get_u8(c);			/* legacy_compression_method */
	if (cur_left(c) > 0)
		exts = get_vec16(c);
	if (c->err || sid.n > 32)
		return false;
	if (memcmp(random, hrr_random, sizeof(hrr_random)) == 0) {
		t->hrr = true;		/* RFC 8446 §4.1.4: a second ClientHello follows */
		if (!server_extensions(exts, NULL, &se))
			return false;
		t->tls13 = se.selected_version == 0x0304;
		return true;
	}
	ja3_begin(&j);
	ja3_field(&j);
	ja3_value(&j, version);
	ja3_field(&j);
	ja3_value(&j, suite);
	ja3_field(&j);
	if (!server_extensions(exts, &j, &se)) {
		ja3_end(&j, ti->ja3s);
		return false;
	}
	ja3_end(&j, ti->ja3s);
	t->server_hello_seen = true;
	ti->version = se.selected_version ? se.selected_version : version;
	ti->cipher = suite;
	t->tls13 = ti->version == 0x0304;
	/* RFC 5246 §7.4.1.3: echoing the client's session_id means an abbreviated handshake. */
	if (!t->tls13 && sid.n > 0 && sid.n == t->sid_len && memcmp(sid.p, t->sid, sid.n) == 0)
		ti->resumed = true;
	if (t->tls13 && se.psk)
		ti->resumed = true;
	if (t->tls13 || ti->resumed)
		cert_reason(t);
	version_findings(t, ts_us);
	stage_to(t, ST_SERVER_HELLO);
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
			x509_leaf_facts(t->sess, der.p, der.n, ts_us);
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

/* The SSLv2-format first record: consumed whole or left pending. */
static size_t sslv2_record(struct tls *t, const uint8_t *p, size_t n)
{
	size_t len = ((size_t)(p[0] & 0x7f) << 8 | p[1]);
	struct cur c;

	if (len > TLS_RECORD_MAX) {
		session_anomaly(t->sess, ANOM_TLS_BAD_RECORD);
		tls_fail(t, "oversized record from client");
		return n;
	}
	if (n < 2 + len)
		return 0;
	c = cur_make(p + 2, len);
	if (!sslv2_client_hello(t, &c)) {
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
		dd->started = true;
		if (t->sess->tls.state == TLS_NONE) {
			t->sess->tls.state = TLS_STARTED;
			t->start_us = ts_us;
		}
		if (k == FIRST_SSLV2) {
			off = sslv2_record(t, p, n);
			if (off == 0) {
				dd->started = false;	/* decide again with the whole record */
				return feed_result(0, FEED_MORE);
			}
		}
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
