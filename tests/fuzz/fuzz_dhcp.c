/* fuzz_dhcp.c — libFuzzer target for dhcp_parse: any UDP payload, the strings always terminated,
 * printable and within their caps. */
#include <stdlib.h>
#include <string.h>
#include "dhcp.h"

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
	struct dhcp_facts f;
	uint8_t a[4];

	/* an exact-size heap copy so ASan sees any read past the payload */
	unsigned char *p = malloc(size ? size : 1);

	if (!p)
		return 0;
	memcpy(p, data, size);
	if (dhcp_parse(p, size, &f) == DHCP_OK) {
		check_str(f.host_name, sizeof(f.host_name));
		check_str(f.vendor_class, sizeof(f.vendor_class));
		check_str(f.prl, sizeof(f.prl));
		(void)dhcp_client_addr(&f, a);
	}
	free(p);
	return 0;
}
