/* fuzz_dns.c — libFuzzer target for dns_parse: any UDP payload; facts within their bounds, names and
 * texts terminated and printable. */
#include <stdlib.h>
#include <string.h>
#include "dns.h"

static void check_str(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n >= cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct dns_facts f;
	char t[DNS_TLSA_TEXT_MAX];
	/* an exact-size heap copy so ASan sees any read past the payload */
	unsigned char *p = malloc(size ? size : 1);

	if (!p)
		return 0;
	memcpy(p, data, size);
	enum dns_result r = dns_parse(p, size, &f);
	if ((unsigned)r >= DNS__COUNT || f.n > DNS_FACTS_MAX)
		abort();
	for (unsigned i = 0; i < f.n; i++) {
		const struct dns_fact *x = &f.f[i];
		check_str(x->name, sizeof(x->name));
		if (x->type == DF_MX)
			check_str(x->u.mx.host, sizeof(x->u.mx.host));
		else if (x->type == DF_STS || x->type == DF_TLSRPT)
			check_str(x->u.text, sizeof(x->u.text));
		else if (x->type == DF_TLSA) {
			if (x->u.tlsa.len != 32 && x->u.tlsa.len != 64)
				abort();
			check_str(dns_tlsa_str(&x->u.tlsa, t, sizeof(t)), sizeof(t));
		} else if (x->type != DF_ADDR)
			abort();
	}
	free(p);
	return 0;
}
