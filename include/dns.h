/* dns.h — mail security facts from DNS responses (RFC 1035 §4): MX, A/AAAA, MTA-STS, TLS-RPT, TLSA. */
#ifndef MAILTAP_DNS_H
#define MAILTAP_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "limits.h"
#include "session.h"	/* struct ip_addr */

/* RFC 1035 §4.2: DNS over UDP and TCP, port 53. */
#define DNS_PORT 53

/* What one message gave. DNS_OK and DNS_IGNORED are normal; the others are typed anomalies
 * (hostile or broken bytes), counted per run by the sensor. */
enum dns_result {
	DNS_OK,			/* a response; facts (maybe none) filled */
	DNS_IGNORED,		/* a query, or a response with RCODE != 0: nothing to learn */
	DNS_TRUNCATED,		/* the message ends inside the header, a question or a record */
	DNS_BAD_POINTER,	/* a compression pointer not strictly backwards, or too many hops */
	DNS_BAD_LABEL,		/* a reserved label type (RFC 1035 §4.1.4: 01, 10), or a name > 255 */
	DNS_BAD_COUNT,		/* section counts that cannot fit in the message (huge counts) */
	DNS_BAD_RDATA,		/* RDLENGTH wrong for the type (A not 4, TLSA digest not its size) */
	DNS__COUNT
};

/* The facts mailtap keeps (the types that matter for mail security policy). */
enum dns_fact_type {
	DF_MX,			/* name: mail domain; u.mx: preference and exchange host */
	DF_ADDR,		/* name: host; u.addr: its A (RFC 1035) or AAAA (RFC 3596) address */
	DF_STS,			/* name: domain of a `_mta-sts.` TXT "v=STSv1; id=..." (RFC 8461 §3.1) */
	DF_TLSRPT,		/* name: domain of a `_smtp._tls.` TXT "v=TLSRPTv1; rua=..." (RFC 8460 §3) */
	DF_TLSA			/* name: host of a `_25._tcp.` TLSA record (RFC 6698 §2.1, RFC 7672) */
};

/* One TLSA record (RFC 6698 §2.1). Matching type 1 (SHA-256) and 2 (SHA-512) keep their digest;
 * matching type 0 (the full value, up to a whole certificate) keeps the SHA-256 of the value and
 * sets `hashed`: a certificate matches when the SHA-256 of its selected part equals it. */
struct dns_tlsa {
	uint8_t usage;		/* 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE */
	uint8_t selector;	/* 0 full certificate, 1 SubjectPublicKeyInfo */
	uint8_t mtype;		/* 0 exact, 1 SHA-256, 2 SHA-512 */
	uint8_t len;		/* bytes of data used: 32 or 64 */
	bool hashed;		/* mtype 0: data is the SHA-256 of the value */
	uint8_t data[64];
};

/* One fact. Names are lower-case text without the final dot; bytes outside [a-z0-9-_*] become
 * \xNN (a dot inside a label too), so names are printable and safe to store. */
struct dns_fact {
	uint8_t type;		/* enum dns_fact_type */
	uint32_t ttl;		/* seconds (RFC 2181 §8: values with the top bit set read as 0) */
	char name[DNS_NAME_TEXT_MAX];
	union {
		struct {
			uint16_t pref;
			char host[DNS_NAME_TEXT_MAX];
		} mx;
		struct ip_addr addr;
		char text[DNS_TXT_TEXT_MAX];	/* STS: the id; TLSRPT: the rua list (escaped) */
		struct dns_tlsa tlsa;
	} u;
};

/* What one response says that matters for mail. Only f[0..n) is written. */
struct dns_facts {
	bool ad;		/* RFC 4035 §3.2.3: the resolver says it validated the answer */
	uint16_t id;
	uint8_t n;
	uint8_t dropped;	/* facts beyond DNS_FACTS_MAX, not kept */
	struct dns_fact f[DNS_FACTS_MAX];
};

/* Parse one DNS message p[0..n) (RFC 1035 §4.1: header, question, answer, authority and additional
 * sections; names compressed per §4.1.4, pointers strictly backwards and at most DNS_PTR_HOPS_MAX
 * hops). Responses with RCODE 0 only; facts come from the answer and additional sections. Records of
 * other types are skipped without decoding their names. At most DNS_RR_WALK_MAX records are looked
 * at. Pure: reads only p[0..n), keeps no pointer into it, allocates nothing; out->n and out->dropped
 * are always set. Returns DNS_OK (facts may be none), DNS_IGNORED, or the anomaly that stopped it
 * (facts found before it are kept). */
enum dns_result dns_parse(const uint8_t *p, size_t n, struct dns_facts *out);

/* Stable name of a result ("bad_pointer"), for counters and output. */
const char *dns_result_name(enum dns_result r);

/* Stable name of a fact type ("mx", "addr", "sts", "tlsrpt", "tlsa"). */
const char *dns_fact_type_name(enum dns_fact_type t);

/* "3 1 1 <hex>" — the presentation form of RFC 6698 §2.2; a hashed exact value shows its digest as
 * "3 1 0 sha256:<hex>". cap at least DNS_TLSA_TEXT_MAX. Inline so the writer needs only this header. */
#define DNS_TLSA_TEXT_MAX (2 * 64 + 24)
static inline const char *dns_tlsa_str(const struct dns_tlsa *t, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	int o = snprintf(buf, cap, "%u %u %u %s", t->usage, t->selector, t->mtype,
			 t->hashed ? "sha256:" : "");

	for (unsigned i = 0; i < t->len && o > 0 && (size_t)o + 3 <= cap; i++) {
		buf[o++] = hex[t->data[i] >> 4];
		buf[o++] = hex[t->data[i] & 15];
		buf[o] = '\0';
	}
	return buf;
}

#endif
