/* packet.c — parse one captured frame once (link, IPv4/IPv6, TCP) into struct packet, all bounds checked. */
#include <string.h>
#include <pcap/dlt.h>
#include "cursor.h"
#include "limits.h"
#include "packet.h"

/* Link types that libpcap may report under their LINKTYPE_ value on some platforms. */
enum { LINKTYPE_RAW_ = 101, DLT_RAW_BSD_ = 14 };

enum {
	ETH_HDR_LEN = 14, VLAN_TAG_LEN = 4, SLL_HDR_LEN = 16, SLL2_HDR_LEN = 20, NULL_HDR_LEN = 4,
	IPV4_MIN_HDR = 20, IPV6_HDR_LEN = 40, TCP_MIN_HDR = 20, IPV6_FRAG_HDR_LEN = 8
};
enum {
	ETHERTYPE_IPV4 = 0x0800, ETHERTYPE_IPV6 = 0x86dd, ETHERTYPE_8021Q = 0x8100,
	ETHERTYPE_8021AD = 0x88a8, ETHERTYPE_QINQ_OLD = 0x9100, ETHERTYPE_MIN = 0x0600,
	ETHERTYPE_MPLS = 0x8847, ETHERTYPE_MPLS_MC = 0x8848, ETHERTYPE_PPPOE_SESSION = 0x8864,
	ETHERTYPE_TEB = 0x6558, ETHERTYPE_ERSPAN = 0x88be, ETHERTYPE_ERSPAN3 = 0x22eb
};
enum {
	IPPROTO_HOPOPTS_ = 0, IPPROTO_IPIP_ = 4, IPPROTO_TCP_ = 6, IPPROTO_UDP_ = 17, IPPROTO_IPV6_ = 41,
	IPPROTO_ROUTING_ = 43, IPPROTO_FRAGMENT_ = 44, IPPROTO_GRE_ = 47, IPPROTO_ESP_ = 50,
	IPPROTO_AH_ = 51, IPPROTO_NONE_ = 59, IPPROTO_DSTOPTS_ = 60
};
/* UDP tunnels, by destination port (IANA): VXLAN (RFC 7348 §5), GENEVE (RFC 8926 §3.3), and TZSP
 * (37008, what MikroTik's packet sniffer streams to a collector). */
enum { UDP_PORT_VXLAN = 4789, UDP_PORT_GENEVE = 6081, UDP_PORT_TZSP = 37008 };
/* BSD address families as written by the capturing host (DLT_NULL/DLT_LOOP). */
enum { BSD_AF_INET = 2, BSD_AF_INET6_BSD = 24, BSD_AF_INET6_FREEBSD = 28, BSD_AF_INET6_DARWIN = 30 };

/* The frame as a whole: the cursor over its captured bytes and its length on the wire. */
struct frame {
	struct cur c;
	uint32_t wirelen;	/* >= caplen */
};

/* A read past the captured bytes is a snaplen cut if the wire had more, otherwise impossible. */
static enum pkt_result cut_result(const struct frame *f)
{
	return f->c.n < f->wirelen ? PKT_TRUNCATED : PKT_MALFORMED;
}

/* 802.1Q / 802.1ad tags (IEEE 802.1Q §9.6): record outermost VLAN id and depth, return inner type. */
static uint16_t l2_vlan_tags(struct cur *c, uint16_t type, struct packet *p)
{
	while (!c->err && (type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD ||
			   type == ETHERTYPE_QINQ_OLD)) {
		uint16_t tci = get_u16(c);
		type = get_u16(c);
		if (c->err)
			break;
		if (p->vlan_depth == 0)
			p->vlan = tci & 0x0fff;
		if (p->vlan_depth < UINT8_MAX)
			p->vlan_depth++;
	}
	return type;
}

/* Ethernet II (IEEE 802.3 §3.2.6 type field): dst, src, type; returns the ethertype. */
static uint16_t link_ether(struct cur *c, struct packet *p)
{
	get_copy(c, p->dst_mac, 6);
	get_copy(c, p->src_mac, 6);
	p->has_mac = !c->err;
	return l2_vlan_tags(c, get_u16(c), p);
}

/* Keep a 6-byte link-layer source address of a cooked header as the source MAC (no destination). */
static void sll_source_mac(struct packet *p, const uint8_t addr[8], uint16_t addr_len)
{
	if (addr_len != 6)
		return;
	memcpy(p->src_mac, addr, 6);
	p->has_mac = true;
}

