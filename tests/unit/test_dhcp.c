/* test_dhcp.c — the DHCP parser on real-looking messages, every truncation, hostile options. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dhcp.h"
#include "check.h"

/* ---- guard-page buffer: input placed right against a PROT_NONE page ---- */

#define GUARD_CAP (8u * 1024)

static uint8_t *guard_base;

static const uint8_t *guard_place(const uint8_t *p, size_t n)
{
	return guard_put(guard_base, GUARD_CAP, p, n);
}

/* ---- message builder: BOOTP header (RFC 2131 §2) + cookie + options ---- */

struct msg {
	uint8_t b[1024];
	size_t n;
	size_t bounds[64];	/* offsets where an option starts or the options end */
	size_t nbounds;
};

static void header(struct msg *m, uint8_t op, const uint8_t mac[6], const uint8_t ciaddr[4],
		   const uint8_t yiaddr[4])
{
	memset(m, 0, sizeof(*m));
	m->b[0] = op;
	m->b[1] = 1;	/* Ethernet */
	m->b[2] = 6;
	memcpy(m->b + 4, (uint8_t[]){ 0x3d, 0x1d, 0x5a, 0x11 }, 4);	/* xid */
	if (ciaddr)
		memcpy(m->b + 12, ciaddr, 4);
	if (yiaddr)
		memcpy(m->b + 16, yiaddr, 4);
	memcpy(m->b + 28, mac, 6);
	memcpy(m->b + 236, (uint8_t[]){ 99, 130, 83, 99 }, 4);
	m->n = 240;
	m->bounds[m->nbounds++] = m->n;
}

static void opt(struct msg *m, uint8_t code, const void *v, uint8_t len)
{
	m->b[m->n++] = code;
	m->b[m->n++] = len;
	memcpy(m->b + m->n, v, len);
	m->n += len;
	m->bounds[m->nbounds++] = m->n;
}

static void end(struct msg *m)
{
	m->b[m->n++] = 255;
}

static const uint8_t mac_win[6] = { 0x00, 0x15, 0x5d, 0x01, 0x02, 0x03 };
static const uint8_t mac_brother[6] = { 0x3c, 0x2a, 0xf4, 0x11, 0x22, 0x33 };

/* A Windows 10 DHCPREQUEST: requested address, host name, MSFT 5.0, the usual PRL. */
static void windows_request(struct msg *m)
{
	static const uint8_t prl[] = { 1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252 };

	header(m, 1, mac_win, NULL, NULL);
	opt(m, 53, (uint8_t[]){ 3 }, 1);
	opt(m, 61, (uint8_t[]){ 1, 0x00, 0x15, 0x5d, 0x01, 0x02, 0x03 }, 7);
	opt(m, 50, (uint8_t[]){ 192, 0, 2, 77 }, 4);
	opt(m, 54, (uint8_t[]){ 192, 0, 2, 1 }, 4);
	opt(m, 12, "DESKTOP-4F7K2LQ", 15);
	opt(m, 81, (uint8_t[]){ 0, 0, 0, 'D', 'E', 'S', 'K' }, 7);
	opt(m, 60, "MSFT 5.0", 8);
	opt(m, 55, prl, sizeof(prl));
	end(m);
}

static void test_windows(void)
{
	struct msg m;
	struct dhcp_facts f;
	uint8_t a[4];

	windows_request(&m);
	CHECK(dhcp_parse(guard_place(m.b, m.n), m.n, &f) == DHCP_OK);
	CHECK(f.op == 1 && f.msg_type == DHCPREQUEST && f.xid == 0x3d1d5a11);
	CHECK(f.has_chaddr && memcmp(f.chaddr, mac_win, 6) == 0);
	CHECK(f.has_requested_ip && memcmp(f.requested_ip, (uint8_t[]){ 192, 0, 2, 77 }, 4) == 0);
	CHECK(strcmp(f.host_name, "DESKTOP-4F7K2LQ") == 0);
	CHECK(strcmp(f.vendor_class, "MSFT 5.0") == 0);
	CHECK(strcmp(f.prl, "1,3,6,15,31,33,43,44,46,47,119,121,249,252") == 0);
	CHECK(dhcp_client_addr(&f, a) && memcmp(a, (uint8_t[]){ 192, 0, 2, 77 }, 4) == 0);
	CHECK(strcmp(dhcp_msg_type_name(f.msg_type), "DHCPREQUEST") == 0);
	CHECK(dhcp_msg_type_name(0) == NULL && dhcp_msg_type_name(200) == NULL);
}

