/* policy.c — the writer's bounded memory of mail DNS (MX, addresses, MTA-STS, TLS-RPT, TLSA) kept by
 * TTL in packet time, persisted in dns_policy / mail_hosts, and the policy findings of a session. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "limits.h"
#include "policy.h"
#include "policy_int.h"

static const char *const psql[P__COUNT] = {
	[P_DOM_PUT] = "INSERT INTO dns_policy(domain, mta_sts_id, mta_sts_expires, tlsrpt_rua,"
		      " tlsrpt_expires, mx_expires, first_seen, last_seen)"
		      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)"
		      " ON CONFLICT(domain) DO UPDATE SET"
		      "  mta_sts_id = coalesce(excluded.mta_sts_id, mta_sts_id),"
		      "  mta_sts_expires = coalesce(excluded.mta_sts_expires, mta_sts_expires),"
		      "  tlsrpt_rua = coalesce(excluded.tlsrpt_rua, tlsrpt_rua),"
		      "  tlsrpt_expires = coalesce(excluded.tlsrpt_expires, tlsrpt_expires),"
		      "  mx_expires = coalesce(excluded.mx_expires, mx_expires),"
		      "  first_seen = min(first_seen, excluded.first_seen),"
		      "  last_seen = max(last_seen, excluded.last_seen)",
	[P_HOST_PUT] = "INSERT INTO mail_hosts(domain, host, preference, addresses, tlsa, tlsa_ad,"
		       " first_seen, last_seen, expires) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)"
		       " ON CONFLICT(domain, host) DO UPDATE SET"
		       "  preference = coalesce(excluded.preference, preference),"
		       "  addresses = coalesce(excluded.addresses, addresses),"
		       "  tlsa = coalesce(excluded.tlsa, tlsa),"
		       "  tlsa_ad = coalesce(excluded.tlsa_ad, tlsa_ad),"
		       "  first_seen = min(first_seen, excluded.first_seen),"
		       "  last_seen = max(last_seen, excluded.last_seen),"
		       "  expires = max(coalesce(expires, ''), excluded.expires)",
	[P_HOST_ADDR] = "UPDATE mail_hosts SET addresses = ?2, last_seen = max(last_seen, ?3)"
			" WHERE host = ?1",
	[P_HOST_TLSA] = "UPDATE mail_hosts SET tlsa = ?2, tlsa_ad = ?3,"
			" last_seen = max(last_seen, ?4) WHERE host = ?1",
};


struct policy *policy_open(struct sqlite3 *db)
{
	struct policy *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->db = db;
	for (int i = 0; i < P__COUNT; i++)
		if (sqlite3_prepare_v3(db, psql[i], -1, SQLITE_PREPARE_PERSISTENT, &p->q[i],
				       NULL) != SQLITE_OK) {
			policy_close(p);
			return NULL;
		}
	if (policy_load(p) != 0) {
		policy_close(p);
		return NULL;
	}
	return p;
}

void policy_close(struct policy *p)
{
	if (!p)
		return;
	for (int i = 0; i < P__COUNT; i++)
		sqlite3_finalize(p->q[i]);
	free(p);
}

const struct policy_stats *policy_stats(const struct policy *p)
{
	return &p->stats;
}

/* ---- the tables ---- */

