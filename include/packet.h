/* packet.h — one captured frame parsed once into a plain struct (link, IP, TCP); all bounds checks. */
#ifndef MAILTAP_PACKET_H
#define MAILTAP_PACKET_H

#include <stdbool.h>
#include <stdint.h>
#include "session.h"	/* struct ip_addr */

/* TCP flags (RFC 9293 §3.1). */
enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10 };

struct packet {
	uint64_t ts_us;
	uint32_t caplen, wirelen;
	uint8_t src_mac[6], dst_mac[6];
	bool has_mac;
	uint16_t vlan;			/* outermost 802.1Q/802.1ad VLAN id, 0 none (of the
					 * innermost Ethernet frame when tunnelled) */
	uint8_t vlan_depth;
	uint8_t encap;			/* encapsulations followed to reach the IP packet below */
	const uint8_t *l3;		/* IP header onward, captured bytes only (for nDPI) */
	uint32_t l3_len;
	struct ip_addr src, dst;
	uint16_t sport, dport;
	uint8_t tcp_flags;		/* TCP only; UDP fills ports and payload */
	uint32_t seq, ack;
	uint16_t win;
	const uint8_t *payload;		/* captured TCP payload */
	uint32_t payload_len;		/* captured bytes of it */
	uint32_t payload_wire_len;	/* its length per the IP header; > payload_len if truncated */
	struct ip_frag {		/* PKT_FRAGMENT only; payload* is then the fragment's data */
		uint32_t id;		/* identification (IPv4 16 bits, IPv6 32 bits) */
		uint32_t offset;	/* of the data in the datagram, bytes */
		uint16_t hdr_len;	/* bytes at l3 before the data: IPv4 header, or IPv6 header and
					 * extensions up to (not including) the Fragment header; 0 when
					 * the Fragment header itself was cut by the snaplen */
		uint16_t nh_at;		/* IPv6: offset from l3 of the next-header byte naming the
					 * Fragment header */
		uint8_t proto;		/* IPv4 protocol; IPv6 the Fragment header's next header */
		bool more;		/* more fragments follow */
	} frag;
};

enum pkt_result {
	PKT_TCP,		/* p is filled */
	PKT_NOT_TCP,		/* IP but not TCP, or not IP (ARP, ...) */
	PKT_FRAGMENT,		/* an IP fragment: p->frag, p->l3 and p->payload describe it */
	PKT_TRUNCATED,		/* headers cut by the snaplen */
	PKT_MALFORMED,		/* lengths or versions that cannot be */
	PKT_UNSUPPORTED_LINK,	/* link type not handled */
	PKT_UDP,		/* UDP: ports and payload filled (DHCP is read from it) */
	PKT__COUNT
};

/* Parse one frame of pcap link type dlt (DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
 * DLT_IPV4, DLT_IPV6, DLT_NULL, DLT_LOOP). Tunnels are followed to the packet inside (MPLS, PPPoE
 * sessions, GRE with IP, Ethernet or ERSPAN I/II/III, IP-in-IP, VXLAN, GENEVE, TZSP; up to
 * PACKET_ENCAP_MAX deep): addresses, ports and payload are the inner packet's, MACs and VLAN the
 * innermost Ethernet frame's. Pointers in p point into frame. */
enum pkt_result packet_decode(int dlt, const uint8_t *frame, uint32_t caplen, uint32_t wirelen,
			      uint64_t ts_us, struct packet *p);

/* The same, layer by layer, without packet_decode's one-pass path for Ethernet/IPv4/TCP and UDP:
 * for tests, which check that both give the same packet. */
enum pkt_result packet_decode_layered(int dlt, const uint8_t *frame, uint32_t caplen,
				      uint32_t wirelen, uint64_t ts_us, struct packet *p);

/* Stable name of a result, for counters. */
const char *pkt_result_name(enum pkt_result r);

#endif
