/* dpi.h — the thin nDPI 4.2 adapter: is a flow on an unexpected port SMTP? */
#ifndef MAILTAP_DPI_H
#define MAILTAP_DPI_H

#include <stdint.h>
#include "session.h"	/* struct ip_addr */

struct dpi;
struct ndpi_flow_struct;

enum dpi_verdict {
	DPI_UNDECIDED,		/* needs more packets */
	DPI_MAIL,		/* SMTP or SMTPS */
	DPI_OTHER		/* another protocol: not mail */
};

/* Set up nDPI with detection restricted to SMTP, SMTPS and TLS (see NDPI notes: a full bitmask
 * mislabels 52-byte SMTP banners as MQTT). NULL on failure. */
struct dpi *dpi_new(void);
void dpi_free(struct dpi *d);

/* Show one packet (IP header onward) of flow *fp to nDPI; *fp is allocated on first use.
 * The caller must call dpi_flow_release() once a verdict other than DPI_UNDECIDED is returned,
 * or when it gives up: nDPI keeps cleartext AUTH credentials in its flow state. */
enum dpi_verdict dpi_packet(struct dpi *d, struct ndpi_flow_struct **fp, const uint8_t *l3,
			    uint32_t l3_len, uint64_t ts_us);

/* Start nDPI on a flow whose handshake was seen but not shown to it: a SYN from client to server
 * with the client's initial sequence number isn, rebuilt without options (nDPI gives up on a TCP
 * flow whose first packet is not a SYN; it needs neither the SYN-ACK nor the ACK). *fp is
 * allocated. Returns what nDPI says, normally DPI_UNDECIDED. */
enum dpi_verdict dpi_start_with_syn(struct dpi *d, struct ndpi_flow_struct **fp,
				    const struct ip_addr *client, uint16_t client_port,
				    const struct ip_addr *server, uint16_t server_port, uint32_t isn,
				    uint64_t ts_us);

/* Wipe and free the nDPI flow state (credentials included). *fp becomes NULL. */
void dpi_flow_release(struct ndpi_flow_struct **fp);

/* Bytes of nDPI state a flow holds while it is being classified. */
unsigned dpi_flow_bytes(void);

#endif