/* A Brother printer's DISCOVER (no address yet), then the server's ACK with yiaddr. */
static void test_printer_and_ack(void)
{
	struct msg m;
	struct dhcp_facts f;
	uint8_t a[4];

	header(&m, 1, mac_brother, NULL, NULL);
	opt(&m, 53, (uint8_t[]){ 1 }, 1);
	opt(&m, 12, "BRN3C2AF4112233", 15);
	opt(&m, 60, "Brother", 7);
	opt(&m, 55, (uint8_t[]){ 1, 3, 6, 15, 44, 46, 47 }, 7);
	end(&m);
	CHECK(dhcp_parse(guard_place(m.b, m.n), m.n, &f) == DHCP_OK);
	CHECK(f.msg_type == DHCPDISCOVER && !f.has_requested_ip);
	CHECK(strcmp(f.host_name, "BRN3C2AF4112233") == 0 && strcmp(f.vendor_class, "Brother") == 0);
	CHECK(!dhcp_client_addr(&f, a));

	header(&m, 2, mac_brother, NULL, (uint8_t[]){ 192, 0, 2, 50 });
	opt(&m, 53, (uint8_t[]){ 5 }, 1);
	opt(&m, 51, (uint8_t[]){ 0, 1, 0x51, 0x80 }, 4);
	end(&m);
	CHECK(dhcp_parse(guard_place(m.b, m.n), m.n, &f) == DHCP_OK);
	CHECK(f.op == 2 && f.msg_type == DHCPACK && memcmp(f.chaddr, mac_brother, 6) == 0);
	CHECK(dhcp_client_addr(&f, a) && memcmp(a, (uint8_t[]){ 192, 0, 2, 50 }, 4) == 0);
	CHECK(f.host_name[0] == '\0' && f.prl[0] == '\0');

	/* a renewing client: ciaddr only */
	header(&m, 1, mac_brother, (uint8_t[]){ 192, 0, 2, 51 }, NULL);
	opt(&m, 53, (uint8_t[]){ 3 }, 1);
	end(&m);
	CHECK(dhcp_parse(guard_place(m.b, m.n), m.n, &f) == DHCP_OK);
	CHECK(dhcp_client_addr(&f, a) && a[3] == 51);
}

static bool is_bound(const struct msg *m, size_t n)
{
	for (size_t i = 0; i < m->nbounds; i++)
		if (m->bounds[i] == n)
			return true;
	return false;
}

/* Every prefix against the guard page: header cuts and cuts inside an option are TRUNCATED; a
 * cut at an option boundary parses what was there. Never reads past n (the guard page). */
static void test_truncations(void)
{
	struct msg m;
	struct dhcp_facts f;
	int bad = 0;

	windows_request(&m);
	for (size_t n = 0; n < m.n; n++) {
		enum dhcp_result r = dhcp_parse(guard_place(m.b, n), n, &f);
		enum dhcp_result want = n >= 240 && is_bound(&m, n) ? DHCP_OK : DHCP_TRUNCATED;
		if (r != want) {
			fprintf(stderr, "cut at %zu: got %d want %d\n", n, r, want);
			bad++;
		}
	}
	CHECK(bad == 0);
	CHECK(dhcp_parse(NULL, 0, &f) == DHCP_TRUNCATED);
	/* cut right after the host name option: the name is there, the vendor class not yet */
	CHECK(dhcp_parse(guard_place(m.b, m.bounds[5]), m.bounds[5], &f) == DHCP_OK);
	CHECK(strcmp(f.host_name, "DESKTOP-4F7K2LQ") == 0 && f.vendor_class[0] == '\0');
}

