/* flow.h — the bounded TCP flow table: lookup by 5-tuple, expiry by packet time, eviction. */
#ifndef MAILTAP_FLOW_H
#define MAILTAP_FLOW_H

#include <stdbool.h>
#include <stdint.h>
#include "session.h"

/* Both directions of a connection map to one key: the endpoint that sorts lower comes first. */
struct flow_key {
	uint8_t a[16], b[16];
	uint16_t pa, pb;
	uint8_t family;
	uint8_t pad[3];		/* zero: keys compare as five 64-bit words */
};

/* What the flow is to mailtap; decided as early as possible so most packets take the fast path. */
enum flow_class {
	FLOW_SMTP_PORT,		/* server port is a configured SMTP port: decode */
	FLOW_CANDIDATE,		/* other port: nDPI and the banner sniff decide */
	FLOW_MAIL,		/* confirmed or tentative mail on another port: decode */
	FLOW_IGNORED		/* not mail: only kept so it is not examined again */
};

/* Expiry lists: every flow of a list has the same timeout, so each list is ordered by last use. */
enum flow_list { LIST_EMBRYONIC, LIST_ACTIVE, LIST_CLOSED, LIST__COUNT };

struct app;
struct ndpi_flow_struct;

/* One tracked connection. Kept small: flows that are not mail carry only this (<= 128 bytes). */
struct flow {
	struct flow_key key;
	struct flow *hnext;			/* hash chain */
	struct flow *lprev, *lnext;		/* expiry list */
	uint64_t last_us;			/* last packet */
	uint64_t filed_us;			/* its place in the expiry list (<= last_us) */
	uint32_t isn[2];			/* SYN sequence per direction (enum dir) */
	struct app *app;			/* decoders and reassembly; mail flows only */
	struct ndpi_flow_struct *dpi;		/* while nDPI classifies */
	uint8_t cls;				/* enum flow_class */
	uint8_t list;				/* enum flow_list */
	uint8_t client_is_a : 1;		/* key.a is the client */
	uint8_t dir_known : 1;			/* client side decided */
	uint8_t syn_seen : 1;
	uint8_t fin_a : 1, fin_b : 1, rst : 1;
	uint8_t payload_seen : 1;
	uint8_t dpi_said_mail : 1;
	uint8_t isn_seen : 2;			/* bit per direction */
	uint8_t dpi_pkts;
};

struct flow_table;

struct flow_table_stats {
	uint64_t created, expired, evicted, active, peak;
};

/* A table of at most max_flows flows. Returns NULL on allocation failure. */
struct flow_table *flow_table_new(uint32_t max_flows);
/* Free the table and every flow in it; fin is called for each flow first (may be NULL). */
void flow_table_free(struct flow_table *t, void (*fin)(void *ctx, struct flow *f, int why),
		     void *ctx);

/* Build the direction-independent key; *a_is_src tells whether the source sorts first. */
void flow_key_make(struct flow_key *k, const struct ip_addr *src, uint16_t sport,
		   const struct ip_addr *dst, uint16_t dport, bool *a_is_src);

/* Find the flow of k, or NULL. */
struct flow *flow_lookup(struct flow_table *t, const struct flow_key *k);
/* Insert a new zeroed flow for k (the caller checked it is absent). When the table is full the
 * oldest flow is evicted first through evict(ctx, flow) (counted). NULL only if out of memory. */
struct flow *flow_insert(struct flow_table *t, const struct flow_key *k, uint64_t now_us,
			 void (*evict)(void *ctx, struct flow *f), void *ctx);
/* Mark f used at now_us on list l. Within the same list only last_us changes (the expiry sweep
 * re-files flows lazily), so the common case touches no other flow. */
void flow_touch(struct flow_table *t, struct flow *f, enum flow_list l, uint64_t now_us);
/* Remove and free f (its app and dpi state must already be released). */
void flow_remove(struct flow_table *t, struct flow *f);

/* Expire every flow idle past its list's timeout at now_us, calling expire(ctx, f) before
 * removing it. Timeouts shrink under pressure (FLOW_EMERGENCY_PERCENT). Returns flows expired. */
unsigned flow_expire(struct flow_table *t, uint64_t now_us,
		     void (*expire)(void *ctx, struct flow *f), void *ctx);

/* Call fn for every flow (end of capture); fn must not remove flows. */
void flow_foreach(struct flow_table *t, void (*fn)(void *ctx, struct flow *f), void *ctx);

const struct flow_table_stats *flow_table_stats(const struct flow_table *t);
/* True when the table is above FLOW_EMERGENCY_PERCENT full or the owner declared an emergency
 * (memory budget nearly spent): timeouts are divided by 4. */
bool flow_table_under_pressure(const struct flow_table *t);
void flow_table_set_emergency(struct flow_table *t, bool on);

/* The least recently used flow for which want(ctx, f) is true, among the first `scan` flows of
 * the active and closed lists; NULL if none. For evicting by a resource other than the table. */
struct flow *flow_oldest_matching(struct flow_table *t, unsigned scan,
				  bool (*want)(void *ctx, const struct flow *f), void *ctx);

#endif