/* Linux cooked v1 (pcap-linktype LINKTYPE_LINUX_SLL): pkttype, hatype, addr len, addr[8], protocol. */
static uint16_t link_sll(struct cur *c, struct packet *p)
{
	uint8_t addr[8];
	get_skip(c, 4);			/* packet type, ARPHRD type */
	uint16_t alen = get_u16(c);
	get_copy(c, addr, 8);
	uint16_t type = get_u16(c);
	if (!c->err)
		sll_source_mac(p, addr, alen);
	return l2_vlan_tags(c, type, p);
}

/* Linux cooked v2 (LINKTYPE_LINUX_SLL2): protocol, reserved, ifindex, hatype, pkttype, alen, addr[8]. */
static uint16_t link_sll2(struct cur *c, struct packet *p)
{
	uint8_t addr[8];
	uint16_t type = get_u16(c);
	get_skip(c, 2 + 4 + 2 + 1);	/* reserved, interface index, ARPHRD type, packet type */
	uint8_t alen = get_u8(c);
	get_copy(c, addr, 8);
	if (!c->err)
		sll_source_mac(p, addr, alen);
	return l2_vlan_tags(c, type, p);
}

/* BSD loopback: a 4-byte address family in the capturing host's byte order, which may not be
 * ours, so both orders are tried (DLT_LOOP is network order, but writers disagree). */
static uint16_t link_null(struct cur *c)
{
	uint32_t be = get_u32(c);
	uint32_t le = (be >> 24) | ((be >> 8) & 0xff00) | ((be << 8) & 0xff0000) | (be << 24);
	if (c->err)
		return 0;
	uint32_t fam = be <= 0xffff ? be : le;
	if (fam == BSD_AF_INET)
		return ETHERTYPE_IPV4;
	if (fam == BSD_AF_INET6_BSD || fam == BSD_AF_INET6_FREEBSD || fam == BSD_AF_INET6_DARWIN)
		return ETHERTYPE_IPV6;
	return 0;
}

/* Raw IP: the version nibble (RFC 791 §3.1, RFC 8200 §3) says which. */
static uint16_t link_raw(const struct cur *c)
{
	if (c->off >= c->n)
		return 0;
	switch (c->p[c->off] >> 4) {
	case 4: return ETHERTYPE_IPV4;
	case 6: return ETHERTYPE_IPV6;
	default: return 0;
	}
}

/* Decode the link header for dlt; *type gets the ethertype of what follows (0 = not IP). */
static enum pkt_result link_decode(int dlt, struct frame *f, struct packet *p, uint16_t *type)
{
	struct cur *c = &f->c;
	switch (dlt) {
	case DLT_EN10MB: *type = link_ether(c, p); break;
	case DLT_LINUX_SLL: *type = link_sll(c, p); break;
	case DLT_LINUX_SLL2: *type = link_sll2(c, p); break;
	case DLT_NULL:
	case DLT_LOOP: *type = link_null(c); break;
	case DLT_RAW:
	case DLT_RAW_BSD_:
	case LINKTYPE_RAW_:
	case DLT_IPV4:
	case DLT_IPV6:
		*type = link_raw(c);
		if (*type == 0)
			return c->n == 0 ? cut_result(f) : PKT_MALFORMED;
		if ((dlt == DLT_IPV4 && *type != ETHERTYPE_IPV4) ||
		    (dlt == DLT_IPV6 && *type != ETHERTYPE_IPV6))
			return PKT_MALFORMED;
		break;
	default: return PKT_UNSUPPORTED_LINK;
	}
	if (c->err)
		return cut_result(f);
	return PKT_TCP;
}

/* What the IP layer hands to TCP: where the segment starts and how long it is on the wire. */
struct l4 {
	uint8_t proto;
	uint32_t off;		/* offset of the TCP header in the frame */
	uint32_t wire_len;	/* TCP header + payload per the IP header */
	uint32_t ip_end;	/* offset just past the IP datagram's captured bytes */
};

/* Check an IP datagram of total_len bytes starting at l3 against the frame, and clip the cursor to
 * it so Ethernet padding never becomes data. From here on the datagram is the "wire": a read past
 * the captured bytes is a snaplen cut only if the datagram says there were more. */
