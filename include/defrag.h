/* defrag.h — IPv4/IPv6 fragment reassembly for one worker: a bounded table of datagrams in progress. */
#ifndef MAILTAP_DEFRAG_H
#define MAILTAP_DEFRAG_H

#include <stdint.h>
#include "packet.h"

/* What happened to fragments and datagrams; counters indexed by it (struct defrag_stats). */
enum defrag_count {
	DEFRAG_FRAGMENTS,		/* fragments offered */
	DEFRAG_REASSEMBLED,		/* datagrams completed and handed on */
	DEFRAG_OVERLAP_SAME,		/* fragments overlapping data already held, same bytes */
	DEFRAG_OVERLAP_DIFFERENT,	/* ... different bytes (anomaly; the first data was kept) */
	DEFRAG_DROP_TRUNCATED,		/* fragment cut by the snaplen: its datagram cannot complete */
	DEFRAG_DROP_TOO_BIG,		/* offset + length beyond the largest datagram */
	DEFRAG_DROP_MISALIGNED,		/* a fragment that is not the last, length not a multiple of 8 */
	DEFRAG_DROP_LAST_CONFLICT,	/* two last fragments ending at different places (datagram dropped) */
	DEFRAG_DROP_PAST_END,		/* data beyond the last fragment's end (datagram dropped) */
	DEFRAG_DROP_HEADER,		/* IPv6 headers before the Fragment header over DEFRAG_HDR_MAX */
	DEFRAG_DROP_PIECES,		/* more than DEFRAG_PIECES_MAX separate pieces (datagram dropped) */
	DEFRAG_DROP_TIMEOUT,		/* datagrams incomplete after DEFRAG_TIMEOUT_S */
	DEFRAG_DROP_EVICTED,		/* datagrams dropped for room (table or byte budget full) */
	DEFRAG_DROP_NO_MEMORY,		/* a buffer could not be allocated */
	DEFRAG__COUNT
};

struct defrag_stats {
	uint64_t n[DEFRAG__COUNT];
	uint64_t bytes_buffered, datagrams_active;	/* now (summed over workers like the rest) */
};

/* Stable name of a counter ("overlap_different"). */
const char *defrag_count_name(enum defrag_count c);

struct defrag;

/* A table of at most DEFRAG_DATAGRAMS_MAX datagrams and DEFRAG_BYTES_MAX buffered bytes; stats is
 * the caller's and must outlive the table. NULL when out of memory. */
struct defrag *defrag_new(struct defrag_stats *stats);
void defrag_free(struct defrag *d);

/* Offer one fragment: p as packet_decode returned it with PKT_FRAGMENT (p->frag, p->l3, p->src,
 * p->dst, p->payload*). Overlapping data: the first bytes received are kept (as Linux and the
 * BSDs do for all but the first fragment; RFC 5722 would drop the datagram), a difference is
 * counted. Returns 1 when this fragment completed a datagram: *dgram then points to the whole
 * datagram, IP header onward (fragmentation fields cleared, length fixed; IPv6 without the
 * Fragment header), *len bytes, in a buffer of the table valid until the next defrag_add,
 * defrag_expire or defrag_free. 0 otherwise (held or dropped, counted). p is not kept. */
int defrag_add(struct defrag *d, const struct packet *p, const uint8_t **dgram, uint32_t *len);

/* Drop datagrams whose first fragment is DEFRAG_TIMEOUT_S older than now_us (packet time). */
void defrag_expire(struct defrag *d, uint64_t now_us);

#endif
