/* policy_load.c — the writer's DNS memory refilled from dns_policy and mail_hosts of earlier runs. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "policy_int.h"

/* "2026-11-28T10:55:59.123Z" (ts_iso's form) → µs; 0 for NULL or anything else. */
static uint64_t iso_us(const unsigned char *t)
{
	struct tm tm;
	int ms = 0;

	memset(&tm, 0, sizeof(tm));
	if (!t || sscanf((const char *)t, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon,
			 &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t s = timegm(&tm);
	return s < 0 ? 0 : (uint64_t)s * 1000000u + (uint64_t)ms * 1000u;
}

static const char *col(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	return t ? (const char *)t : "";
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* dns_policy: MTA-STS id, TLS-RPT address, MX expiry per domain. */
static int load_domains(struct policy *p)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(p->db,
		"SELECT * FROM (SELECT domain, mta_sts_id, mta_sts_expires, tlsrpt_rua, tlsrpt_expires,"
		" mx_expires, first_seen, last_seen FROM dns_policy ORDER BY last_seen DESC LIMIT ?1)"
		" ORDER BY last_seen", -1, &q, NULL);

	if (rc != SQLITE_OK)
		return -1;
	sqlite3_bind_int(q, 1, POLICY_DOMAINS_MAX);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		uint64_t first = iso_us(sqlite3_column_text(q, 6));
		struct pdom *d = policy_find_dom(p, col(q, 0), true, first);
		if (!d)
			continue;
		d->first_us = first;
		if ((d->sts_exp = iso_us(sqlite3_column_text(q, 2))))
			snprintf(d->sts_id, sizeof(d->sts_id), "%s", col(q, 1));
		if ((d->rpt_exp = iso_us(sqlite3_column_text(q, 4))))
			snprintf(d->rua, sizeof(d->rua), "%s", col(q, 3));
		d->mx_exp = iso_us(sqlite3_column_text(q, 5));
		d->exp = max64(d->mx_exp, max64(d->sts_exp, d->rpt_exp));
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* "198.51.100.25,2001:db8::25" → the host's addresses and the address index. */
static void load_addrs(struct policy *p, struct phost *h, const char *list, uint64_t exp)
{
	char a[64];

	for (const char *s = list; *s;) {
		size_t n = strcspn(s, ",");
		struct ip_addr ip;
		memset(&ip, 0, sizeof(ip));
		snprintf(a, sizeof(a), "%.*s", (int)(n < sizeof(a) ? n : sizeof(a) - 1), s);
		ip.family = strchr(a, ':') ? 6 : 4;
		if (inet_pton(ip.family == 4 ? AF_INET : AF_INET6, a, ip.a) == 1 && h->naddr < HOST_ADDRS) {
			h->addr[h->naddr++] = ip;
			policy_index_addr(p, &ip, h->name, exp, exp);
		}
		s += n + (s[n] == ',');
	}
	h->addr_exp = max64(h->addr_exp, exp);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "3 1 1 <hex>; 2 0 0 sha256:<hex>" (dns_tlsa_str's form) → the host's TLSA records. */
static void load_tlsa(struct phost *h, const char *list, bool ad, uint64_t exp)
{
	h->ntlsa = 0;
	for (const char *s = list; *s && h->ntlsa < POLICY_TLSA_MAX;) {
		struct dns_tlsa t;
		unsigned u, sel, mt;
		int used = 0;
		memset(&t, 0, sizeof(t));
		if (sscanf(s, "%u %u %u %n", &u, &sel, &mt, &used) != 3)
			break;
		const char *x = s + used;
		if (strncmp(x, "sha256:", 7) == 0) {
			t.hashed = true;
			x += 7;
		}
		while (t.len < sizeof(t.data) && hexval(x[0]) >= 0 && hexval(x[1]) >= 0) {
			t.data[t.len++] = (uint8_t)(hexval(x[0]) << 4 | hexval(x[1]));
			x += 2;
		}
		t.usage = (uint8_t)u, t.selector = (uint8_t)sel, t.mtype = (uint8_t)mt;
		if (t.len == 32 || t.len == 64)
			h->tlsa[h->ntlsa++] = t;
		const char *next = strstr(x, "; ");
		if (!next)
			break;
		s = next + 2;
	}
	h->tlsa_ad = ad;
	h->tlsa_exp = exp;
}

/* mail_hosts: MX of each domain, the hosts' addresses and TLSA records. The addresses and records
 * are given the row's expiry (the MX answer's): the file keeps no expiry of their own. */
static int load_hosts(struct policy *p)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(p->db,
		"SELECT * FROM (SELECT domain, host, preference, addresses, tlsa, tlsa_ad, first_seen,"
		" expires, last_seen FROM mail_hosts ORDER BY last_seen DESC LIMIT ?1)"
		" ORDER BY last_seen", -1, &q, NULL);

	if (rc != SQLITE_OK)
		return -1;
	sqlite3_bind_int(q, 1, POLICY_HOSTS_MAX);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		uint64_t first = iso_us(sqlite3_column_text(q, 6));
		uint64_t exp = iso_us(sqlite3_column_text(q, 7));
		struct phost *h = policy_find_host(p, col(q, 1), true, first);
		if (!h)
			continue;
		if (!h->first_us || first < h->first_us)
			h->first_us = first;
		h->exp = max64(h->exp, exp);
		if (sqlite3_column_type(q, 2) != SQLITE_NULL) {
			struct pdom *d = policy_find_dom(p, col(q, 0), true, first);
			if (d && d->nmx < POLICY_MX_MAX) {
				d->mx[d->nmx].pref = (uint16_t)sqlite3_column_int(q, 2);
				d->mx[d->nmx].exp = exp;
				snprintf(d->mx[d->nmx].host, sizeof(d->mx[d->nmx].host), "%s", h->name);
				d->nmx++;
				d->exp = max64(d->exp, exp);
				policy_host_add_domain(h, d->name);
			}
		}
		if (h->naddr == 0)
			load_addrs(p, h, col(q, 3), exp);
		if (sqlite3_column_type(q, 4) != SQLITE_NULL)
			load_tlsa(h, col(q, 4), sqlite3_column_int(q, 5) != 0, exp);
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

int policy_load(struct policy *p)
{
	return load_domains(p) == 0 && load_hosts(p) == 0 ? 0 : -1;
}
