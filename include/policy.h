/* policy.h — the writer's memory of mail DNS (MX, addresses, MTA-STS, TLS-RPT, TLSA) and the policy
 * findings it gives a session: which domain's policy applied, policy_downgrade, dane_mismatch,
 * mta_sts_name_mismatch. */
#ifndef MAILTAP_POLICY_H
#define MAILTAP_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include "dns.h"
#include "session.h"

struct sqlite3;
struct policy;

struct policy_stats {
	uint64_t facts;			/* DNS facts learnt */
	uint64_t addrs_not_mail;	/* A/AAAA of names not known as mail hosts (not kept) */
	uint64_t replaced;		/* table entries replaced before they expired (tables full) */
};

/* Bounded tables (limits.h POLICY_*) and prepared statements on db for the dns_policy and
 * mail_hosts tables (schema.sql). NULL on failure. */
struct policy *policy_open(struct sqlite3 *db);
void policy_close(struct policy *p);

/* Would policy_learn keep anything of f? False when f holds only addresses of names not known as
 * mail hosts (most DNS answers on a span): then nothing needs to be written (counted). */
bool policy_wants(struct policy *p, const struct dns_facts *f);

/* Learn the facts of one DNS response seen at packet time ts_us (each lives for its TTL, within
 * POLICY_TTL_FLOOR_S..POLICY_TTL_CAP_S); what changed is written to dns_policy / mail_hosts in the
 * writer's open transaction. Returns the rows written (>= 0), or -1 on a database error. */
int policy_learn(struct policy *p, const struct dns_facts *f, uint64_t ts_us);

/* What resolve found for one session; judge uses it. */
struct policy_match {
	int domain;		/* index of the domain in the table, -1 none */
	int host;		/* index of the mail host the session went to, -1 not known */
	bool sts, tlsa;		/* the domain publishes MTA-STS; the host has usable TLSA records */
};

/* Before s is written: the domain whose DNS was seen for s (server address → mail host → domains,
 * the recipient domain, the SNI and the greeting name), into s->policy_domain and s->policy
 * ("sts", "tlsa", "sts+tlsa", "none"); both stay unset when no DNS of s's domain was seen. */
void policy_resolve(struct policy *p, struct session *s, struct policy_match *m);

/* After history_apply: raise policy_downgrade, dane_mismatch and mta_sts_name_mismatch on s from
 * m (resolve's result for s). */
void policy_judge(struct policy *p, struct session *s, const struct policy_match *m);

const struct policy_stats *policy_stats(const struct policy *p);

#endif
