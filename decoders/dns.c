/* dns.c — pure, bounded parser of DNS responses (RFC 1035 §4) for the facts of mail security policy. */
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include "cursor.h"
#include "dns.h"

/* RFC 1035 §3.2.2, RFC 3596 §2.1, RFC 6698 §7.1: the record types read; class IN (§3.2.4). */
enum { T_A = 1, T_MX = 15, T_TXT = 16, T_AAAA = 28, T_TLSA = 52, CLASS_IN = 1 };

/* RFC 1035 §4.1.1 header: 12 bytes; flags QR, Opcode, TC, RCODE; AD from RFC 4035 §3.2.3. */
enum {
	HDR_LEN = 12,
	FLAG_QR = 0x8000, FLAG_OPCODE = 0x7800, FLAG_TC = 0x0200, FLAG_AD = 0x0020, FLAG_RCODE = 0x000f,
	QUESTION_MIN = 5,	/* root name + type + class */
	RR_MIN = 11,		/* root name + type, class, ttl, rdlength */
	NAME_WIRE_MAX = 255,	/* RFC 1035 §2.3.4 */
	LABELS_MAX = 128	/* a 255-octet name has at most 127 labels */
};

/* Internal: a well-formed name whose text does not fit DNS_NAME_TEXT_MAX (the fact is not kept). */
#define NAME_TOO_LONG DNS_IGNORED

static const char *const result_names[DNS__COUNT] = {
	[DNS_OK] = "ok", [DNS_IGNORED] = "ignored", [DNS_TRUNCATED] = "truncated",
	[DNS_BAD_POINTER] = "bad_pointer", [DNS_BAD_LABEL] = "bad_label",
	[DNS_BAD_COUNT] = "bad_count", [DNS_BAD_RDATA] = "bad_rdata",
};

const char *dns_result_name(enum dns_result r)
{
	return (unsigned)r < DNS__COUNT ? result_names[r] : "unknown";
}