static enum pkt_result ip_bounds(struct frame *f, uint32_t l3, uint32_t total_len, struct packet *p)
{
	if (total_len > f->wirelen - l3)
		return PKT_MALFORMED;
	uint32_t captured = f->c.n - l3;
	if (captured > total_len)
		captured = total_len;
	f->c.n = l3 + captured;
	f->wirelen = l3 + total_len;
	p->l3 = f->c.p + l3;
	p->l3_len = captured;
	return PKT_TCP;
}

/* A fragment's data: from the cursor to the datagram's end (captured bytes, and wire bytes). */
static void fragment_data(const struct frame *f, struct packet *p, uint32_t end)
{
	p->payload = f->c.p + f->c.off;
	p->payload_len = (uint32_t)(f->c.n - f->c.off);
	p->payload_wire_len = end - (uint32_t)f->c.off;
}

/* IPv4 header (RFC 791 §3.1): version/IHL, total length, fragment fields, protocol, addresses. */
static enum pkt_result ipv4_decode(struct frame *f, struct packet *p, struct l4 *l4)
{
	struct cur *c = &f->c;
	uint32_t l3 = c->off;
	uint8_t vihl = get_u8(c);
	get_skip(c, 1);					/* type of service */
	uint32_t total = get_u16(c);
	uint16_t id = get_u16(c);			/* identification */
	uint16_t frag = get_u16(c);
	get_skip(c, 1);					/* time to live */
	l4->proto = get_u8(c);
	get_skip(c, 2);					/* header checksum: offloads make it unreliable */
	p->src.family = p->dst.family = 4;
	memset(p->src.a, 0, sizeof(p->src.a));		/* an outer IPv6 header wrote all 16 */
	memset(p->dst.a, 0, sizeof(p->dst.a));
	get_copy(c, p->src.a, 4);
	get_copy(c, p->dst.a, 4);
	if (c->err)
		return cut_result(f);
	uint32_t ihl = (uint32_t)(vihl & 0x0f) * 4;
	if (vihl >> 4 != 4 || ihl < IPV4_MIN_HDR)
		return PKT_MALFORMED;
	if (total == 0)					/* TSO capture on the sender: trust the frame */
		total = f->wirelen - l3;
	if (total < ihl)
		return PKT_MALFORMED;
	enum pkt_result r = ip_bounds(f, l3, total, p);
	if (r != PKT_TCP)
		return r;
	get_skip(c, ihl - IPV4_MIN_HDR);		/* options (RFC 791 §3.1) */
	if (c->err)
		return cut_result(f);
	if ((frag & 0x2000) || (frag & 0x1fff)) {	/* MF or fragment offset (RFC 791 §3.2) */
		p->frag = (struct ip_frag){ .id = id, .offset = (uint32_t)(frag & 0x1fff) * 8,
					    .hdr_len = (uint16_t)ihl, .proto = l4->proto,
					    .more = (frag & 0x2000) != 0 };
		fragment_data(f, p, l3 + total);
		return PKT_FRAGMENT;
	}
	l4->off = c->off;
	l4->wire_len = total - ihl;
	l4->ip_end = c->n;
	return PKT_TCP;
}

/* One IPv6 extension header (RFC 8200 §4): its length, or 0 when it ends the walk. */
static uint32_t ipv6_ext_len(uint8_t nh, uint8_t hdr_len)
{
	switch (nh) {
	case IPPROTO_HOPOPTS_:
	case IPPROTO_ROUTING_:
	case IPPROTO_DSTOPTS_: return ((uint32_t)hdr_len + 1) * 8;	/* RFC 8200 §4.3-4.6 */
	case IPPROTO_AH_: return ((uint32_t)hdr_len + 2) * 4;		/* RFC 4302 §2.2 */
	default: return 0;
	}
}

/* Fragment header (RFC 8200 §4.5): next header, reserved, offset and M, identification. The
 * cursor is on it; l3 is where the IPv6 header starts, nh_at the byte that named it. */
