/* pcapgen_dns.c — pcapgen's DNS message builder (RFC 1035 §4.1): header, question and records from
 * script lines, names compressed against the first question name (§4.1.4).
 *
 *   dns [query] [ad] [tc] [id N] [rcode N]   begin a message (a response unless query)
 *   q NAME TYPE                             a question
 *   an|ns|ar NAME TTL TYPE DATA...          a record of the answer / authority / additional section:
 *       A 198.51.100.25 | AAAA 2001:db8::25 | MX 10 mx.example.test | CNAME host | NS host
 *       TXT text (the rest of the line, pcapgen escapes; cut into 255-byte strings)
 *       TLSA 3 1 1 HEX | TYPE<n> HEX (raw RDATA)
 *   dnsend                                  the message is done (pcapgen sends it)
 * A NAME equal to the first question's is written as a pointer to it; a NAME ending in it as its
 * other labels and a pointer.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "pcapgen_dns.h"

static void put8(struct dns_msg *m, unsigned v)
{
	if (m->n < sizeof(m->b))
		m->b[m->n++] = (uint8_t)v;
}

static void put16(struct dns_msg *m, unsigned v)
{
	put8(m, (v >> 8) & 0xff);
	put8(m, v & 0xff);
}

static void putn(struct dns_msg *m, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(m, ((const uint8_t *)p)[i]);
}

void dns_begin(struct dns_msg *m, bool query, bool ad, bool tc, unsigned id, unsigned rcode)
{
	memset(m, 0, sizeof(*m));
	m->open = true;
	m->id = id;
	m->flags = (query ? 0 : 0x8000) | 0x0100 | (query ? 0 : 0x0080) | (tc ? 0x0200 : 0) |
		   (ad ? 0x0020 : 0) | (rcode & 15);
	m->n = 12;
}

static void name_wire(struct dns_msg *m, const char *name)
{
	size_t nl = strlen(name), ql = strlen(m->qname);

	if (m->qname[0] && strcasecmp(name, m->qname) == 0) {
		put16(m, 0xc00c);
		return;
	}
	bool suffix = m->qname[0] && nl > ql + 1 && name[nl - ql - 1] == '.' &&
		      strcasecmp(name + nl - ql, m->qname) == 0;
	size_t stop = suffix ? nl - ql - 1 : nl;
	size_t i = 0;
	while (i < stop) {
		size_t j = i;
		while (j < stop && name[j] != '.')
			j++;
		put8(m, (unsigned)(j - i));
		putn(m, name + i, j - i);
		i = j + 1;
	}
	if (suffix)
		put16(m, 0xc00c);
	else
		put8(m, 0);
}

static int type_code(const char *t)
{
	static const struct { const char *n; int v; } types[] = {
		{ "A", 1 }, { "NS", 2 }, { "CNAME", 5 }, { "SOA", 6 }, { "MX", 15 }, { "TXT", 16 },
		{ "AAAA", 28 }, { "TLSA", 52 },
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(t, types[i].n) == 0)
			return types[i].v;
	if (strncasecmp(t, "TYPE", 4) == 0)
		return atoi(t + 4);
	return -1;
}

static const char *hex_bytes(struct dns_msg *m, const char *s)
{
	while (isxdigit((unsigned char)s[0]) && isxdigit((unsigned char)s[1])) {
		char h[3] = { s[0], s[1], 0 };
		put8(m, (unsigned)strtoul(h, NULL, 16));
		s += 2;
	}
	return *s ? "bad hex data" : NULL;
}

const char *dns_question(struct dns_msg *m, const char *name, const char *type)
{
	int t = type ? type_code(type) : -1;

	if (!name || t < 0)
		return "q wants NAME TYPE";
	if (m->sec[0] == 0 && !m->qname[0])
		snprintf(m->qname, sizeof(m->qname), "%s", name);
	if (m->sec[1] || m->sec[2] || m->sec[3])
		return "questions come before the records";
	if (strcasecmp(name, m->qname) == 0 && m->sec[0] == 0) {
		size_t i = 0, nl = strlen(name);
		while (i < nl) {	/* the first question is written whole: pointers target it */
			size_t j = i;
			while (j < nl && name[j] != '.')
				j++;
			put8(m, (unsigned)(j - i));
			putn(m, name + i, j - i);
			i = j + 1;
		}
		put8(m, 0);
	} else {
		name_wire(m, name);
	}
	put16(m, (unsigned)t);
	put16(m, 1);
	m->sec[0]++;
	return NULL;
}

