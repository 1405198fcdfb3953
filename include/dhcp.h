/* dhcp.h — passive DHCP/BOOTP facts (RFC 2131/2132) that name devices: host name, vendor class. */
#ifndef MAILTAP_DHCP_H
#define MAILTAP_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "limits.h"

/* UDP ports of DHCP (RFC 2131 §4.1): server 67, client 68. */
#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68

enum dhcp_result {
	DHCP_OK = 0,
	DHCP_TRUNCATED,		/* shorter than the fixed BOOTP header, or an option runs past the end */
	DHCP_NOT_DHCP,		/* bad op, or no magic cookie (plain BOOTP is not recorded) */
	DHCP_BAD_OPTION		/* an option with an impossible length (e.g. option 53 not 1 byte) */
};

/* RFC 2132 §9.6 DHCP message types (option 53). */
enum dhcp_msg_type {
	DHCPDISCOVER = 1, DHCPOFFER, DHCPREQUEST, DHCPDECLINE, DHCPACK, DHCPNAK, DHCPRELEASE,
	DHCPINFORM
};

/* What one DHCP message says about its client. Strings are NUL-terminated escaped printable ASCII
 * (backslash as \\, other bytes outside 0x20-0x7e as \xNN, cut to fit), "" when absent. */
struct dhcp_facts {
	uint8_t op;			/* 1 BOOTREQUEST (from client), 2 BOOTREPLY (from server) */
	uint8_t msg_type;		/* option 53, enum dhcp_msg_type; 0 absent */
	uint32_t xid;
	uint8_t chaddr[6];		/* client hardware address (Ethernet only) */
	bool has_chaddr;		/* htype 1 and hlen 6 */
	uint8_t ciaddr[4], yiaddr[4];	/* 0.0.0.0 when unset */
	uint8_t requested_ip[4];	/* option 50 */
	bool has_requested_ip;
	char host_name[DHCP_STR_MAX];	/* option 12 */
	char vendor_class[DHCP_STR_MAX];	/* option 60 */
	char prl[DHCP_PRL_TEXT_MAX];	/* option 55 as "1,3,6,15": a client fingerprint */
};

/* Parse one DHCP message from a UDP payload (p, n): the BOOTP header of RFC 2131 §2 and the
 * options of RFC 2132 after the magic cookie, overload (option 52) of file/sname honoured.
 * Pure: reads only p[0..n), keeps no pointer into it, allocates nothing. f is always fully
 * written (zeroed first). Returns DHCP_OK or why the message was refused. */
enum dhcp_result dhcp_parse(const uint8_t *p, size_t n, struct dhcp_facts *f);

/* The client's address as far as the message tells: yiaddr of an ACK, the requested address
 * (option 50), then ciaddr. Returns false when none is set (a DISCOVER from 0.0.0.0).
 * Inline so that the database writer needs only this header. */
static inline bool dhcp_client_addr(const struct dhcp_facts *f, uint8_t out[4])
{
	const uint8_t *a = NULL;

	if (f->msg_type == DHCPACK && (f->yiaddr[0] | f->yiaddr[1] | f->yiaddr[2] | f->yiaddr[3]))
		a = f->yiaddr;
	else if (f->has_requested_ip &&
		 (f->requested_ip[0] | f->requested_ip[1] | f->requested_ip[2] | f->requested_ip[3]))
		a = f->requested_ip;
	else if (f->ciaddr[0] | f->ciaddr[1] | f->ciaddr[2] | f->ciaddr[3])
		a = f->ciaddr;
	for (int i = 0; a && i < 4; i++)
		out[i] = a[i];
	return a != NULL;
}

/* "DHCPDISCOVER", ... or NULL for an unknown type (RFC 2132 §9.6). */
static inline const char *dhcp_msg_type_name(uint8_t t)
{
	static const char *const names[] = {
		NULL, "DHCPDISCOVER", "DHCPOFFER", "DHCPREQUEST", "DHCPDECLINE", "DHCPACK",
		"DHCPNAK", "DHCPRELEASE", "DHCPINFORM",
	};

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : NULL;
}

#endif
