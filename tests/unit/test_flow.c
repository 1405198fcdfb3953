/* test_flow.c — the flow table: both directions find one flow, expiry by packet time, eviction cap. */
#include <stdio.h>
#include <string.h>
#include "flow.h"
#include "limits.h"

static int failures;

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "%s:%d: CHECK failed: %s\n", \
	__FILE__, __LINE__, #cond); failures++; } } while (0)

static struct ip_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct ip_addr x;

	memset(&x, 0, sizeof(x));
	x.family = 4;
	x.a[0] = a, x.a[1] = b, x.a[2] = c, x.a[3] = d;
	return x;
}

static unsigned evicted, expired;

static void on_evict(void *ctx, struct flow *f)
{
	(void)ctx, (void)f;
	evicted++;
}

static void on_expire(void *ctx, struct flow *f)
{
	(void)ctx, (void)f;
	expired++;
}

int main(void)
{
	struct flow_table *t = flow_table_new(100);
	struct ip_addr c = v4(192, 0, 2, 10), s = v4(198, 51, 100, 25);
	struct flow_key k1, k2;
	bool a1, a2;

	flow_key_make(&k1, &c, 40001, &s, 25, &a1);
	flow_key_make(&k2, &s, 25, &c, 40001, &a2);
	CHECK(memcmp(&k1, &k2, sizeof(k1)) == 0);
	CHECK(a1 != a2);

	struct flow *f = flow_insert(t, &k1, 1000000, on_evict, NULL);
	CHECK(f != NULL);
	CHECK(flow_lookup(t, &k2) == f);

	/* Embryonic flows expire after FLOW_EMBRYONIC_TIMEOUT_S of packet time, not before. */
	flow_expire(t, 1000000 + (FLOW_EMBRYONIC_TIMEOUT_S - 1) * 1000000ULL, on_expire, NULL);
	CHECK(expired == 0 && flow_lookup(t, &k1) == f);
	flow_touch(t, f, LIST_ACTIVE, 2000000);
	flow_expire(t, 2000000 + (FLOW_EMBRYONIC_TIMEOUT_S + 1) * 1000000ULL, on_expire, NULL);
	CHECK(expired == 0);	/* active flows have the longer timeout */
	flow_expire(t, 2000000 + (FLOW_IDLE_TIMEOUT_S + 1) * 1000000ULL, on_expire, NULL);
	CHECK(expired == 1 && flow_lookup(t, &k1) == NULL);

	/* Fill past the cap: the oldest flows are evicted, the table never grows beyond it. */
	for (uint16_t p = 1; p <= 250; p++) {
		struct flow_key k;
		bool a;
		struct ip_addr cc = v4(192, 0, 2, (uint8_t)(p % 200));
		flow_key_make(&k, &cc, (uint16_t)(30000 + p), &s, 25, &a);
		CHECK(flow_insert(t, &k, 5000000000ULL + p, on_evict, NULL) != NULL);
	}
	CHECK(flow_table_stats(t)->active == 100);
	CHECK(evicted == 150);
	CHECK(flow_table_under_pressure(t));
	flow_table_free(t, NULL, NULL);

	if (failures) {
		fprintf(stderr, "test_flow: %d failures\n", failures);
		return 1;
	}
	printf("test_flow: all passed\n");
	return 0;
}
