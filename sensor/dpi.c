/* dpi.c — the thin nDPI 4.2 adapter: classify flows on unexpected ports as SMTP or not. */
#include <ndpi/ndpi_api.h>
#include <stdlib.h>
#include <string.h>
#include "dpi.h"

struct dpi {
	struct ndpi_detection_module_struct *mod;
};

struct dpi *dpi_new(void)
{
	struct dpi *d = calloc(1, sizeof(*d));
	NDPI_PROTOCOL_BITMASK mask;

	if (!d)
		return NULL;
	/* Tor exit lists classify hosts, not SMTP: not loaded. */
	d->mod = ndpi_init_detection_module(ndpi_dont_load_tor_hosts);
	if (!d->mod) {
		free(d);
		return NULL;
	}
	NDPI_BITMASK_RESET(mask);
	NDPI_ADD_PROTOCOL_TO_BITMASK(mask, NDPI_PROTOCOL_MAIL_SMTP);
	NDPI_ADD_PROTOCOL_TO_BITMASK(mask, NDPI_PROTOCOL_MAIL_SMTPS);
	NDPI_ADD_PROTOCOL_TO_BITMASK(mask, NDPI_PROTOCOL_TLS);
	ndpi_set_protocol_detection_bitmask2(d->mod, &mask);
	ndpi_finalize_initialization(d->mod);
	return d;
}

void dpi_free(struct dpi *d)
{
	if (!d)
		return;
	ndpi_exit_detection_module(d->mod);
	free(d);
}

static enum dpi_verdict verdict_of(ndpi_protocol p)
{
	uint16_t ids[2] = { p.app_protocol, p.master_protocol };

	for (int i = 0; i < 2; i++)
		if (ids[i] == NDPI_PROTOCOL_MAIL_SMTP || ids[i] == NDPI_PROTOCOL_MAIL_SMTPS)
			return DPI_MAIL;
	if (p.app_protocol != NDPI_PROTOCOL_UNKNOWN || p.master_protocol != NDPI_PROTOCOL_UNKNOWN)
		return DPI_OTHER;
	return DPI_UNDECIDED;
}

enum dpi_verdict dpi_packet(struct dpi *d, struct ndpi_flow_struct **fp, const uint8_t *l3,
			    uint32_t l3_len, uint64_t ts_us)
{
	if (!*fp) {
		*fp = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
		if (!*fp)
			return DPI_OTHER;	/* resource pressure: treat as not mail */
		memset(*fp, 0, SIZEOF_FLOW_STRUCT);	/* ndpi_flow_malloc does not zero */
	}
	if (l3_len > 0xffff)
		l3_len = 0xffff;
	ndpi_protocol p = ndpi_detection_process_packet(d->mod, *fp, l3, (unsigned short)l3_len,
							ts_us / 1000);
	return verdict_of(p);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

enum dpi_verdict dpi_start_with_syn(struct dpi *d, struct ndpi_flow_struct **fp,
				    const struct ip_addr *client, uint16_t client_port,
				    const struct ip_addr *server, uint16_t server_port, uint32_t isn,
				    uint64_t ts_us)
{
	uint8_t pkt[40 + 20] = { 0 };
	uint8_t *tcp;
	uint32_t len;

	if (client->family == 6) {		/* RFC 8200 §3 */
		pkt[0] = 0x60;
		put16(pkt + 4, 20);		/* payload length: the TCP header */
		pkt[6] = 6;			/* next header: TCP */
		pkt[7] = 64;
		memcpy(pkt + 8, client->a, 16);
		memcpy(pkt + 24, server->a, 16);
		tcp = pkt + 40;
		len = 60;
	} else {				/* RFC 791 §3.1 */
		pkt[0] = 0x45;
		put16(pkt + 2, 40);		/* total length */
		pkt[8] = 64;
		pkt[9] = 6;			/* protocol: TCP */
		memcpy(pkt + 12, client->a, 4);
		memcpy(pkt + 16, server->a, 4);
		tcp = pkt + 20;
		len = 40;
	}
	put16(tcp, client_port);		/* RFC 9293 §3.1 */
	put16(tcp + 2, server_port);
	put32(tcp + 4, isn);
	tcp[12] = 5 << 4;			/* data offset: no options */
	tcp[13] = 0x02;				/* SYN */
	put16(tcp + 14, 65535);
	return dpi_packet(d, fp, pkt, len, ts_us);
}

void dpi_flow_release(struct ndpi_flow_struct **fp)
{
	if (!*fp)
		return;
	/* ndpi_flow_free releases the buffers nDPI hangs off the flow; wipe the copied AUTH
	 * username and password first so they do not survive in freed memory. */
	struct ndpi_flow_struct *f = *fp;
	explicit_bzero(&f->l4.tcp.ftp_imap_pop_smtp, sizeof(f->l4.tcp.ftp_imap_pop_smtp));
	ndpi_flow_free(f);
	*fp = NULL;
}

unsigned dpi_flow_bytes(void)
{
	return (unsigned)SIZEOF_FLOW_STRUCT;
}