const char *dns_fact_type_name(enum dns_fact_type t)
{
	static const char *const names[] = { "mx", "addr", "sts", "tlsrpt", "tlsa" };

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

/* RFC 1035 §4.1.4: step over the name at c (labels ending in a zero octet or in a pointer),
 * checking bounds and label types only. */
static enum dns_result skip_name(struct cur *c)
{
	for (int i = 0; i < LABELS_MAX; i++) {
		uint8_t b = get_u8(c);
		if (c->err)
			return DNS_TRUNCATED;
		if (b == 0)
			return DNS_OK;
		if ((b & 0xc0) == 0xc0) {
			(void)get_u8(c);
			return c->err ? DNS_TRUNCATED : DNS_OK;
		}
		if (b & 0xc0)
			return DNS_BAD_LABEL;
		get_skip(c, b);
		if (c->err)
			return DNS_TRUNCATED;
	}
	return DNS_BAD_LABEL;
}

/* Bytes of a name kept as they are (after lower-casing): 1, upper case 2 (GNU range designators). */
static const uint8_t name_class[256] = {
	['a' ... 'z'] = 1, ['0' ... '9'] = 1, ['-'] = 1, ['_'] = 1, ['*'] = 1, ['A' ... 'Z'] = 2,
};

/* Append one label's bytes as text: lower case, [a-z0-9-_*] kept, anything else as \xNN. Returns
 * false when it does not fit. */
static bool label_text(char *out, size_t cap, size_t *o, const uint8_t *l, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t w = *o;

	for (size_t i = 0; i < len; i++) {
		uint8_t ch = l[i], c = name_class[ch];
		if (w + (c ? 1 : 4) >= cap)
			return false;
		if (c) {
			out[w++] = (char)(c == 2 ? ch + ('a' - 'A') : ch);
		} else {
			out[w++] = '\\';
			out[w++] = 'x';
			out[w++] = hex[ch >> 4];
			out[w++] = hex[ch & 15];
		}
	}
	*o = w;
	return true;
}

/* RFC 1035 §4.1.4: the name at offset off of the message p[0..n) as text (no final dot; the root is
 * ""). Every pointer must point below the lowest offset this name has used so far (strictly
 * backwards, so a chain always ends), at most DNS_PTR_HOPS_MAX of them; at most 255 wire octets. */
static enum dns_result read_name(const uint8_t *p, size_t n, size_t off, char *out, size_t cap)
{
	size_t o = 0, wire = 1, low = off;
	unsigned hops = 0;
	bool fits = true;

	out[0] = '\0';
	for (;;) {
		if (off >= n)
			return DNS_TRUNCATED;
		uint8_t b = p[off];
		if (b == 0)
			break;
		if ((b & 0xc0) == 0xc0) {
			if (off + 1 >= n)
				return DNS_TRUNCATED;
			size_t to = (size_t)(b & 0x3f) << 8 | p[off + 1];
			if (to >= low || ++hops > DNS_PTR_HOPS_MAX)
				return DNS_BAD_POINTER;
			off = low = to;
			continue;
		}
		if (b & 0xc0)
			return DNS_BAD_LABEL;	/* 01 and 10: reserved (RFC 6891 §5 retired 01) */
		if (b > n - off - 1)
			return DNS_TRUNCATED;
		wire += 1u + b;
		if (wire > NAME_WIRE_MAX)
			return DNS_BAD_LABEL;
		if (fits && o) {
			if (o + 1 < cap)
				out[o++] = '.';
			else
				fits = false;
		}
		if (fits)
			fits = label_text(out, cap, &o, p + off + 1, b);
		off += 1u + b;
	}
	out[fits ? o : 0] = '\0';
	return fits ? DNS_OK : NAME_TOO_LONG;
}

/* Room for one more fact, or NULL (counted as dropped). */
static struct dns_fact *new_fact(struct dns_facts *out, enum dns_fact_type t, uint32_t ttl)
{
	if (out->n >= DNS_FACTS_MAX) {
		if (out->dropped < UINT8_MAX)
			out->dropped++;
		return NULL;
	}
	struct dns_fact *f = &out->f[out->n++];
	f->type = (uint8_t)t;
	f->ttl = ttl;
	return f;
}

/* name minus a leading prefix ("_mta-sts."), or NULL when it does not start with it. */
static const char *strip_prefix(const char *name, const char *prefix)
{
	size_t l = strlen(prefix);

	return strncmp(name, prefix, l) == 0 && name[l] ? name + l : NULL;
}

/* RFC 1035 §3.3.14: TXT RDATA is one or more <character-string>s; RFC 8461 §3.1 and RFC 8460 §3
 * read them concatenated. Into buf (cut at cap - 1). Returns the length, or -1 when malformed. */
static int txt_concat(struct cur rd, uint8_t *buf, size_t cap)
{
	size_t o = 0;

	while (cur_left(&rd) > 0) {
		uint8_t len = get_u8(&rd);
		const uint8_t *s = get_bytes(&rd, len);
		if (!s)
			return -1;
		size_t take = len < cap - 1 - o ? len : cap - 1 - o;
		memcpy(buf + o, s, take);
		o += take;
	}
	return (int)o;
}

/* RFC 8461 §3.1 / RFC 8460 §3: "v=<version>; key=value; ...", fields split by ';' with optional
 * whitespace. The value of key when the record starts with exactly version; else false. */
static bool tag_value(const uint8_t *s, size_t n, const char *version, const char *key,
		      const uint8_t **val, size_t *vlen)
{
	size_t i = 0;
	bool first = true;

	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		size_t start = i;
		while (i < n && s[i] != ';')
			i++;
		size_t end = i;
		while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t'))
			end--;
		i++;	/* the ';' */
		if (end == start)
			continue;	/* an empty field ("a=1;;b=2", a trailing ';') */
		const uint8_t *eq = memchr(s + start, '=', end - start);
		if (!eq)
			return false;
		size_t klen = (size_t)(eq - (s + start));
		if (first) {
			if (klen != 1 || s[start] != 'v' || (size_t)(s + end - eq - 1) != strlen(version) ||
			    memcmp(eq + 1, version, strlen(version)) != 0)
				return false;
			first = false;
			continue;
		}
		if (klen == strlen(key) && memcmp(s + start, key, klen) == 0) {
			*val = eq + 1;
			*vlen = (size_t)(s + end - eq - 1);
			return true;
		}
	}
	return false;
}

/* TXT at _mta-sts.DOMAIN (id) or _smtp._tls.DOMAIN (rua). */
static enum dns_result take_txt(struct dns_facts *out, const char *owner, uint32_t ttl,
				struct cur rd)
{
	uint8_t buf[DNS_TXT_TEXT_MAX * 2];
	const char *dom;
	const uint8_t *v;
	size_t vl;
	enum dns_fact_type t;
	int n;

	if ((dom = strip_prefix(owner, "_mta-sts.")))
		t = DF_STS;
	else if ((dom = strip_prefix(owner, "_smtp._tls.")))
		t = DF_TLSRPT;
	else
		return DNS_OK;
	if ((n = txt_concat(rd, buf, sizeof(buf))) < 0)
		return DNS_BAD_RDATA;
	if (!tag_value(buf, (size_t)n, t == DF_STS ? "STSv1" : "TLSRPTv1", t == DF_STS ? "id" : "rua",
		       &v, &vl))
		return DNS_OK;	/* another TXT record at the name: not a policy */
	struct dns_fact *f = new_fact(out, t, ttl);
	if (f) {
		snprintf(f->name, sizeof(f->name), "%s", dom);
		escape_bytes(f->u.text, sizeof(f->u.text), v, vl);
	}
	return DNS_OK;
}