/* The pcapgen escapes \\ and \xNN of s into out; returns the length. */
static size_t txt_unescape(const char *s, uint8_t *out)
{
	size_t n = 0;

	while (*s) {
		if (s[0] == '\\' && s[1] == 'x' && isxdigit((unsigned char)s[2]) &&
		    isxdigit((unsigned char)s[3])) {
			char h[3] = { s[2], s[3], 0 };
			out[n++] = (uint8_t)strtoul(h, NULL, 16);
			s += 4;
		} else if (s[0] == '\\' && s[1] == '\\') {
			out[n++] = '\\';
			s += 2;
		} else {
			out[n++] = (uint8_t)*s++;
		}
	}
	return n;
}

/* RDATA of type t from the words after TYPE (for TXT: the rest of the line). */
static const char *rdata(struct dns_msg *m, int t, char *args)
{
	uint8_t txt[4096];
	size_t txtlen = 0;

	if (t == 16) {
		if (strlen(args) >= sizeof(txt))
			return "TXT too long";
		txtlen = txt_unescape(args, txt);
	}

	char *w[6] = { 0 };
	int nw = 0;
	uint8_t a[16];

	for (char *p = t == 16 ? NULL : strtok(args, " \t"); p && nw < 6; p = strtok(NULL, " \t"))
		w[nw++] = p;
	switch (t) {
	case 1:
	case 28:
		if (nw != 1 || inet_pton(t == 1 ? AF_INET : AF_INET6, w[0], a) != 1)
			return "bad address";
		putn(m, a, t == 1 ? 4 : 16);
		return NULL;
	case 15:
		if (nw != 2)
			return "MX wants PREFERENCE HOST";
		put16(m, (unsigned)atoi(w[0]));
		name_wire(m, w[1]);
		return NULL;
	case 2:
	case 5:
		if (nw != 1)
			return "wants HOST";
		name_wire(m, w[0]);
		return NULL;
	case 16:
		for (size_t o = 0; o < txtlen || o == 0; o += 255) {
			size_t l = txtlen - o < 255 ? txtlen - o : 255;
			put8(m, (unsigned)l);
			putn(m, txt + o, l);
			if (txtlen == 0)
				break;
		}
		return NULL;
	case 52:
		if (nw != 4)
			return "TLSA wants USAGE SELECTOR MTYPE HEX";
		put8(m, (unsigned)atoi(w[0])), put8(m, (unsigned)atoi(w[1])), put8(m, (unsigned)atoi(w[2]));
		return hex_bytes(m, w[3]);
	default:
		return nw == 1 ? hex_bytes(m, w[0]) : nw == 0 ? NULL : "TYPE<n> wants HEX";
	}
}

const char *dns_record(struct dns_msg *m, int section, char *line)
{
	char name[256], type[32];
	unsigned long ttl;
	int used = 0;

	if (sscanf(line, "%255s %lu %31s %n", name, &ttl, type, &used) < 3)
		return "wants NAME TTL TYPE DATA";
	int t = type_code(type);
	if (t < 0)
		return "unknown record type";
	for (int s = section + 1; s < 4; s++)
		if (m->sec[s])
			return "records must come in section order (an, ns, ar)";
	name_wire(m, name);
	put16(m, (unsigned)t);
	put16(m, 1);
	put16(m, (unsigned)(ttl >> 16)), put16(m, (unsigned)(ttl & 0xffff));
	size_t at = m->n;
	put16(m, 0);
	const char *err = rdata(m, t, line + used);
	size_t len = m->n - at - 2;
	m->b[at] = (uint8_t)(len >> 8);
	m->b[at + 1] = (uint8_t)len;
	m->sec[section]++;
	return err;
}

size_t dns_end(struct dns_msg *m)
{
	size_t n = m->n;

	m->n = 0;
	put16(m, m->id);
	put16(m, m->flags);
	for (int i = 0; i < 4; i++)
		put16(m, m->sec[i]);
	m->n = n;
	m->open = false;
	return n;
}