static enum pkt_result ipv6_fragment(struct frame *f, struct packet *p, uint32_t l3, size_t nh_at)
{
	struct cur *c = &f->c;
	if (f->wirelen - c->off < IPV6_FRAG_HDR_LEN)
		return PKT_MALFORMED;
	size_t at = c->off;
	uint8_t next = get_u8(c);
	get_skip(c, 1);					/* reserved */
	uint16_t off_m = get_u16(c);
	uint32_t id = get_u32(c);
	if (c->err) {
		p->frag = (struct ip_frag){ 0 };	/* cut by the snaplen: hdr_len 0 */
		return PKT_FRAGMENT;
	}
	p->frag = (struct ip_frag){ .id = id, .offset = (uint32_t)(off_m >> 3) * 8,
				    .hdr_len = (uint16_t)(at - l3), .nh_at = (uint16_t)(nh_at - l3),
				    .proto = next, .more = (off_m & 1) != 0 };
	fragment_data(f, p, f->wirelen);
	return PKT_FRAGMENT;
}

/* Walk IPv6 extension headers (RFC 8200 §4.1) up to the upper-layer header. */
static enum pkt_result ipv6_ext_walk(struct frame *f, uint8_t *nh, struct packet *p, uint32_t l3)
{
	struct cur *c = &f->c;
	size_t nh_at = l3 + 6;				/* the IPv6 header's next header field */
	for (;;) {
		if (*nh == IPPROTO_FRAGMENT_)			/* RFC 8200 §4.5 */
			return ipv6_fragment(f, p, l3, nh_at);
		if (*nh == IPPROTO_ESP_ || *nh == IPPROTO_NONE_)	/* RFC 4303, RFC 8200 §4.7 */
			return PKT_NOT_TCP;
		if (ipv6_ext_len(*nh, 0) == 0)
			return PKT_TCP;				/* an upper-layer protocol */
		nh_at = c->off;
		uint8_t next = get_u8(c);
		uint32_t len = ipv6_ext_len(*nh, get_u8(c));
		get_skip(c, len - 2);
		if (c->err)
			return cut_result(f);
		*nh = next;
	}
}

/* IPv6 header (RFC 8200 §3): version, payload length, next header, addresses, then extensions. */
static enum pkt_result ipv6_decode(struct frame *f, struct packet *p, struct l4 *l4)
{
	struct cur *c = &f->c;
	uint32_t l3 = c->off;
	uint8_t ver = get_u8(c) >> 4;
	get_skip(c, 3);					/* traffic class, flow label */
	uint32_t plen = get_u16(c);
	uint8_t nh = get_u8(c);
	get_skip(c, 1);					/* hop limit */
	p->src.family = p->dst.family = 6;
	get_copy(c, p->src.a, 16);
	get_copy(c, p->dst.a, 16);
	if (c->err)
		return cut_result(f);
	if (ver != 6)
		return PKT_MALFORMED;
	enum pkt_result r = ip_bounds(f, l3, IPV6_HDR_LEN + plen, p);
	if (r != PKT_TCP)
		return r;
	r = ipv6_ext_walk(f, &nh, p, l3);
	if (r != PKT_TCP)
		return r;
	l4->proto = nh;
	l4->off = c->off;
	l4->wire_len = l3 + IPV6_HDR_LEN + plen - c->off;
	l4->ip_end = c->n;
	return PKT_TCP;
}

/* TCP header (RFC 9293 §3.1): ports, sequence, acknowledgment, data offset, flags, window. */
static enum pkt_result tcp_decode(struct frame *f, const struct l4 *l4, struct packet *p)
{
	struct cur *c = &f->c;
	if (l4->wire_len < TCP_MIN_HDR)
		return PKT_MALFORMED;
	p->sport = get_u16(c);
	p->dport = get_u16(c);
	p->seq = get_u32(c);
	p->ack = get_u32(c);
	uint32_t doff = (uint32_t)(get_u8(c) >> 4) * 4;
	p->tcp_flags = get_u8(c) & 0x3f;
	p->win = get_u16(c);
	get_skip(c, 4);					/* checksum, urgent pointer */
	if (c->err)
		return cut_result(f);
	if (doff < TCP_MIN_HDR || doff > l4->wire_len)
		return PKT_MALFORMED;
	get_skip(c, doff - TCP_MIN_HDR);		/* options (RFC 9293 §3.2) */
	if (c->err)
		return cut_result(f);
	p->payload = c->p + c->off;
	p->payload_wire_len = l4->wire_len - doff;
	p->payload_len = l4->ip_end - c->off;
	if (p->payload_len > p->payload_wire_len)
		p->payload_len = p->payload_wire_len;
	return PKT_TCP;
}