/* RFC 6698 §2.1 TLSA at _25._tcp.HOST (RFC 7672 §2.2.3: SMTP on port 25). */
static enum dns_result take_tlsa(struct dns_facts *out, const char *owner, uint32_t ttl,
				 struct cur rd)
{
	const char *host = strip_prefix(owner, "_25._tcp.");
	struct dns_tlsa t;
	unsigned int mdlen = 0;

	if (!host)
		return DNS_OK;
	memset(&t, 0, sizeof(t));
	t.usage = get_u8(&rd);
	t.selector = get_u8(&rd);
	t.mtype = get_u8(&rd);
	if (rd.err)
		return DNS_BAD_RDATA;
	size_t dl = cur_left(&rd);
	const uint8_t *d = get_bytes(&rd, dl);
	if (t.mtype == 1 || t.mtype == 2) {	/* §2.1.3: SHA-256 / SHA-512 */
		if (dl != (t.mtype == 1 ? 32u : 64u))
			return DNS_BAD_RDATA;
		memcpy(t.data, d, dl);
		t.len = (uint8_t)dl;
	} else if (t.mtype == 0) {		/* exact: kept as its SHA-256 */
		if (dl == 0 || EVP_Digest(d, dl, t.data, &mdlen, EVP_sha256(), NULL) != 1)
			return DNS_BAD_RDATA;
		t.len = (uint8_t)mdlen;
		t.hashed = true;
	} else {
		return DNS_OK;	/* RFC 7671 §4: unknown matching types are unusable */
	}
	struct dns_fact *f = new_fact(out, DF_TLSA, ttl);
	if (f) {
		snprintf(f->name, sizeof(f->name), "%s", host);
		f->u.tlsa = t;
	}
	return DNS_OK;
}

/* The owner name decoded straight into the fact just taken (no copy: most records read are
 * addresses); on failure the fact is given back (*kept false). */
static enum dns_result owner_into(const uint8_t *p, size_t n, struct dns_facts *out,
				  struct dns_fact *f, size_t owner_off, bool *kept)
{
	enum dns_result r = read_name(p, n, owner_off, f->name, sizeof(f->name));

	*kept = r == DNS_OK;
	if (r != DNS_OK)
		out->n--;
	return r == NAME_TOO_LONG ? DNS_OK : r;	/* too long to keep: not an anomaly */
}

/* RFC 1035 §3.3.9 MX: PREFERENCE, EXCHANGE (a name, compressible, wholly inside the RDATA). */
static enum dns_result take_mx(const uint8_t *p, size_t n, struct dns_facts *out, size_t owner_off,
			       uint32_t ttl, struct cur rd, size_t rd_off)
{
	uint16_t pref = get_u16(&rd);
	enum dns_result r;
	bool kept;

	if (rd.err)
		return DNS_BAD_RDATA;
	size_t name_off = rd.off;
	r = skip_name(&rd);
	if (r != DNS_OK)
		return r == DNS_TRUNCATED ? DNS_BAD_RDATA : r;
	if (cur_left(&rd) != 0)
		return DNS_BAD_RDATA;
	struct dns_fact *f = new_fact(out, DF_MX, ttl);
	if (!f)
		return DNS_OK;
	if ((r = owner_into(p, n, out, f, owner_off, &kept)) != DNS_OK || !kept)
		return r;
	f->u.mx.pref = pref;
	r = read_name(p, n, rd_off + name_off, f->u.mx.host, sizeof(f->u.mx.host));
	if (r != DNS_OK || !f->u.mx.host[0]) {
		out->n--;	/* too long to keep, a null MX (RFC 7505: no mail host), or broken */
		return r == NAME_TOO_LONG ? DNS_OK : r;
	}
	return DNS_OK;
}

static enum dns_result take_addr(const uint8_t *p, size_t n, struct dns_facts *out,
				 size_t owner_off, uint32_t ttl, struct cur rd, uint16_t type)
{
	size_t len = type == T_A ? 4 : 16;
	enum dns_result r;
	bool kept;

	if (cur_left(&rd) != len)
		return DNS_BAD_RDATA;	/* RFC 1035 §3.4.1: 4 octets; RFC 3596 §2.2: 16 */
	struct dns_fact *f = new_fact(out, DF_ADDR, ttl);
	if (!f)
		return DNS_OK;
	if ((r = owner_into(p, n, out, f, owner_off, &kept)) != DNS_OK || !kept)
		return r;
	memset(&f->u.addr, 0, sizeof(f->u.addr));
	f->u.addr.family = type == T_A ? 4 : 6;
	get_copy(&rd, f->u.addr.a, len);
	return DNS_OK;
}

