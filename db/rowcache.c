/* rowcache.c — a small string-keyed table of fixed-size values (chained hash, grows by doubling). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "rowcache.h"

struct entry {
	struct entry *next;
	uint64_t hash;
	uint32_t klen;
	uint32_t marked;
	unsigned char *key;		/* follows the value in the same allocation */
	max_align_t val[];
};

struct rowcache {
	struct entry **b;
	struct entry **marks;		/* changed since the last write-back */
	uint32_t nmarks, capmarks;
	int overflow;			/* a mark was lost: the next walk covers every value */
	uint32_t nb, n, max;
	size_t val_size;
	void (*drop)(void *val);
};

/* FNV-1a: keys are short addresses and address pairs. */
static uint64_t hash_key(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

struct rowcache *rowcache_new(size_t val_size, uint32_t max, void (*drop)(void *val))
{
	struct rowcache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->nb = 256;
	c->b = calloc(c->nb, sizeof(*c->b));
	if (!c->b) {
		free(c);
		return NULL;
	}
	c->max = max ? max : 1;
	c->val_size = (val_size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	c->drop = drop;
	return c;
}

void *rowcache_get(struct rowcache *c, const void *key, size_t klen)
{
	uint64_t h = hash_key(key, klen);

	for (struct entry *e = c->b[h & (c->nb - 1)]; e; e = e->next)
		if (e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0)
			return e->val;
	return NULL;
}

static void grow(struct rowcache *c)
{
	uint32_t nb = c->nb * 2;
	struct entry **b = calloc(nb, sizeof(*b));

	if (!b)
		return;		/* longer chains, still correct */
	for (uint32_t i = 0; i < c->nb; i++) {
		struct entry *e = c->b[i], *next;
		for (; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(c->b);
	c->b = b;
	c->nb = nb;
}

void *rowcache_add(struct rowcache *c, const void *key, size_t klen)
{
	struct entry *e;

	if (c->n >= c->nb)
		grow(c);
	e = calloc(1, sizeof(*e) + c->val_size + klen);
	if (!e)
		return NULL;
	e->hash = hash_key(key, klen);
	e->klen = (uint32_t)klen;
	e->key = (unsigned char *)e->val + c->val_size;
	memcpy(e->key, key, klen);
	e->next = c->b[e->hash & (c->nb - 1)];
	c->b[e->hash & (c->nb - 1)] = e;
	c->n++;
	return e->val;
}

void rowcache_foreach(struct rowcache *c, void (*fn)(void *ctx, void *val), void *ctx)
{
	for (uint32_t i = 0; i < c->nb; i++)
		for (struct entry *e = c->b[i]; e; e = e->next)
			fn(ctx, e->val);
}

static struct entry *entry_of(void *val)
{
	return (struct entry *)((char *)val - offsetof(struct entry, val));
}

const void *rowcache_key(const void *val, size_t *klen)
{
	const struct entry *e = (const struct entry *)((const char *)val - offsetof(struct entry, val));

	*klen = e->klen;
	return e->key;
}

int rowcache_mark(struct rowcache *c, void *val)
{
	struct entry *e = entry_of(val);

	if (e->marked)
		return 1;
	if (c->nmarks == c->capmarks) {
		uint32_t cap = c->capmarks ? c->capmarks * 2 : 256;
		struct entry **m = realloc(c->marks, cap * sizeof(*m));
		if (!m) {
			c->overflow = 1;
			return 0;
		}
		c->marks = m;
		c->capmarks = cap;
	}
	e->marked = 1;
	c->marks[c->nmarks++] = e;
	return 1;
}

void rowcache_foreach_marked(struct rowcache *c, void (*fn)(void *ctx, void *val), void *ctx)
{
	if (c->overflow) {
		for (uint32_t i = 0; i < c->nmarks; i++)
			c->marks[i]->marked = 0;
		c->nmarks = 0;
		c->overflow = 0;
		rowcache_foreach(c, fn, ctx);
		return;
	}
	for (uint32_t i = 0; i < c->nmarks; i++) {
		c->marks[i]->marked = 0;
		fn(ctx, c->marks[i]->val);
	}
	c->nmarks = 0;
}

void rowcache_clear(struct rowcache *c)
{
	if (!c)
		return;
	c->nmarks = 0;
	c->overflow = 0;
	for (uint32_t i = 0; i < c->nb; i++) {
		struct entry *e = c->b[i], *next;
		for (; e; e = next) {
			next = e->next;
			if (c->drop)
				c->drop(e->val);
			free(e);
		}
		c->b[i] = NULL;
	}
	c->n = 0;
}

int rowcache_full(const struct rowcache *c)
{
	return c->n >= c->max;
}

void rowcache_free(struct rowcache *c)
{
	if (!c)
		return;
	rowcache_clear(c);
	free(c->marks);
	free(c->b);
	free(c);
}