/* UDP header (RFC 768): ports, length, checksum; the payload is what the IP header bounds. */
static enum pkt_result udp_decode(struct frame *f, const struct l4 *l4, struct packet *p)
{
	struct cur *c = &f->c;
	if (l4->wire_len < 8)
		return PKT_MALFORMED;
	p->sport = get_u16(c);
	p->dport = get_u16(c);
	get_skip(c, 4);					/* length, checksum */
	if (c->err)
		return cut_result(f);
	p->payload = c->p + c->off;
	p->payload_wire_len = l4->wire_len - 8;
	p->payload_len = l4->ip_end - c->off;
	if (p->payload_len > p->payload_wire_len)
		p->payload_len = p->payload_wire_len;
	return PKT_UDP;
}

/* ---- tunnels: each step leaves the cursor on the next header and says what it is ---------- */

/* Labels an MPLS stack holds at most before the frame is called malformed (RFC 3032 sets none;
 * real stacks are a handful deep). */
enum { MPLS_LABELS_MAX = 16, PPP_IPV4 = 0x0021, PPP_IPV6 = 0x0057 };

/* An Ethernet frame inside a tunnel is the packet's link layer from now on: its MACs and VLAN
 * tags describe the device, the outer ones the tunnel. Returns its ethertype. */
static uint16_t inner_ether(struct cur *c, struct packet *p)
{
	p->vlan = 0;
	p->vlan_depth = 0;
	return link_ether(c, p);
}

/* MPLS label stack (RFC 3032 §2.1) up to the entry with S set, then what follows it: IPv4 or
 * IPv6 by the version nibble, or an Ethernet pseudowire behind its control word (RFC 4385 §3:
 * first nibble 0). Anything else carried over MPLS is not followed (0). */
static uint16_t mpls_decode(struct cur *c, struct packet *p)
{
	for (int i = 0; i < MPLS_LABELS_MAX; i++) {
		uint32_t entry = get_u32(c);
		if (c->err)
			return 0;
		if (!(entry & 0x100))
			continue;			/* not the bottom of the stack */
		if (c->off >= c->n) {
			c->err = 1;
			return 0;
		}
		switch (c->p[c->off] >> 4) {
		case 4: return ETHERTYPE_IPV4;
		case 6: return ETHERTYPE_IPV6;
		case 0:
			get_skip(c, 4);			/* pseudowire control word */
			return c->err ? 0 : inner_ether(c, p);
		default: return 0;
		}
	}
	return 0;
}

/* PPPoE session stage (RFC 2516 §5.4: ver 1, type 1, code 0) and the PPP protocol field
 * (RFC 1661 §2, possibly compressed to one byte, §6.5): IPv4 (RFC 1332) or IPv6 (RFC 5072). */
static uint16_t pppoe_decode(struct cur *c)
{
	uint8_t vt = get_u8(c), code = get_u8(c);
	get_skip(c, 4);					/* session id, length */
	uint16_t proto = get_u8(c);
	if (!c->err && !(proto & 1))
		proto = (uint16_t)(proto << 8 | get_u8(c));
	if (c->err || vt != 0x11 || code != 0)
		return 0;
	return proto == PPP_IPV4 ? ETHERTYPE_IPV4 : proto == PPP_IPV6 ? ETHERTYPE_IPV6 : 0;
}

/* ERSPAN type II (version 1, 8 bytes) and type III (version 2, 12 bytes, and 8 more for the
 * platform-specific subheader when O is set), draft-foschiano-erspan §4.1-4.2; then the mirrored
 * Ethernet frame, or for type III with frame type 2 the mirrored IP packet alone. The VLAN field
 * stands in when the frame itself carries no tag. */
static uint16_t erspan_decode(struct cur *c, struct packet *p, unsigned version)
{
	uint16_t ver_vlan = get_u16(c), frame_type = 0;
	get_skip(c, 2);					/* COS, encapsulation, T, session id */
	if (version == 2) {
		get_skip(c, 4 + 2);			/* timestamp, SGT */
		uint16_t bits = get_u16(c);		/* P, FT, hardware id, D, granularity, O */
		frame_type = (bits >> 10) & 0x1f;
		if (!c->err && (bits & 1))
			get_skip(c, 8);
	} else {
		get_skip(c, 4);				/* reserved, index */
	}
	if (c->err || ver_vlan >> 12 != version)
		return 0;
	if (frame_type == 2) {				/* IP: by its version nibble */
		if (c->off >= c->n) {
			c->err = true;
			return 0;
		}
		return c->p[c->off] >> 4 == 4 ? ETHERTYPE_IPV4 : c->p[c->off] >> 4 == 6 ? ETHERTYPE_IPV6 : 0;
	}
	if (frame_type != 0)
		return 0;
	uint16_t type = inner_ether(c, p);
	if (p->vlan_depth == 0 && (ver_vlan & 0x0fff)) {
		p->vlan = ver_vlan & 0x0fff;
		p->vlan_depth = 1;
	}
	return type;
}

