/* x509.c — leaf certificate facts and certificate findings, read through libcrypto (no DER parser). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "limits.h"
#include "x509.h"

/* Text of a certificate field as libcrypto printed it, before escaping; ok = it printed. */
struct raw_text {
	char *p;
	size_t n;
	bool ok;
};

/* One parsed certificate: the DER it came from, the object, and the costly facts (the text of
 * the names, SAN and validity is the same for every session that shows the certificate). */
struct cache_slot {
	uint8_t *der;
	size_t len;
	X509 *x;
	bool self_signed;
	char sha256[65];
	struct tls_dane_cert dane;	/* RFC 6698 §2.1 digests */
	struct raw_text subject, issuer, san;
	char not_before[25], not_after[25];
	/* The validity dates in seconds since 1970 (ok: it could be read), for comparing with each
	 * session's packet time without X509_cmp_time's allocations. */
	int64_t nb_s, na_s;
	bool nb_ok, na_ok;
};

struct x509_cache {
	struct cache_slot slot[X509_CACHE_SLOTS];
};

struct x509_cache *x509_cache_new(void)
{
	return calloc(1, sizeof(struct x509_cache));
}

static void slot_clear(struct cache_slot *s)
{
	X509_free(s->x);
	free(s->der);
	free(s->subject.p);
	free(s->issuer.p);
	free(s->san.p);
	memset(s, 0, sizeof(*s));
}

void x509_cache_free(struct x509_cache *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < X509_CACHE_SLOTS; i++)
		slot_clear(&c->slot[i]);
	free(c);
}

/* Slot index from the length and the last bytes (the signature: effectively random). */
static unsigned slot_of(const uint8_t *der, size_t len)
{
	uint64_t h = 1469598103934665603ULL ^ len;
	size_t from = len > 64 ? len - 64 : 0;

	for (size_t i = from; i < len; i++)
		h = (h ^ der[i]) * 1099511628211ULL;
	return (unsigned)(h % X509_CACHE_SLOTS);
}

/* Longest raw SAN list assembled before escaping (session_set_str then caps it at SESSION_STR_MAX). */
#define SAN_RAW_MAX 1024

/* RFC 5280 §4.1.2.5: UTCTime before 2050, GeneralizedTime from 2050; ASN1_TIME_to_tm reads both. */
static void asn1_time_iso(const ASN1_TIME *at, char *buf, size_t cap)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!at || ASN1_TIME_to_tm(at, &tm) != 1) {
		snprintf(buf, cap, "invalid");
		return;
	}
	/* ASN1_TIME_to_tm bounds every field; the modulos only make the width plain to the compiler. */
	snprintf(buf, cap, "%04u-%02u-%02uT%02u:%02u:%02u.000Z", (unsigned)(tm.tm_year + 1900) % 10000u,
		 (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
		 (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u);
}

/* at as seconds since 1970 (UTC), the scale X509_cmp_time compares on. False where
 * X509_cmp_time fails: only RFC 5280's YYMMDDHHMMSSZ (UTCTime) and YYYYMMDDHHMMSSZ
 * (GeneralizedTime) forms are compared, anything looser is an error there. */
static bool asn1_time_secs(const ASN1_TIME *at, int64_t *out)
{
	struct tm tm;

	if (!at)
		return false;
	int type = ASN1_STRING_type(at), n = ASN1_STRING_length(at);
	const unsigned char *p = ASN1_STRING_get0_data(at);
	if (!((type == V_ASN1_UTCTIME && n == 13) || (type == V_ASN1_GENERALIZEDTIME && n == 15)))
		return false;
	for (int i = 0; i < n - 1; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	if (p[n - 1] != 'Z')
		return false;
	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(at, &tm) != 1)
		return false;
	/* Days from the civil date (proleptic Gregorian), as timegm would without the locale. */
	int64_t y = (int64_t)tm.tm_year + 1900, m = tm.tm_mon + 1, d = tm.tm_mday;
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
	*out = days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	return true;
}

/* A copy of n bytes of p as a raw_text (ok false when out of memory). */
static void raw_set(struct raw_text *t, const char *p, size_t n)
{
	t->p = malloc(n + 1);
	if (!t->p)
		return;
	memcpy(t->p, p, n);
	t->p[n] = '\0';
	t->n = n;
	t->ok = true;
}

/* RFC 5280 §4.1.2.4 / §4.1.2.6: a Name as RFC 2253 text (escaped when it reaches a session). */
static void name_raw(struct raw_text *t, const X509_NAME *name)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL;
	long n;

	if (!bio)
		return;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(bio, &data);
		if (n >= 0 && data)
			raw_set(t, data, (size_t)n);
	}
	BIO_free(bio);
}

