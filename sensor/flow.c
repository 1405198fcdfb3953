/* flow.c — the bounded TCP flow table: hash lookup, per-timeout expiry lists, eviction. */
#include <stdlib.h>
#include <string.h>
#include "flow.h"
#include "limits.h"

#define SLAB_FLOWS 1024

struct slab {
	struct slab *next;
	struct flow flows[SLAB_FLOWS];
};

struct flow_list_head {
	struct flow *head, *tail;	/* head = least recently used */
};

struct flow_table {
	struct flow **buckets;
	uint32_t nbuckets;		/* power of two; grows with the flows, up to max_buckets */
	uint32_t max_buckets;
	uint32_t max_flows;
	struct flow_list_head lists[LIST__COUNT];
	struct slab *slabs;
	struct flow *free;		/* free flows, chained through hnext */
	struct flow_table_stats st;
	bool emergency;
};

static const uint64_t list_timeout_s[LIST__COUNT] = {
	[LIST_EMBRYONIC] = FLOW_EMBRYONIC_TIMEOUT_S,
	[LIST_ACTIVE] = FLOW_IDLE_TIMEOUT_S,
	[LIST_CLOSED] = FLOW_CLOSED_LINGER_S,
};

struct flow_table *flow_table_new(uint32_t max_flows)
{
	struct flow_table *t = calloc(1, sizeof(*t));
	uint32_t nb = 1024;