/* GRE (RFC 2784 §2, RFC 2890 §2: checksum, key and sequence number present by their bits; version
 * 0 only, no RFC 1701 routing): IPv4, IPv6, MPLS, transparent Ethernet bridging, ERSPAN type I
 * (no sequence number, no header) and II (sequence number set), ERSPAN type III. */
static uint16_t gre_decode(struct cur *c, struct packet *p)
{
	uint16_t flags = get_u16(c), proto = get_u16(c);
	if (c->err || (flags & 0x4007))			/* routing present, or version != 0 */
		return 0;
	get_skip(c, ((flags & 0x8000) ? 4 : 0) + ((flags & 0x2000) ? 4 : 0) + ((flags & 0x1000) ? 4 : 0));
	if (c->err)
		return 0;
	switch (proto) {
	case ETHERTYPE_IPV4:
	case ETHERTYPE_IPV6:
	case ETHERTYPE_MPLS:
		return proto;
	case ETHERTYPE_TEB: return inner_ether(c, p);
	case ETHERTYPE_ERSPAN: return (flags & 0x1000) ? erspan_decode(c, p, 1) : inner_ether(c, p);
	case ETHERTYPE_ERSPAN3: return erspan_decode(c, p, 2);
	default: return 0;
	}
}

/* TZSP (TaZmen Sniffer Protocol): version 1, type received (0) or for transmit (1), encapsulation
 * 1 (Ethernet), then tagged fields up to the END tag (1); PADDING (0) has no length byte, every
 * other tag has one. Other encapsulations (802.11, ...) are not followed. */
enum { TZSP_TAGS_MAX = 64 };

static uint16_t tzsp_decode(struct cur *c, struct packet *p)
{
	uint8_t version = get_u8(c), type = get_u8(c);
	uint16_t encap = get_u16(c);
	if (c->err || version != 1 || type > 1 || encap != 1)
		return 0;
	for (int i = 0; i < TZSP_TAGS_MAX; i++) {
		uint8_t tag = get_u8(c);
		if (c->err)
			return 0;
		if (tag == 1)
			return inner_ether(c, p);
		if (tag != 0)
			get_skip(c, get_u8(c));
	}
	return 0;
}

/* VXLAN (RFC 7348 §5: flags with I set, VNI), GENEVE (RFC 8926 §3.4: version 0, options
 * skipped, protocol type) and TZSP on their UDP ports, the cursor on the UDP header; 0 when the
 * payload is not that tunnel after all (the cursor is then where it was: plain UDP). */
static uint16_t udp_tunnel_decode(struct cur *c, struct packet *p)
{
	size_t at = c->off;
	get_skip(c, 2);					/* source port */
	uint16_t dport = get_u16(c);
	get_skip(c, 4);					/* length, checksum */
	uint16_t type = 0;
	if (dport == UDP_PORT_VXLAN) {
		uint8_t flags = get_u8(c);
		get_skip(c, 7);				/* reserved, VNI, reserved */
		if (!c->err && (flags & 0x08))
			type = inner_ether(c, p);
	} else if (dport == UDP_PORT_GENEVE) {
		uint8_t ver_len = get_u8(c);
		get_skip(c, 1);				/* O, C, reserved */
		uint16_t proto = get_u16(c);
		get_skip(c, 4 + (size_t)(ver_len & 0x3f) * 4);	/* VNI, reserved, options */
		if (!c->err && ver_len >> 6 == 0)
			type = proto == ETHERTYPE_TEB ? inner_ether(c, p)
			     : proto == ETHERTYPE_IPV4 || proto == ETHERTYPE_IPV6 ? proto : 0;
	} else if (dport == UDP_PORT_TZSP) {
		type = tzsp_decode(c, p);
	}
	if (!type && !c->err)
		c->off = at;
	return type;
}

