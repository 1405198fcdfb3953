/* rowcache.h — a small string-keyed table of fixed-size values: the writer's in-memory copies of rows. */
#ifndef MAILTAP_ROWCACHE_H
#define MAILTAP_ROWCACHE_H

#include <stddef.h>
#include <stdint.h>

struct rowcache;

/* A table of values of val_size bytes, at most max entries (rowcache_full says when to clear).
 * drop(val) is called for every value removed (frees what the value owns; may be NULL). */
struct rowcache *rowcache_new(size_t val_size, uint32_t max, void (*drop)(void *val));
void rowcache_free(struct rowcache *c);

/* The value stored under key (klen bytes, any content), or NULL. Valid until the next clear. */
void *rowcache_get(struct rowcache *c, const void *key, size_t klen);
/* Add key (absent, checked by the caller) with a zeroed value; NULL when out of memory. */
void *rowcache_add(struct rowcache *c, const void *key, size_t klen);
/* The key val is stored under (valid as long as val), its length in *klen. */
const void *rowcache_key(const void *val, size_t *klen);
/* Call fn for every value, in no particular order; fn must not add or clear. */
void rowcache_foreach(struct rowcache *c, void (*fn)(void *ctx, void *val), void *ctx);
/* Note val (from rowcache_get/add) as changed. Out of memory, it returns 0 and the next
 * rowcache_foreach_marked walks every value instead (fn must tell changed ones itself). */
int rowcache_mark(struct rowcache *c, void *val);
/* Call fn for every value marked since the last call, once each, and forget the marks. */
void rowcache_foreach_marked(struct rowcache *c, void (*fn)(void *ctx, void *val), void *ctx);
/* Remove every value. */
void rowcache_clear(struct rowcache *c);
/* True when the table holds max values or more: time to clear it after writing it back. */
int rowcache_full(const struct rowcache *c);

#endif