/* One record of a type we read: its owner name (decoded only now) and RDATA. */
static enum dns_result take_record(const uint8_t *p, size_t n, struct dns_facts *out,
				   size_t owner_off, uint16_t type, uint32_t ttl, size_t rd_off,
				   uint16_t rdlen)
{
	char owner[DNS_NAME_TEXT_MAX];
	struct cur rd = cur_make(p + rd_off, rdlen);
	enum dns_result r;

	if (type == T_A || type == T_AAAA)
		return take_addr(p, n, out, owner_off, ttl, rd, type);
	if (type == T_MX)
		return take_mx(p, n, out, owner_off, ttl, rd, rd_off);
	r = read_name(p, n, owner_off, owner, sizeof(owner));
	if (r != DNS_OK)
		return r == NAME_TOO_LONG ? DNS_OK : r;
	return type == T_TXT ? take_txt(out, owner, ttl, rd) : take_tlsa(out, owner, ttl, rd);
}

static bool type_wanted(uint16_t type)
{
	return type == T_A || type == T_AAAA || type == T_MX || type == T_TXT || type == T_TLSA;
}

/* RFC 1035 §4.1.3: the records after the question; the authority section (NS, SOA) is stepped
 * over, the answer and additional sections read. */
static enum dns_result walk_records(const uint8_t *p, size_t n, struct cur *c, uint32_t an,
				    uint32_t ns, uint32_t total, struct dns_facts *out)
{
	for (uint32_t i = 0; i < total && i < DNS_RR_WALK_MAX; i++) {
		size_t owner_off = c->off;
		enum dns_result r = skip_name(c);
		if (r != DNS_OK)
			return r;
		uint16_t type = get_u16(c), cls = get_u16(c);
		uint32_t ttl = get_u32(c);
		uint16_t rdlen = get_u16(c);
		size_t rd_off = c->off;
		get_skip(c, rdlen);
		if (c->err)
			return DNS_TRUNCATED;
		bool authority = i >= an && i < an + ns;
		if (authority || cls != CLASS_IN || !type_wanted(type))
			continue;
		if (ttl & 0x80000000u)
			ttl = 0;	/* RFC 2181 §8 */
		r = take_record(p, n, out, owner_off, type, ttl, rd_off, rdlen);
		if (r != DNS_OK)
			return r;
	}
	return DNS_OK;
}

enum dns_result dns_parse(const uint8_t *p, size_t n, struct dns_facts *out)
{
	struct cur c = cur_make(p, p ? n : 0);
	enum dns_result r;

	out->n = out->dropped = 0;
	out->ad = false;
	/* RFC 1035 §4.1.1: ID, flags, QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT */
	out->id = get_u16(&c);
	uint16_t flags = get_u16(&c);
	uint32_t qd = get_u16(&c), an = get_u16(&c), ns = get_u16(&c), ar = get_u16(&c);
	if (c.err)
		return DNS_TRUNCATED;
	if (!(flags & FLAG_QR) || (flags & FLAG_OPCODE) || (flags & FLAG_RCODE))
		return DNS_IGNORED;	/* a query, not a standard query's answer, or an error */
	out->ad = (flags & FLAG_AD) != 0;
	bool tc = (flags & FLAG_TC) != 0;
	/* Every question and record takes a minimum of bytes: counts beyond them are lies. */
	if (!tc && (uint64_t)qd * QUESTION_MIN + (uint64_t)(an + ns + ar) * RR_MIN > n - HDR_LEN)
		return DNS_BAD_COUNT;
	for (uint32_t i = 0; i < qd && i < DNS_RR_WALK_MAX; i++) {	/* §4.1.2 */
		if ((r = skip_name(&c)) != DNS_OK)
			return tc && r == DNS_TRUNCATED ? DNS_OK : r;
		get_skip(&c, 4);	/* QTYPE, QCLASS */
		if (c.err)
			return tc ? DNS_OK : DNS_TRUNCATED;
	}
	r = walk_records(p, n, &c, an, ns, an + ns + ar, out);
	/* RFC 2181 §9: a truncated (TC) answer may end anywhere; what came before it stands. */
	return tc && r == DNS_TRUNCATED ? DNS_OK : r;
}