/* ---- the common case in one pass: Ethernet, at most one 802.1Q tag, IPv4 without options or
 * fragmentation or IPv6 without extension headers, TCP or UDP (not to a tunnel's port), all
 * headers captured. Everything else (and every frame this finds
 * odd in any way) goes through the layered decoder above, which gives the same result for these
 * frames (unit_packet compares the two on mutated frames). Bounds are checked once per layer. */

static inline uint16_t be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Returns PKT_TCP or PKT_UDP with p filled, or PKT__COUNT: not the common case (p untouched
 * beyond what the layered decoder sets again). */
static enum pkt_result decode_common(const uint8_t *f, uint32_t caplen, uint32_t wire,
				     struct packet *p)
{
	uint32_t l3 = ETH_HDR_LEN;
	uint16_t type;

	if (caplen < ETH_HDR_LEN + IPV4_MIN_HDR)
		return PKT__COUNT;
	type = be16(f + 12);
	if (type == ETHERTYPE_8021Q) {				/* IEEE 802.1Q §9.6 */
		if (caplen < ETH_HDR_LEN + VLAN_TAG_LEN + IPV4_MIN_HDR)
			return PKT__COUNT;
		p->vlan = be16(f + 14) & 0x0fff;
		p->vlan_depth = 1;
		type = be16(f + 16);
		l3 += VLAN_TAG_LEN;
	}
	const uint8_t *ip = f + l3;
	uint32_t total, proto, hdr;
	if (type == ETHERTYPE_IPV4) {				/* RFC 791 §3.1 */
		total = be16(ip + 2), proto = ip[9], hdr = IPV4_MIN_HDR;
		if (ip[0] != 0x45 || total < IPV4_MIN_HDR || (be16(ip + 6) & 0x3fff))
			return PKT__COUNT;
	} else if (type == ETHERTYPE_IPV6) {			/* RFC 8200 §3 */
		if (caplen < l3 + IPV6_HDR_LEN || ip[0] >> 4 != 6)
			return PKT__COUNT;
		total = IPV6_HDR_LEN + be16(ip + 4), proto = ip[6], hdr = IPV6_HDR_LEN;
	} else {
		return PKT__COUNT;
	}
	if (total > wire - l3 || (proto != IPPROTO_TCP_ && proto != IPPROTO_UDP_))
		return PKT__COUNT;
	uint32_t captured = caplen - l3 < total ? caplen - l3 : total;
	uint32_t l4 = l3 + hdr, ip_end = l3 + captured, l4_wire = total - hdr;
	const uint8_t *t = f + l4;
	uint32_t payload_off, payload_wire;
	if (proto == IPPROTO_TCP_) {				/* RFC 9293 §3.1 */
		if (l4 + TCP_MIN_HDR > ip_end || l4_wire < TCP_MIN_HDR)
			return PKT__COUNT;
		uint32_t doff = (uint32_t)(t[12] >> 4) * 4;
		if (doff < TCP_MIN_HDR || doff > l4_wire || l4 + doff > ip_end)
			return PKT__COUNT;
		p->seq = be32(t + 4);
		p->ack = be32(t + 8);
		p->tcp_flags = t[13] & 0x3f;
		p->win = be16(t + 14);
		payload_off = l4 + doff;
		payload_wire = l4_wire - doff;
	} else {						/* RFC 768 */
		if (l4 + 8 > ip_end || l4_wire < 8)
			return PKT__COUNT;
		uint16_t dport = be16(t + 2);
		if (dport == UDP_PORT_VXLAN || dport == UDP_PORT_GENEVE || dport == UDP_PORT_TZSP)
			return PKT__COUNT;			/* a tunnel: the layered decoder follows it */
		payload_off = l4 + 8;
		payload_wire = l4_wire - 8;
	}
	memcpy(p->dst_mac, f, 6);
	memcpy(p->src_mac, f + 6, 6);
	p->has_mac = true;
	p->l3 = ip;
	p->l3_len = captured;
	if (hdr == IPV4_MIN_HDR) {
		p->src.family = p->dst.family = 4;
		memcpy(p->src.a, ip + 12, 4);
		memcpy(p->dst.a, ip + 16, 4);
	} else {
		p->src.family = p->dst.family = 6;
		memcpy(p->src.a, ip + 8, 16);
		memcpy(p->dst.a, ip + 24, 16);
	}
	p->sport = be16(t);
	p->dport = be16(t + 2);
	p->payload = f + payload_off;
	p->payload_wire_len = payload_wire;
	p->payload_len = ip_end - payload_off < payload_wire ? ip_end - payload_off : payload_wire;
	return proto == IPPROTO_TCP_ ? PKT_TCP : PKT_UDP;
}

