/* pcapgen_dns.h — pcapgen's DNS message builder (see pcapgen_dns.c for the script lines). */
#ifndef PCAPGEN_DNS_H
#define PCAPGEN_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dns_msg {
	bool open;
	unsigned id, flags;
	unsigned sec[4];	/* question, answer, authority, additional counts */
	char qname[256];	/* the first question's name: compression target at offset 12 */
	uint8_t b[65535];
	size_t n;
};

void dns_begin(struct dns_msg *m, bool query, bool ad, bool tc, unsigned id, unsigned rcode);
/* Each returns NULL, or what is wrong with the line. */
const char *dns_question(struct dns_msg *m, const char *name, const char *type);
/* section 1 answer, 2 authority, 3 additional; line: "NAME TTL TYPE DATA" (modified); TXT DATA
 * is the rest of the line with pcapgen's \\ and \xNN escapes. */
const char *dns_record(struct dns_msg *m, int section, char *line);
/* Write the header; the message is m->b[0..returned). */
size_t dns_end(struct dns_msg *m);

#endif