/* Append "PREFIX:value" (comma-separated) to the raw SAN buffer; silently stops when full. */
static void san_append(char *buf, size_t *len, const char *prefix, const uint8_t *v, size_t n)
{
	size_t plen = strlen(prefix);
	size_t need = (*len ? 1 : 0) + plen + n;

	if (*len + need >= SAN_RAW_MAX)
		return;
	if (*len)
		buf[(*len)++] = ',';
	memcpy(buf + *len, prefix, plen);
	*len += plen;
	memcpy(buf + *len, v, n);
	*len += n;
}

/* RFC 5280 §4.2.1.6 subjectAltName: dNSName, iPAddress and rfc822Name entries. */
static void san_raw(struct raw_text *t, X509 *x)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	char buf[SAN_RAW_MAX];
	size_t len = 0;

	if (!gens)
		return;
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s;
		char ip[INET6_ADDRSTRLEN];

		switch (g->type) {
		case GEN_DNS:
			s = g->d.dNSName;
			san_append(buf, &len, "DNS:", ASN1_STRING_get0_data(s),
				   (size_t)ASN1_STRING_length(s));
			break;
		case GEN_EMAIL:
			s = g->d.rfc822Name;
			san_append(buf, &len, "email:", ASN1_STRING_get0_data(s),
				   (size_t)ASN1_STRING_length(s));
			break;
		case GEN_IPADD:
			s = g->d.iPAddress;
			if (ASN1_STRING_length(s) == 4 || ASN1_STRING_length(s) == 16) {
				int af = ASN1_STRING_length(s) == 4 ? AF_INET : AF_INET6;
				if (inet_ntop(af, ASN1_STRING_get0_data(s), ip, sizeof(ip)))
					san_append(buf, &len, "IP:", (const uint8_t *)ip, strlen(ip));
			}
			break;
		default:
			break;
		}
	}
	GENERAL_NAMES_free(gens);
	if (len)
		raw_set(t, buf, len);
}

static const char *key_type_name(int id)
{
	switch (id) {
	case EVP_PKEY_RSA: return "RSA";
	case EVP_PKEY_RSA_PSS: return "RSA-PSS";
	case EVP_PKEY_DSA: return "DSA";
	case EVP_PKEY_EC: return "EC";
	case EVP_PKEY_ED25519: return "Ed25519";
	case EVP_PKEY_ED448: return "Ed448";
	case EVP_PKEY_DH: return "DH";
	}
	return "other";
}

/* RFC 5280 §4.1.2.7 subjectPublicKeyInfo and §4.1.1.2 signatureAlgorithm; tls_cert_weak when the
 * RSA/DSA key is under 2048 bits or the signature hash is MD5 or SHA-1. */
static void key_and_signature(struct session *sess, X509 *x, uint64_t ts_us)
{
	struct tls_info *ti = &sess->tls;
	EVP_PKEY *pk = X509_get0_pubkey(x);
	int sig_nid = X509_get_signature_nid(x);
	int md_nid = NID_undef, pk_nid = NID_undef;
	int id = pk ? EVP_PKEY_get_base_id(pk) : NID_undef;
	bool small_key, weak_md;

	if (pk) {
		snprintf(ti->cert_key_type, sizeof(ti->cert_key_type), "%s", key_type_name(id));
		ti->cert_key_bits = EVP_PKEY_get_bits(pk);
	}
	snprintf(ti->cert_sig_alg, sizeof(ti->cert_sig_alg), "%s",
		 sig_nid != NID_undef ? OBJ_nid2ln(sig_nid) : "unknown");
	OBJ_find_sigid_algs(sig_nid, &md_nid, &pk_nid);
	small_key = pk && (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS || id == EVP_PKEY_DSA) &&
		    ti->cert_key_bits < 2048;
	weak_md = md_nid == NID_md5 || md_nid == NID_sha1 || md_nid == NID_md5_sha1;
	if (small_key && weak_md)
		session_add_finding(sess, FK_TLS_CERT_WEAK, ts_us, "%s %d-bit key, %s signature",
				    ti->cert_key_type, ti->cert_key_bits, ti->cert_sig_alg);
	else if (small_key)
		session_add_finding(sess, FK_TLS_CERT_WEAK, ts_us, "%s %d-bit key",
				    ti->cert_key_type, ti->cert_key_bits);
	else if (weak_md)
		session_add_finding(sess, FK_TLS_CERT_WEAK, ts_us, "%s signature", ti->cert_sig_alg);
}