static void test_refusals(void)
{
	struct msg m;
	struct dhcp_facts f;

	windows_request(&m);
	m.b[236] = 0;		/* no magic cookie: BOOTP */
	CHECK(dhcp_parse(m.b, m.n, &f) == DHCP_NOT_DHCP);
	windows_request(&m);
	m.b[0] = 3;		/* op neither request nor reply */
	CHECK(dhcp_parse(m.b, m.n, &f) == DHCP_NOT_DHCP);
	header(&m, 1, mac_win, NULL, NULL);
	opt(&m, 53, (uint8_t[]){ 3, 3 }, 2);	/* message type must be 1 byte */
	CHECK(dhcp_parse(m.b, m.n, &f) == DHCP_BAD_OPTION);
	header(&m, 1, mac_win, NULL, NULL);
	opt(&m, 50, (uint8_t[]){ 192, 0, 2 }, 3);	/* requested IP must be 4 bytes */
	CHECK(dhcp_parse(m.b, m.n, &f) == DHCP_BAD_OPTION);
	header(&m, 1, mac_win, NULL, NULL);
	opt(&m, 52, (uint8_t[]){ 9 }, 1);	/* overload value out of range */
	CHECK(dhcp_parse(m.b, m.n, &f) == DHCP_BAD_OPTION);
	/* not Ethernet: no MAC taken */
	windows_request(&m);
	m.b[1] = 6;
	CHECK(dhcp_parse(m.b, m.n, &f) == DHCP_OK && !f.has_chaddr);
}

/* Hostile strings are escaped and cut; pads are skipped; data after END is ignored. */
static void test_hostile(void)
{
	struct msg m;
	struct dhcp_facts f;
	uint8_t big[255];

	header(&m, 1, mac_win, NULL, NULL);
	opt(&m, 0, "", 0);	/* writes code 0, len 0: two pads */
	opt(&m, 12, "<script>\x1b[2J\\\0", 14);
	memset(big, 0xff, sizeof(big));
	opt(&m, 60, big, 255);
	end(&m);
	opt(&m, 12, "after-end", 9);
	CHECK(dhcp_parse(guard_place(m.b, m.n), m.n, &f) == DHCP_OK);
	CHECK(strcmp(f.host_name, "<script>\\x1b[2J\\\\") == 0);
	CHECK(strlen(f.vendor_class) < DHCP_STR_MAX && strlen(f.vendor_class) % 4 == 0);
	CHECK(strncmp(f.vendor_class, "\\xff\\xff", 8) == 0);
	for (const char *p = f.vendor_class; *p; p++)
		CHECK(*p >= 0x20 && *p < 0x7f);
}

/* RFC 2131 §4.1 option overload: the host name lives in the file field. */
static void test_overload(void)
{
	struct msg m;
	struct dhcp_facts f;
	uint8_t *file;

	header(&m, 1, mac_win, NULL, NULL);
	opt(&m, 53, (uint8_t[]){ 1 }, 1);
	opt(&m, 52, (uint8_t[]){ 1 }, 1);
	end(&m);
	file = m.b + 108;
	memcpy(file, (uint8_t[]){ 12, 5, 'p', 'r', 'n', '0', '1', 255 }, 8);
	CHECK(dhcp_parse(guard_place(m.b, m.n), m.n, &f) == DHCP_OK);
	CHECK(strcmp(f.host_name, "prn01") == 0);
	/* an option in the file field that runs past it */
	memcpy(file + 120, (uint8_t[]){ 0, 0, 0, 0, 0, 0, 60, 20 }, 8);
	file[7] = 0;	/* the END is gone: the walk reaches the bad option */
	CHECK(dhcp_parse(guard_place(m.b, m.n), m.n, &f) == DHCP_TRUNCATED);
}

int main(void)
{
	guard_base = guard_alloc(GUARD_CAP);
	test_windows();
	test_printer_and_ack();
	test_truncations();
	test_refusals();
	test_hostile();
	test_overload();
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "ok", failures);
	return failures ? 1 : 0;
}