static uint32_t hash_bytes(const void *v, size_t n)
{
	const uint8_t *b = v;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static uint32_t hash_addr(const struct ip_addr *a)
{
	return hash_bytes(a->a, a->family == 4 ? 4 : 16);
}

static bool addr_eq(const struct ip_addr *x, const struct ip_addr *y)
{
	return x->family == y->family && memcmp(x->a, y->a, 16) == 0;
}

/* Seconds of TTL → expiry in packet time, within the floor and the cap. */
static uint64_t expiry(uint64_t ts_us, uint32_t ttl)
{
	uint64_t s = ttl < POLICY_TTL_FLOOR_S ? POLICY_TTL_FLOOR_S :
		     ttl > POLICY_TTL_CAP_S ? POLICY_TTL_CAP_S : ttl;
	return ts_us + s * 1000000u;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* The slot to take among the PROBE from h: a free or expired one, else the one expiring first. */
static unsigned victim(const uint64_t *exp_of, const bool *used, unsigned h, unsigned cap,
		       uint64_t now, bool *replaced)
{
	unsigned best = 0;

	*replaced = false;
	for (unsigned i = 0; i < PROBE; i++) {
		if (!used[i] || exp_of[i] < now)
			return (h + i) % cap;
		if (exp_of[i] < exp_of[best])
			best = i;
	}
	*replaced = true;
	return (h + best) % cap;
}

/* Domain entry by name; with create, made (or a slot replaced) when absent. NULL when absent. */
struct pdom *policy_find_dom(struct policy *p, const char *name, bool create, uint64_t now)
{
	unsigned h, cap = POLICY_DOMAINS_MAX;
	uint64_t exp[PROBE] = { 0 };
	bool used[PROBE] = { false }, replaced;

	if (!name || !*name)
		return NULL;
	h = hash_bytes(name, strlen(name));
	for (unsigned i = 0; i < PROBE; i++) {
		struct pdom *d = &p->dom[(h + i) % cap];
		if (d->used && strcmp(d->name, name) == 0)
			return d;
		exp[i] = d->exp;
		used[i] = d->used;
		if (!d->used)
			break;	/* slots are never freed: the name is not further on */
	}
	if (!create)
		return NULL;
	struct pdom *d = &p->dom[victim(exp, used, h, cap, now, &replaced)];
	p->stats.replaced += replaced;
	memset(d, 0, sizeof(*d));
	d->used = true;
	d->first_us = now;
	snprintf(d->name, sizeof(d->name), "%s", name);
	return d;
}

struct phost *policy_find_host(struct policy *p, const char *name, bool create, uint64_t now)
{
	unsigned h, cap = POLICY_HOSTS_MAX;
	uint64_t exp[PROBE] = { 0 };
	bool used[PROBE] = { false }, replaced;

	if (!name || !*name)
		return NULL;
	h = hash_bytes(name, strlen(name));
	for (unsigned i = 0; i < PROBE; i++) {
		struct phost *x = &p->host[(h + i) % cap];
		if (x->used && strcmp(x->name, name) == 0)
			return x;
		exp[i] = x->exp;
		used[i] = x->used;
		if (!x->used)
			break;	/* slots are never freed: the name is not further on */
	}
	if (!create)
		return NULL;
	struct phost *x = &p->host[victim(exp, used, h, cap, now, &replaced)];
	p->stats.replaced += replaced;
	memset(x, 0, sizeof(*x));
	x->used = true;
	x->first_us = now;
	snprintf(x->name, sizeof(x->name), "%s", name);
	return x;
}

/* Remember that address a belongs to host until exp. */
void policy_index_addr(struct policy *p, const struct ip_addr *a, const char *host, uint64_t exp,
		       uint64_t now)
{
	unsigned h = hash_addr(a), cap = POLICY_ADDRS_MAX;
	uint64_t e[PROBE] = { 0 };
	bool used[PROBE] = { false }, replaced;

	for (unsigned i = 0; i < PROBE; i++) {
		struct paddr *x = &p->addr[(h + i) % cap];
		if (x->used && addr_eq(&x->a, a) && strcmp(x->host, host) == 0) {
			x->exp = max64(x->exp, exp);
			return;
		}
		e[i] = x->exp;
		used[i] = x->used;
		if (!x->used)
			break;
	}
	struct paddr *x = &p->addr[victim(e, used, h, cap, now, &replaced)];
	p->stats.replaced += replaced;
	x->used = true;
	x->a = *a;
	x->exp = exp;
	snprintf(x->host, sizeof(x->host), "%s", host);
}

/* ---- persistence ---- */

static int step_done(sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);

	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void bind_text(sqlite3_stmt *q, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(q, i);
}

static void bind_time(sqlite3_stmt *q, int i, uint64_t us)
{
	char ts[32];

	if (us)
		sqlite3_bind_text(q, i, ts_iso(us, ts, sizeof(ts)), -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(q, i);
}

static void addrs_text(const struct phost *h, char *out, size_t cap)
{
	size_t o = 0;
	char a[64];

	out[0] = '\0';
	for (unsigned i = 0; i < h->naddr && o < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? "," : "",
				      ip_addr_str(&h->addr[i], a, sizeof(a)));
}

static void tlsa_text(const struct phost *h, char *out, size_t cap)
{
	size_t o = 0;
	char t[DNS_TLSA_TEXT_MAX];

	out[0] = '\0';
	for (unsigned i = 0; i < h->ntlsa && o < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? "; " : "",
				      dns_tlsa_str(&h->tlsa[i], t, sizeof(t)));
}

/* The dns_policy row of d as the memory has it (NULLs keep what the file had). */
static int put_domain(struct policy *p, const struct pdom *d, uint64_t ts_us)
{
	sqlite3_stmt *q = p->q[P_DOM_PUT];

	bind_text(q, 1, d->name);
	bind_text(q, 2, d->sts_exp ? d->sts_id : NULL);
	bind_time(q, 3, d->sts_exp);
	bind_text(q, 4, d->rpt_exp ? d->rua : NULL);
	bind_time(q, 5, d->rpt_exp);
	bind_time(q, 6, d->mx_exp);
	bind_time(q, 7, ts_us);
	return step_done(q);
}

/* The mail_hosts row (domain, host); pref < 0: not an MX (a TLSA owner seen alone). */
static int put_host(struct policy *p, const char *domain, const struct phost *h, int pref,
		    uint64_t exp, uint64_t ts_us)
{
	sqlite3_stmt *q = p->q[P_HOST_PUT];
	char addrs[HOST_ADDRS * 48], tlsa[POLICY_TLSA_MAX * (DNS_TLSA_TEXT_MAX + 2)];

	addrs_text(h, addrs, sizeof(addrs));
	tlsa_text(h, tlsa, sizeof(tlsa));
	bind_text(q, 1, domain);
	bind_text(q, 2, h->name);
	if (pref >= 0)
		sqlite3_bind_int(q, 3, pref);
	bind_text(q, 4, addrs);
	bind_text(q, 5, tlsa);
	if (h->ntlsa)
		sqlite3_bind_int(q, 6, h->tlsa_ad);
	bind_time(q, 7, ts_us);
	bind_time(q, 8, exp);
	return step_done(q);
}

/* ---- learning ---- */

void policy_host_add_domain(struct phost *h, const char *dom)
{
	for (unsigned i = 0; i < h->ndom; i++)
		if (strcmp(h->dom[i], dom) == 0)
			return;
	unsigned k = h->ndom < HOST_DOMAINS ? h->ndom++ : HOST_DOMAINS - 1;
	snprintf(h->dom[k], sizeof(h->dom[k]), "%s", dom);
}

/* RFC 1035 §3.3.9: an MX of domain; its host becomes a mail host. */
static int learn_mx(struct policy *p, const struct dns_fact *f, uint64_t ts, uint64_t exp)
{
	struct pdom *d = policy_find_dom(p, f->name, true, ts);
	struct phost *h = policy_find_host(p, f->u.mx.host, true, ts);
	unsigned k;

	if (!d || !h)
		return 0;
	for (k = 0; k < d->nmx && strcmp(d->mx[k].host, f->u.mx.host) != 0; k++)
		;
	if (k == d->nmx) {
		if (d->nmx < POLICY_MX_MAX) {
			d->nmx++;
		} else {	/* full: the one expiring first goes */
			k = 0;
			for (unsigned i = 1; i < POLICY_MX_MAX; i++)
				if (d->mx[i].exp < d->mx[k].exp)
					k = i;
		}
		snprintf(d->mx[k].host, sizeof(d->mx[k].host), "%s", f->u.mx.host);
	}
	d->mx[k].pref = f->u.mx.pref;
	d->mx[k].exp = exp;
	d->mx_exp = max64(d->mx_exp, exp);
	d->exp = max64(d->exp, exp);
	policy_host_add_domain(h, d->name);
	h->exp = max64(h->exp, exp);
	if (put_domain(p, d, ts) != 0 || put_host(p, d->name, h, f->u.mx.pref, exp, ts) != 0)
		return -1;
	return 2;
}

/* RFC 1035 §3.4.1 / RFC 3596: an address of a name; kept only for mail hosts. */
static int learn_addr(struct policy *p, const struct dns_fact *f, uint64_t ts, uint64_t exp)
{
	struct phost *h = policy_find_host(p, f->name, false, ts);
	char addrs[HOST_ADDRS * 48];
	unsigned i;

	if (!h) {
		p->stats.addrs_not_mail++;
		return 0;
	}
	for (i = 0; i < h->naddr && !addr_eq(&h->addr[i], &f->u.addr); i++)
		;
	if (i == h->naddr) {
		if (h->naddr == HOST_ADDRS)	/* full: the oldest goes */
			memmove(h->addr, h->addr + 1, sizeof(h->addr[0]) * --h->naddr);
		h->addr[h->naddr++] = f->u.addr;
	}
	h->addr_exp = max64(h->addr_exp, exp);
	h->exp = max64(h->exp, exp);
	policy_index_addr(p, &f->u.addr, h->name, exp, ts);
	addrs_text(h, addrs, sizeof(addrs));
	sqlite3_stmt *q = p->q[P_HOST_ADDR];
	bind_text(q, 1, h->name);
	bind_text(q, 2, addrs);
	bind_time(q, 3, ts);
	return step_done(q) == 0 ? 1 : -1;
}

/* RFC 8461 §3.1 / RFC 8460 §3: a domain's MTA-STS id or TLS-RPT address. */
static int learn_txt(struct policy *p, const struct dns_fact *f, uint64_t ts, uint64_t exp)
{
	struct pdom *d = policy_find_dom(p, f->name, true, ts);

	if (!d)
		return 0;
	if (f->type == DF_STS) {
		snprintf(d->sts_id, sizeof(d->sts_id), "%s", f->u.text);
		d->sts_exp = exp;
	} else {
		snprintf(d->rua, sizeof(d->rua), "%s", f->u.text);
		d->rpt_exp = exp;
	}
	d->exp = max64(d->exp, exp);
	return put_domain(p, d, ts) == 0 ? 1 : -1;
}

/* RFC 6698 §2.1 / RFC 7672 §2.2: a TLSA record of a host; one message holds the whole RRset, which
 * replaces what was known. */
static int learn_tlsa(struct policy *p, const struct dns_fact *f, bool ad, uint64_t ts, uint64_t exp)
{
	struct phost *h = policy_find_host(p, f->name, true, ts);
	char tlsa[POLICY_TLSA_MAX * (DNS_TLSA_TEXT_MAX + 2)];

	if (!h)
		return 0;
	if (h->tlsa_msg != p->msg) {
		h->tlsa_msg = p->msg;
		h->ntlsa = 0;
	}
	if (h->ntlsa < POLICY_TLSA_MAX)
		h->tlsa[h->ntlsa++] = f->u.tlsa;
	h->tlsa_ad = ad;
	h->tlsa_exp = exp;
	h->exp = max64(h->exp, exp);
	tlsa_text(h, tlsa, sizeof(tlsa));
	sqlite3_stmt *q = p->q[P_HOST_TLSA];
	bind_text(q, 1, h->name);
	bind_text(q, 2, tlsa);
	sqlite3_bind_int(q, 3, ad);
	bind_time(q, 4, ts);
	if (step_done(q) != 0)
		return -1;
	if (sqlite3_changes(p->db) > 0)
		return 1;
	/* RFC 7672 §2.2.1: no MX seen for it: its own name is the domain (an implicit MX). */
	return put_host(p, h->name, h, -1, exp, ts) == 0 ? 1 : -1;
}

bool policy_wants(struct policy *p, const struct dns_facts *f)
{
	for (unsigned i = 0; p && f && i < f->n; i++)
		if (f->f[i].type != DF_ADDR || policy_find_host(p, f->f[i].name, false, 0))
			return true;
	if (p && f)
		p->stats.addrs_not_mail += f->n;
	return false;
}

int policy_learn(struct policy *p, const struct dns_facts *f, uint64_t ts_us)
{
	int rows = 0;

	if (!p || !f)
		return 0;
	p->msg++;
	for (unsigned i = 0; i < f->n; i++) {
		const struct dns_fact *x = &f->f[i];
		uint64_t exp = expiry(ts_us, x->ttl);
		int r = 0;
		switch (x->type) {
		case DF_MX: r = learn_mx(p, x, ts_us, exp); break;
		case DF_ADDR: r = learn_addr(p, x, ts_us, exp); break;
		case DF_STS:
		case DF_TLSRPT: r = learn_txt(p, x, ts_us, exp); break;
		case DF_TLSA: r = learn_tlsa(p, x, f->ad, ts_us, exp); break;
		}
		if (r < 0)
			return -1;
		rows += r;
		p->stats.facts++;
	}
	return rows;
}


/* ---- a session: which domain, which policy ---- */

/* A fact first seen before the session ended and not expired when it began. */
static bool live_for(uint64_t first_us, uint64_t exp, const struct session *s)
{
	uint64_t end = s->end_us ? s->end_us : s->start_us;

	return exp && first_us <= end && exp >= s->start_us;
}

static bool dom_has_mx(const struct pdom *d, const char *host, const struct session *s)
{
	for (unsigned i = 0; i < d->nmx; i++)
		if (strcmp(d->mx[i].host, host) == 0 && live_for(d->first_us, d->mx[i].exp, s))
			return true;
	return false;
}

/* RFC 7672 §3.1.3: only DANE-TA(2) and DANE-EE(3) records are usable for SMTP. */
static bool host_tlsa_usable(const struct phost *h, const struct session *s)
{
	if (!h || !live_for(h->first_us, h->tlsa_exp, s))
		return false;
	for (unsigned i = 0; i < h->ntlsa; i++)
		if (h->tlsa[i].usage == 2 || h->tlsa[i].usage == 3)
			return true;
	return false;
}

static bool dom_sts(const struct pdom *d, const struct session *s)
{
	return d && live_for(d->first_us, d->sts_exp, s);
}

/* Mail hosts the session's server is known as: by its address (A/AAAA of a mail host), then by
 * the SNI and the greeting name. */
static unsigned candidate_hosts(struct policy *p, const struct session *s, struct phost **out,
				unsigned cap)
{
	unsigned n = 0, h = hash_addr(&s->server_ip);
	const char *names[2] = { s->tls.sni, s->server_name };

	for (unsigned i = 0; i < PROBE && n < cap; i++) {
		const struct paddr *a = &p->addr[(h + i) % POLICY_ADDRS_MAX];
		struct phost *x;
		if (!a->used)
			break;
		if (addr_eq(&a->a, &s->server_ip) && a->exp >= s->start_us &&
		    (x = policy_find_host(p, a->host, false, 0)))
			out[n++] = x;
	}
	for (unsigned i = 0; i < 2 && n < cap; i++) {
		struct phost *x = policy_find_host(p, names[i], false, 0);
		bool dup = false;
		for (unsigned j = 0; x && j < n; j++)
			dup |= out[j] == x;
		if (x && !dup)
			out[n++] = x;
	}
	return n;
}

/* The domain: the recipient's when the server is one of its mail hosts (or nothing else is
 * known), else a domain the server is a mail host of (one with a policy first), else a domain
 * named by the SNI or the greeting. */
static struct pdom *pick_domain(struct policy *p, const struct session *s, struct phost **hosts,
				unsigned nh)
{
	struct pdom *rcpt = policy_find_dom(p, s->rcpt_domain, false, 0), *first = NULL, *with = NULL;

	for (unsigned i = 0; i < nh; i++)
		for (unsigned j = 0; j < hosts[i]->ndom; j++) {
			struct pdom *d = policy_find_dom(p, hosts[i]->dom[j], false, 0);
			if (!d || !dom_has_mx(d, hosts[i]->name, s))
				continue;
			if (d == rcpt)
				return d;
			if (!first)
				first = d;
			if (!with && (dom_sts(d, s) || host_tlsa_usable(hosts[i], s)))
				with = d;
		}
	if (with || first)
		return with ? with : first;
	if (rcpt)
		return rcpt;
	struct pdom *d = policy_find_dom(p, s->tls.sni, false, 0);
	return d ? d : policy_find_dom(p, s->server_name, false, 0);
}

/* The mail host of domain d the session went to: a candidate that d names as MX, else d's only
 * MX host. */
static struct phost *pick_host(struct policy *p, const struct session *s, const struct pdom *d,
			       struct phost **hosts, unsigned nh)
{
	const char *only = NULL;
	unsigned live = 0;

	for (unsigned i = 0; i < nh; i++)
		if (dom_has_mx(d, hosts[i]->name, s))
			return hosts[i];
	for (unsigned i = 0; i < d->nmx; i++)
		if (live_for(d->first_us, d->mx[i].exp, s)) {
			live++;
			only = d->mx[i].host;
		}
	if (live == 1)
		return policy_find_host(p, only, false, 0);
	/* RFC 7672 §2.2.1: no MX, the domain is its own host (TLSA at _25._tcp.DOMAIN). */
	return live == 0 ? policy_find_host(p, d->name, false, 0) : NULL;
}

void policy_resolve(struct policy *p, struct session *s, struct policy_match *m)
{
	struct phost *hosts[PROBE + 2];
	unsigned nh;

	m->domain = m->host = -1;
	m->sts = m->tlsa = false;
	/* RFC 8461 §1 / RFC 7672 §1.3: policies for MTA-to-MTA delivery to MX hosts, not submission
	 * (RFC 6409 on 587, RFC 8314 on 465) nor IMAP/POP3. */
	if (!p || s->protocol != PROTO_SMTP || s->server_port == 587 || s->server_port == 465)
		return;
	nh = candidate_hosts(p, s, hosts, PROBE + 2);
	struct pdom *d = pick_domain(p, s, hosts, nh);
	if (!d)
		return;
	struct phost *h = pick_host(p, s, d, hosts, nh);
	m->domain = (int)(d - p->dom);
	m->host = h ? (int)(h - p->host) : -1;
	m->sts = dom_sts(d, s);
	m->tlsa = host_tlsa_usable(h, s);
	session_set_str(&s->policy_domain, (const uint8_t *)d->name, strlen(d->name));
	snprintf(s->policy, sizeof(s->policy), "%s",
		 m->sts && m->tlsa ? "sts+tlsa" : m->sts ? "sts" : m->tlsa ? "tlsa" : "none");
}

/* ---- the policy findings ---- */

/* Why TLS was not used, as the session's other findings tell. */
static const char *clear_reason(const struct session *s)
{
	static const struct { enum finding_kind k; const char *why; } r[] = {
		{ FK_STARTTLS_STRIPPED, "STARTTLS stripped" },
		{ FK_STARTTLS_REFUSED, "STARTTLS refused" },
		{ FK_STARTTLS_NO_TLS, "no TLS after STARTTLS" },
		{ FK_TLS_HANDSHAKE_FAILED, "handshake failed" },
		{ FK_TLS_DOWNGRADE, "after a failed TLS attempt" },
		{ FK_STARTTLS_NOT_OFFERED, "STARTTLS not offered" },
		{ FK_STARTTLS_NOT_USED, "STARTTLS not used" },
	};

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (session_has_finding(s, r[i].k))
			return r[i].why;
	return s->starttls_offered == 0 ? "STARTTLS not offered" : "no TLS";
}

/* RFC 6698 §2.1: does certificate digest set c match record t (selector, matching type)? */
static bool tlsa_matches(const struct dns_tlsa *t, const struct tls_dane_cert *c)
{
	const uint8_t *d;

	if (t->mtype == 2)
		d = t->selector == 0 ? c->cert512 : c->spki512;
	else
		d = t->selector == 0 ? c->cert256 : c->spki256;	/* mtype 1, or 0 hashed */
	if (t->selector > 1)
		return false;
	return memcmp(d, t->data, t->len) == 0;
}

/* RFC 7672 §3.1.1 / §3.1.2: DANE-EE(3) matches the leaf; DANE-TA(2) a certificate of the chain as
 * sent (only the ones seen: a trust anchor left out of the handshake cannot be checked). */
static bool dane_ok(const struct phost *h, const struct tls_dane *dn)
{
	for (unsigned i = 0; i < h->ntlsa; i++) {
		const struct dns_tlsa *t = &h->tlsa[i];
		if (t->usage == 3 && dn->n > 0 && tlsa_matches(t, &dn->c[0]))
			return true;
		for (unsigned j = 1; t->usage == 2 && j < dn->n; j++)
			if (tlsa_matches(t, &dn->c[j]))
				return true;
	}
	return false;
}

/* RFC 6125 §6.4.3: name equals host, or is "*.rest" and host is one label more than rest. */
static bool name_covers(const char *name, size_t n, const char *host)
{
	if (n == strlen(host) && strncasecmp(name, host, n) == 0)
		return true;
	if (n < 3 || name[0] != '*' || name[1] != '.')
		return false;
	const char *dot = strchr(host, '.');
	return dot && strlen(dot + 1) == n - 2 && strncasecmp(dot + 1, name + 2, n - 2) == 0;
}

/* Do the certificate's names (SAN dNSName entries, else the subject CN) cover host? -1 when it
 * cannot be told (the SAN text was cut at SESSION_STR_MAX). */
static int cert_covers(const struct tls_info *ti, const char *host)
{
	const char *san = ti->cert_san, *p;
	bool any = false;

	for (p = san; p && *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n > 4 && strncmp(p, "DNS:", 4) == 0) {
			any = true;
			if (name_covers(p + 4, n - 4, host))
				return 1;
		}
		p = end ? end + 1 : p + n;
	}
	if (san && strlen(san) >= SESSION_STR_MAX - 8)
		return -1;
	if (!any && ti->cert_subject) {	/* RFC 6125 §6.4.4: the CN only without DNS names */
		const char *cn = strstr(ti->cert_subject, "CN=");
		if (cn && (cn == ti->cert_subject || cn[-1] == ',')) {
			cn += 3;
			size_t n = strcspn(cn, ",+");
			return name_covers(cn, n, host);
		}
	}
	return 0;
}

/* The TLS findings the session already has say which policy applied: " (policy sts of DOMAIN)"
 * appended to their detail while it fits. */
static void tag_findings(struct session *s, const char *policy, const char *domain)
{
	for (unsigned i = 0; i < s->nfindings; i++) {
		struct finding *f = &s->findings[i];
		if (!finding_kind_tlsrpt(f->kind) || f->kind == FK_POLICY_DOWNGRADE ||
		    f->kind == FK_DANE_MISMATCH || f->kind == FK_MTA_STS_NAME_MISMATCH)
			continue;
		size_t n = strnlen(f->detail, sizeof(f->detail));
		int w = snprintf(f->detail + n, sizeof(f->detail) - n, " (policy %s of %s)", policy,
				 domain);
		if (w < 0 || (size_t)w >= sizeof(f->detail) - n)
			f->detail[n] = '\0';	/* does not fit: the detail stays as it was */
	}
}

void policy_judge(struct policy *p, struct session *s, const struct policy_match *m)
{
	char t[DNS_TLSA_TEXT_MAX];

	if (!p || m->domain < 0)
		return;
	const struct pdom *d = &p->dom[m->domain];
	if (m->sts || m->tlsa)
		tag_findings(s, s->policy, d->name);
	const struct phost *h = m->host >= 0 ? &p->host[m->host] : NULL;
	const struct tls_info *ti = &s->tls;

	if ((m->sts || m->tlsa) && s->mail_in_clear)
		session_add_finding(s, FK_POLICY_DOWNGRADE, s->start_us,
				    "%s publishes %s%s%s; mail in clear (%s)", d->name,
				    m->sts ? "MTA-STS" : "", m->sts && m->tlsa ? " and " : "",
				    m->tlsa ? "DANE TLSA" : "", clear_reason(s));
	if (m->tlsa && h && ti->cert_present && ti->dane && !dane_ok(h, ti->dane))
		session_add_finding(s, FK_DANE_MISMATCH, s->start_us,
				    "policy tlsa: certificate of %s (chain of %d seen) matches none of "
				    "%u %sTLSA records (%.40s...)", h->name, ti->cert_chain_len, h->ntlsa,
				    h->tlsa_ad ? "validated " : "", dns_tlsa_str(&h->tlsa[0], t, sizeof(t)));
	if (m->sts && h && ti->cert_present && cert_covers(ti, h->name) == 0)
		session_add_finding(s, FK_MTA_STS_NAME_MISMATCH, s->start_us,
				    "policy sts: certificate names (%.60s) do not cover MX host %s of %s",
				    ti->cert_san ? ti->cert_san : ti->cert_subject ? ti->cert_subject : "none",
				    h->name, d->name);
}