/* RFC 5280 §4.1.2.5 validity, judged at the packet time (not the wall clock); the text of the
 * dates is already in the session. */
static void validity(struct session *sess, const struct cache_slot *cs, uint64_t ts_us)
{
	struct tls_info *ti = &sess->tls;
	int64_t now = (int64_t)(ts_us / 1000000);

	/* As X509_cmp_time judged them: expired when notAfter <= now, not yet valid when
	 * notBefore > now; a date libcrypto cannot read judges nothing, nor does a packet time
	 * after 9999-12-31T23:59:59Z (no ASN.1 time can hold it). */
	if (now > 253402300799)
		return;
	if (cs->na_ok && cs->na_s <= now)
		session_add_finding(sess, FK_TLS_CERT_EXPIRED, ts_us, "expired %s",
				    ti->cert_not_after);
	else if (cs->nb_ok && cs->nb_s > now)
		session_add_finding(sess, FK_TLS_CERT_EXPIRED, ts_us, "not valid before %s",
				    ti->cert_not_before);
}

/* RFC 6125 §6.4 via X509_check_host (SAN dNSName, CN only without SAN, wildcards in the left-most
 * label); against the SNI, else the server's greeting name; no name, no judgement. */
static void name_match(struct session *sess, X509 *x, uint64_t ts_us)
{
	const char *host = sess->tls.sni ? sess->tls.sni : sess->server_name;
	const char *what = sess->tls.sni ? "SNI" : "greeting name";
	int r;

	if (!host || !*host)
		return;
	if (X509_check_ip_asc(x, host, 0) == 1)
		return;
	r = X509_check_host(x, host, strlen(host), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL);
	if (r == 0)
		session_add_finding(sess, FK_TLS_CERT_NAME_MISMATCH, ts_us,
				    "%s %s not in certificate (%s)", what, host,
				    sess->tls.cert_san ? sess->tls.cert_san : "no SAN");
}

/* RFC 6698 §2.1.2 selectors 0 (the full DER certificate) and 1 (the DER SubjectPublicKeyInfo),
 * §2.1.3 matching types 1 (SHA-256) and 2 (SHA-512). A digest that cannot be computed stays zero
 * (and so matches no record). */
static void dane_digests(struct tls_dane_cert *d, const uint8_t *der, size_t len, X509 *x)
{
	unsigned char *spki = NULL;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);

	memset(d, 0, sizeof(*d));
	EVP_Digest(der, len, d->cert256, NULL, EVP_sha256(), NULL);
	EVP_Digest(der, len, d->cert512, NULL, EVP_sha512(), NULL);
	if (n > 0) {
		EVP_Digest(spki, (size_t)n, d->spki256, NULL, EVP_sha256(), NULL);
		EVP_Digest(spki, (size_t)n, d->spki512, NULL, EVP_sha512(), NULL);
	}
	OPENSSL_free(spki);
}

/* Parse der and compute the costly facts into a fresh slot s (not cached yet). */
static bool slot_fill(struct cache_slot *s, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (len > (size_t)INT32_MAX || !(s->x = d2i_X509(NULL, &p, (long)len)))
		return false;
	if (EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL) == 1)
		for (unsigned i = 0; i < mdlen && 2 * i + 2 < sizeof(s->sha256); i++)
			snprintf(s->sha256 + 2 * i, 3, "%02x", md[i]);
	dane_digests(&s->dane, der, len, s->x);
	s->self_signed = X509_NAME_cmp(X509_get_subject_name(s->x),
				       X509_get_issuer_name(s->x)) == 0 &&
			 X509_verify(s->x, X509_get0_pubkey(s->x)) == 1;
	name_raw(&s->subject, X509_get_subject_name(s->x));
	name_raw(&s->issuer, X509_get_issuer_name(s->x));
	san_raw(&s->san, s->x);
	asn1_time_iso(X509_get0_notBefore(s->x), s->not_before, sizeof(s->not_before));
	asn1_time_iso(X509_get0_notAfter(s->x), s->not_after, sizeof(s->not_after));
	s->nb_ok = asn1_time_secs(X509_get0_notBefore(s->x), &s->nb_s);
	s->na_ok = asn1_time_secs(X509_get0_notAfter(s->x), &s->na_s);
	return true;
}

