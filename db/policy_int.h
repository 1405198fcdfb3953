/* policy_int.h — the writer's DNS memory (db/policy.c), shared with its loader (db/policy_load.c). */
#ifndef MAILTAP_POLICY_INT_H
#define MAILTAP_POLICY_INT_H

#include <sqlite3.h>
#include "policy.h"

/* Slots probed from a name's hash before the entry that expires first among them is replaced. */
#define PROBE 8
/* Addresses and domains remembered per mail host. */
#define HOST_ADDRS 4
#define HOST_DOMAINS 4

struct pdom {
	bool used;
	char name[DNS_NAME_TEXT_MAX];
	uint64_t first_us, exp;			/* exp: the latest expiry of anything below */
	uint64_t mx_exp, sts_exp, rpt_exp;
	char sts_id[DNS_TXT_TEXT_MAX], rua[DNS_TXT_TEXT_MAX];
	uint8_t nmx;
	struct {
		uint16_t pref;
		uint64_t exp;
		char host[DNS_NAME_TEXT_MAX];
	} mx[POLICY_MX_MAX];
};

struct phost {
	bool used;
	bool tlsa_ad;				/* the TLSA answer had the AD bit */
	char name[DNS_NAME_TEXT_MAX];
	uint64_t first_us, exp, tlsa_exp, addr_exp;
	uint64_t tlsa_msg;			/* the message its TLSA records came from */
	uint8_t ntlsa, naddr, ndom;
	struct dns_tlsa tlsa[POLICY_TLSA_MAX];
	struct ip_addr addr[HOST_ADDRS];
	char dom[HOST_DOMAINS][DNS_NAME_TEXT_MAX];	/* domains that name it as MX */
};

struct paddr {
	bool used;
	struct ip_addr a;
	uint64_t exp;
	char host[DNS_NAME_TEXT_MAX];
};

enum pstmt { P_DOM_PUT, P_HOST_PUT, P_HOST_ADDR, P_HOST_TLSA, P__COUNT };

struct policy {
	sqlite3 *db;
	sqlite3_stmt *q[P__COUNT];
	uint64_t msg;			/* messages learnt, numbering them */
	struct policy_stats stats;
	struct pdom dom[POLICY_DOMAINS_MAX];
	struct phost host[POLICY_HOSTS_MAX];
	struct paddr addr[POLICY_ADDRS_MAX];
};

/* Domain / host entry by name; with create, made (or a slot replaced) when absent. NULL when
 * absent (or name empty). now: packet time, for the replacement choice. */
struct pdom *policy_find_dom(struct policy *p, const char *name, bool create, uint64_t now);
struct phost *policy_find_host(struct policy *p, const char *name, bool create, uint64_t now);
/* Remember that address a belongs to host until exp. */
void policy_index_addr(struct policy *p, const struct ip_addr *a, const char *host, uint64_t exp,
		       uint64_t now);
/* Note that domain dom names host h as MX. */
void policy_host_add_domain(struct phost *h, const char *dom);

/* Fill the memory from the dns_policy and mail_hosts rows of an earlier run (policy_load.c), so a
 * restarted sensor or a second capture file keeps what DNS said. Returns 0 or -1. */
int policy_load(struct policy *p);

#endif
