/* tls_hello.c — ClientHello (TLS and SSLv2 format) and ServerHello: versions, suite, SNI, ALPN, JA3/JA3S. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include "tls_hello.h"
#include "tls_names.h"

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

/* ---- JA3 / JA3S (Salesforce): MD5 over "a,b-c-d,..." streamed into the digest ---------------- */

struct ja3 {
	EVP_MD_CTX *ctx;
	bool first_field, first_value;
	size_t n;		/* text gathered in buf, digested when full and at the end */
	char buf[256];
};

/* MD5 fetched from the provider once for the process: EVP_md5() makes every EVP_DigestInit_ex
 * look the implementation up again, which cost more than the digest of two hellos. */
static EVP_MD *md5_fetched;
static pthread_once_t md5_once = PTHREAD_ONCE_INIT;

static void md5_fetch(void)
{
	md5_fetched = EVP_MD_fetch(NULL, "MD5", NULL);
}

static const EVP_MD *ja3_md(void)
{
	pthread_once(&md5_once, md5_fetch);
	return md5_fetched ? md5_fetched : EVP_md5();
}

static void ja3_begin(struct ja3 *j)
{
	j->ctx = EVP_MD_CTX_new();
	if (j->ctx && EVP_DigestInit_ex(j->ctx, ja3_md(), NULL) != 1) {
		EVP_MD_CTX_free(j->ctx);
		j->ctx = NULL;
	}
	j->first_field = true;
	j->n = 0;
}

/* Text into the digest a buffer at a time: one digest call per value cost more than the parse. */
static void ja3_put(struct ja3 *j, const char *p, size_t n)
{
	if (j->n + n > sizeof(j->buf)) {
		if (j->ctx)
			EVP_DigestUpdate(j->ctx, j->buf, j->n);
		j->n = 0;
	}
	memcpy(j->buf + j->n, p, n);
	j->n += n;
}

static void ja3_field(struct ja3 *j)
{
	if (!j->first_field)
		ja3_put(j, ",", 1);
	j->first_field = false;
	j->first_value = true;
}

/* "-" unless first, then v in decimal (values are 16-bit, or 8-bit point formats). */
static void ja3_value(struct ja3 *j, unsigned v)
{
	char buf[12], *e = buf + sizeof(buf), *p = e;

	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	if (!j->first_value)
		*--p = '-';
	ja3_put(j, p, (size_t)(e - p));
	j->first_value = false;
}

/* Finish into out (33 bytes, lowercase hex); out stays "" if libcrypto failed. */
static void ja3_end(struct ja3 *j, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (j->ctx && j->n)
		EVP_DigestUpdate(j->ctx, j->buf, j->n);
	j->n = 0;
	if (j->ctx && EVP_DigestFinal_ex(j->ctx, md, &len) == 1 && len == 16) {
		for (unsigned i = 0; i < 16; i++) {
			out[2 * i] = hex[md[i] >> 4];
			out[2 * i + 1] = hex[md[i] & 15];
		}
		out[32] = '\0';
	}
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

bool tls_client_hello(struct tls *t, struct cur *c)
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
	return true;
}

/* SSL 2.0 CLIENT-HELLO (RFC 6101 App. E.2, RFC 5246 App. E.2): version and 3-byte cipher specs;
 * JA3 over the specs that map to TLS suites (first byte 0). */
bool tls_sslv2_client_hello(struct tls *t, struct cur *c)
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

bool tls_server_hello(struct tls *t, struct cur *c, uint64_t ts_us)
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
	version_findings(t, ts_us);
	return true;
}