/* The parsed certificate for der: from the cache, or parsed now (and cached when c exists).
 * *tmp receives a slot the caller must clear when there is no cache. */
static const struct cache_slot *lookup(struct x509_cache *c, const uint8_t *der, size_t len,
				       struct cache_slot *tmp)
{
	memset(tmp, 0, sizeof(*tmp));
	if (!c)
		return slot_fill(tmp, der, len) ? tmp : NULL;
	struct cache_slot *s = &c->slot[slot_of(der, len)];
	if (s->x && s->len == len && memcmp(s->der, der, len) == 0)
		return s;
	if (!slot_fill(tmp, der, len))
		return NULL;
	tmp->der = malloc(len);
	if (!tmp->der)
		return tmp;		/* not cached; the caller frees it */
	memcpy(tmp->der, der, len);
	tmp->len = len;
	slot_clear(s);
	*s = *tmp;
	memset(tmp, 0, sizeof(*tmp));
	return s;
}

/* Keep the DANE digests of certificate number idx of the chain (0 the leaf) in sess->tls.dane. */
static void keep_dane(struct session *sess, unsigned idx, const struct tls_dane_cert *d)
{
	struct tls_info *ti = &sess->tls;

	if (idx >= TLS_DANE_CHAIN_MAX)
		return;
	if (!ti->dane && !(ti->dane = calloc(1, sizeof(*ti->dane))))
		return;		/* memory pressure: no DANE judgement for this session */
	ti->dane->c[idx] = *d;
	if (ti->dane->n < idx + 1)
		ti->dane->n = (uint8_t)(idx + 1);
}

bool x509_chain_cert(struct x509_cache *cache, struct session *sess, unsigned idx,
		     const uint8_t *der, size_t len)
{
	struct cache_slot tmp;
	const struct cache_slot *cs;

	if (idx >= TLS_DANE_CHAIN_MAX || !sess->tls.dane)
		return false;	/* past the cap, or the leaf was not read */
	cs = lookup(cache, der, len, &tmp);
	if (cs)
		keep_dane(sess, idx, &cs->dane);
	slot_clear(&tmp);
	return cs != NULL;
}

bool x509_leaf_facts(struct x509_cache *cache, struct session *sess, const uint8_t *der, size_t len,
		     uint64_t ts_us)
{
	struct tls_info *ti = &sess->tls;
	struct cache_slot tmp;
	const struct cache_slot *cs = lookup(cache, der, len, &tmp);
	X509 *x;

	if (!cs) {
		slot_clear(&tmp);
		session_anomaly(sess, ANOM_TLS_BAD_CERT);
		snprintf(ti->cert_absent_reason, sizeof(ti->cert_absent_reason), "unparsable");
		return false;
	}
	x = cs->x;
	ti->cert_present = true;
	ti->cert_absent_reason[0] = '\0';
	if (cs->subject.ok)
		session_set_str(&ti->cert_subject, (const uint8_t *)cs->subject.p, cs->subject.n);
	if (cs->issuer.ok)
		session_set_str(&ti->cert_issuer, (const uint8_t *)cs->issuer.p, cs->issuer.n);
	if (cs->san.ok)
		session_set_str(&ti->cert_san, (const uint8_t *)cs->san.p, cs->san.n);
	memcpy(ti->cert_not_before, cs->not_before, sizeof(ti->cert_not_before));
	memcpy(ti->cert_not_after, cs->not_after, sizeof(ti->cert_not_after));
	memcpy(ti->cert_sha256, cs->sha256, sizeof(ti->cert_sha256));
	keep_dane(sess, 0, &cs->dane);
	ti->cert_self_signed = cs->self_signed;
	if (ti->cert_self_signed)
		session_add_finding(sess, FK_TLS_CERT_SELF_SIGNED, ts_us, "self-signed %s",
				    ti->cert_subject ? ti->cert_subject : "");
	validity(sess, cs, ts_us);
	key_and_signature(sess, x, ts_us);
	name_match(sess, x, ts_us);
	slot_clear(&tmp);	/* no-op when the certificate went into the cache */
	return true;
}