enum pkt_result packet_decode(int dlt, const uint8_t *frame, uint32_t caplen, uint32_t wirelen,
			      uint64_t ts_us, struct packet *p)
{
	if (dlt == DLT_EN10MB) {
		memset(p, 0, sizeof(*p));
		p->ts_us = ts_us;
		p->caplen = caplen;
		p->wirelen = wirelen;
		enum pkt_result r = decode_common(frame, caplen, wirelen < caplen ? caplen : wirelen, p);
		if (r != PKT__COUNT)
			return r;
	}
	return packet_decode_layered(dlt, frame, caplen, wirelen, ts_us, p);
}

/* What an encapsulation step found: 0 is "not a tunnel this decoder follows". A read past the
 * captured bytes is a cut (or an impossible length), as for any other header. */
static enum pkt_result tunnel_result(const struct frame *f, uint16_t type)
{
	if (f->c.err)
		return cut_result(f);
	return type ? PKT_TCP : PKT_NOT_TCP;
}

enum pkt_result packet_decode_layered(int dlt, const uint8_t *frame, uint32_t caplen,
				      uint32_t wirelen, uint64_t ts_us, struct packet *p)
{
	memset(p, 0, sizeof(*p));
	p->ts_us = ts_us;
	p->caplen = caplen;
	p->wirelen = wirelen;
	struct frame f = { .c = cur_make(frame, caplen), .wirelen = wirelen < caplen ? caplen : wirelen };
	uint16_t type = 0;
	enum pkt_result r = link_decode(dlt, &f, p, &type);
	if (r != PKT_TCP)
		return r;
	struct l4 l4 = { 0 };
	for (;;) {
		bool deeper = p->encap < PACKET_ENCAP_MAX;
		if (type == ETHERTYPE_IPV4 || type == ETHERTYPE_IPV6) {
			r = type == ETHERTYPE_IPV4 ? ipv4_decode(&f, p, &l4) : ipv6_decode(&f, p, &l4);
			if (r != PKT_TCP)
				return r;
			if (!deeper)
				break;
			if (l4.proto == IPPROTO_IPIP_ || l4.proto == IPPROTO_IPV6_)	/* RFC 2003, RFC 4213 */
				type = l4.proto == IPPROTO_IPIP_ ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
			else if (l4.proto == IPPROTO_GRE_)
				type = gre_decode(&f.c, p);
			else if (l4.proto == IPPROTO_UDP_ && l4.wire_len >= 8) {
				size_t at = f.c.off;
				type = udp_tunnel_decode(&f.c, p);
				if (!type && f.c.err && f.c.n >= f.wirelen) {
					f.c.err = false;	/* too short for the tunnel: plain UDP */
					f.c.off = at;
				}
				if (!type && !f.c.err)
					break;
			} else
				break;
			if ((r = tunnel_result(&f, type)) != PKT_TCP)
				return r;
		} else if (deeper && (type == ETHERTYPE_MPLS || type == ETHERTYPE_MPLS_MC)) {
			type = mpls_decode(&f.c, p);
			if ((r = tunnel_result(&f, type)) != PKT_TCP)
				return r;
		} else if (deeper && type == ETHERTYPE_PPPOE_SESSION) {
			type = pppoe_decode(&f.c);
			if ((r = tunnel_result(&f, type)) != PKT_TCP)
				return r;
		} else {
			return PKT_NOT_TCP;
		}
		p->encap++;
	}
	if (l4.proto == IPPROTO_UDP_)
		return udp_decode(&f, &l4, p);
	if (l4.proto != IPPROTO_TCP_)
		return PKT_NOT_TCP;
	return tcp_decode(&f, &l4, p);
}

const char *pkt_result_name(enum pkt_result r)
{
	switch (r) {
	case PKT_TCP: return "tcp";
	case PKT_NOT_TCP: return "not_tcp";
	case PKT_FRAGMENT: return "fragment";
	case PKT_TRUNCATED: return "truncated";
	case PKT_MALFORMED: return "malformed";
	case PKT_UNSUPPORTED_LINK: return "unsupported_link";
	case PKT_UDP: return "udp";
	case PKT__COUNT: break;
	}
	return "?";
}