	if (!t)
		return NULL;
	t->max_buckets = 1024;
	while (t->max_buckets < max_flows && t->max_buckets < (1u << 30))
		t->max_buckets <<= 1;
	/* Start small (a small array stays in cache) and double while flows outnumber buckets. */
	t->buckets = calloc(nb, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	t->nbuckets = nb;
	t->max_flows = max_flows ? max_flows : 1;
	return t;
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

_Static_assert(sizeof(struct flow_key) == 40, "flow keys compare as five 64-bit words");

static inline uint64_t key_word(const struct flow_key *k, int i)
{
	return load64((const uint8_t *)k + 8 * i);
}

/* Multiply-xor over the five words, one final mix: a few cycles, and every bit counts. */
static inline uint32_t flow_hash(const struct flow_key *k)
{
	uint64_t h = key_word(k, 0) * 0x9e3779b97f4a7c15ULL;

	h ^= key_word(k, 1) * 0xc2b2ae3d27d4eb4fULL;
	h ^= key_word(k, 2) * 0x165667b19e3779f9ULL;
	h ^= key_word(k, 3) * 0x27d4eb2f165667c5ULL;
	h ^= key_word(k, 4);
	return (uint32_t)mix64(h);
}

static inline bool key_equal(const struct flow_key *x, const struct flow_key *y)
{
	return ((key_word(x, 0) ^ key_word(y, 0)) | (key_word(x, 1) ^ key_word(y, 1)) |
		(key_word(x, 2) ^ key_word(y, 2)) | (key_word(x, 3) ^ key_word(y, 3)) |
		(key_word(x, 4) ^ key_word(y, 4))) == 0;
}

/* Any consistent order of endpoints will do: the first word, the second, then the port. */
static int endpoint_cmp(const uint8_t *x, uint16_t px, const uint8_t *y, uint16_t py)
{
	uint64_t x0 = load64(x), y0 = load64(y), x1 = load64(x + 8), y1 = load64(y + 8);

	if (x0 != y0)
		return x0 < y0 ? -1 : 1;
	if (x1 != y1)
		return x1 < y1 ? -1 : 1;
	return (int)px - (int)py;
}

void flow_key_make(struct flow_key *k, const struct ip_addr *src, uint16_t sport,
		   const struct ip_addr *dst, uint16_t dport, bool *a_is_src)
{
	memset(k, 0, sizeof(*k));
	k->family = src->family;
	*a_is_src = endpoint_cmp(src->a, sport, dst->a, dport) <= 0;
	if (*a_is_src) {
		memcpy(k->a, src->a, 16);
		memcpy(k->b, dst->a, 16);
		k->pa = sport;
		k->pb = dport;
	} else {
		memcpy(k->a, dst->a, 16);
		memcpy(k->b, src->a, 16);
		k->pa = dport;
		k->pb = sport;
	}
}

struct flow *flow_lookup(struct flow_table *t, const struct flow_key *k)
{
	struct flow *f = t->buckets[flow_hash(k) & (t->nbuckets - 1)];

	for (; f; f = f->hnext)
		if (key_equal(&f->key, k))
			return f;
	return NULL;
}

static void list_unlink(struct flow_table *t, struct flow *f)
{
	struct flow_list_head *l = &t->lists[f->list];

	if (f->lprev)
		f->lprev->lnext = f->lnext;
	else
		l->head = f->lnext;
	if (f->lnext)
		f->lnext->lprev = f->lprev;
	else
		l->tail = f->lprev;
	f->lprev = f->lnext = NULL;
}

static void list_append(struct flow_table *t, struct flow *f, enum flow_list which)
{
	struct flow_list_head *l = &t->lists[which];

	f->list = (uint8_t)which;
	f->filed_us = f->last_us;
	f->lnext = NULL;
	f->lprev = l->tail;
	if (l->tail)
		l->tail->lnext = f;
	else
		l->head = f;
	l->tail = f;
}

static struct flow *flow_alloc(struct flow_table *t)
{
	if (!t->free) {
		struct slab *s = malloc(sizeof(*s));
		if (!s)
			return NULL;
		s->next = t->slabs;
		t->slabs = s;
		for (int i = SLAB_FLOWS - 1; i >= 0; i--) {
			s->flows[i].hnext = t->free;
			t->free = &s->flows[i];
		}
	}
	struct flow *f = t->free;
	t->free = f->hnext;
	memset(f, 0, sizeof(*f));
	return f;
}

/* The flow to sacrifice when the table is full: the oldest that never carried payload, else the
 * oldest closed one, else the least recently used active one. */
static struct flow *eviction_victim(struct flow_table *t)
{
	if (t->lists[LIST_EMBRYONIC].head)
		return t->lists[LIST_EMBRYONIC].head;
	if (t->lists[LIST_CLOSED].head)
		return t->lists[LIST_CLOSED].head;
	return t->lists[LIST_ACTIVE].head;
}

/* Double the bucket array (rehashing every flow); on allocation failure keep the old one. */
static void grow(struct flow_table *t)
{
	uint32_t nb = t->nbuckets * 2;
	struct flow **b = calloc(nb, sizeof(*b));

	if (!b)
		return;
	for (uint32_t i = 0; i < t->nbuckets; i++) {
		struct flow *f = t->buckets[i], *next;
		for (; f; f = next) {
			next = f->hnext;
			uint32_t j = flow_hash(&f->key) & (nb - 1);
			f->hnext = b[j];
			b[j] = f;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = nb;
}

struct flow *flow_insert(struct flow_table *t, const struct flow_key *k, uint64_t now_us,
			 void (*evict)(void *ctx, struct flow *f), void *ctx)
{
	if (t->st.active >= t->max_flows) {
		struct flow *v = eviction_victim(t);
		if (v) {
			if (evict)
				evict(ctx, v);
			flow_remove(t, v);
			t->st.evicted++;
		}
	}
	if (t->st.active >= t->nbuckets && t->nbuckets < t->max_buckets)
		grow(t);
	struct flow *f = flow_alloc(t);
	if (!f)
		return NULL;
	f->key = *k;
	uint32_t b = flow_hash(k) & (t->nbuckets - 1);
	f->hnext = t->buckets[b];
	t->buckets[b] = f;
	f->last_us = now_us;
	list_append(t, f, LIST_EMBRYONIC);
	t->st.created++;
	if (++t->st.active > t->st.peak)
		t->st.peak = t->st.active;
	return f;
}

void flow_touch(struct flow_table *t, struct flow *f, enum flow_list l, uint64_t now_us)
{
	/* Packet time may go backwards (merged captures): never move last_us back. */
	if (now_us > f->last_us)
		f->last_us = now_us;
	if (f->list == l)
		return;		/* the sweep re-files it if it is still in use */
	list_unlink(t, f);
	list_append(t, f, l);
}

void flow_remove(struct flow_table *t, struct flow *f)
{
	struct flow **pp = &t->buckets[flow_hash(&f->key) & (t->nbuckets - 1)];

	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
	list_unlink(t, f);
	f->hnext = t->free;
	t->free = f;
	t->st.active--;
}

bool flow_table_under_pressure(const struct flow_table *t)
{
	return t->emergency || t->st.active * 100 >= (uint64_t)t->max_flows * FLOW_EMERGENCY_PERCENT;
}

void flow_table_set_emergency(struct flow_table *t, bool on)
{
	t->emergency = on;
}

struct flow *flow_oldest_matching(struct flow_table *t, unsigned scan,
				  bool (*want)(void *ctx, const struct flow *f), void *ctx)
{
	static const enum flow_list order[] = { LIST_CLOSED, LIST_ACTIVE, LIST_EMBRYONIC };

	for (size_t l = 0; l < sizeof(order) / sizeof(order[0]); l++) {
		unsigned n = 0;
		for (struct flow *f = t->lists[order[l]].head; f && n < scan; f = f->lnext, n++)
			if (want(ctx, f))
				return f;
	}
	return NULL;
}

unsigned flow_expire(struct flow_table *t, uint64_t now_us,
		     void (*expire)(void *ctx, struct flow *f), void *ctx)
{
	unsigned n = 0;
	uint64_t div = flow_table_under_pressure(t) ? 4 : 1;

	for (int l = 0; l < LIST__COUNT; l++) {
		uint64_t timeout_us = list_timeout_s[l] * 1000000 / div;
		struct flow *f;
		/* The list is ordered by filed_us; a flow used since it was filed goes to the tail. */
		while ((f = t->lists[l].head) && f->filed_us + timeout_us < now_us) {
			if (f->last_us + timeout_us >= now_us) {
				list_unlink(t, f);
				list_append(t, f, (enum flow_list)l);
				continue;
			}
			if (expire)
				expire(ctx, f);
			flow_remove(t, f);
			t->st.expired++;
			n++;
		}
	}
	return n;
}

void flow_foreach(struct flow_table *t, void (*fn)(void *ctx, struct flow *f), void *ctx)
{
	for (int l = 0; l < LIST__COUNT; l++)
		for (struct flow *f = t->lists[l].head; f; f = f->lnext)
			fn(ctx, f);
}

const struct flow_table_stats *flow_table_stats(const struct flow_table *t)
{
	return &t->st;
}

void flow_table_free(struct flow_table *t, void (*fin)(void *ctx, struct flow *f, int why),
		     void *ctx)
{
	if (!t)
		return;
	if (fin)
		for (int l = 0; l < LIST__COUNT; l++)
			for (struct flow *f = t->lists[l].head; f; f = f->lnext)
				fin(ctx, f, 0);
	while (t->slabs) {
		struct slab *s = t->slabs;
		t->slabs = s->next;
		free(s);
	}
	free(t->buckets);
	free(t);
}
