/* app.h — the application layer of a mail flow: which decoder gets the bytes, STARTTLS hand-off. */
#ifndef MAILTAP_APP_H
#define MAILTAP_APP_H

#include <stdbool.h>
#include <stdint.h>
#include "imap.h"
#include "pop3.h"
#include "reasm.h"
#include "optls.h"
#include "session.h"
#include "smtp.h"
#include "tls.h"
#include "tunnel.h"

enum app_mode {
	APP_LINES,	/* the mail protocol's commands and replies (ops->feed) */
	APP_TLS,	/* TLS records (after the 220 to STARTTLS, or from the first byte) */
	APP_SKIP,	/* decided: the rest of the flow carries nothing to learn */
	APP_TUNNEL,	/* a proxy tunnel's preamble (dec.tun), before the mail protocol */
	APP_SNIFF	/* a tunnel to a port that names no protocol: the server's first reply
			 * decides (client bytes wait) */
};

/* Everything mailtap keeps for one mail flow; allocated at its first payload. */
struct app {
	struct session sess;
	const struct optls_ops *ops;	/* the mail protocol's decoder */
	union {				/* its state */
		struct smtp smtp;
		struct tunnel tun;	/* APP_TUNNEL: the preamble, before the mail decoder */
		struct imap imap;
		struct pop3 pop3;
	} dec;
	struct tls tls;
	struct reasm_dir rd[2];		/* indexed by enum dir */
	struct reasm_stats *rst;	/* the worker's shared counters */
	struct x509_cache *x509;	/* the worker's certificate cache */
	uint64_t now_us;		/* time of the packet being delivered */
	uint8_t mode;			/* enum app_mode */
	bool tls_used;			/* tls was initialised (needs tls_free) */
	bool first_seen[2];		/* the mail decoder's first bytes of each direction were
					 * looked at (TLS from the first byte, tunnel preamble) */
};

/* What the flow layer knows when it creates the app. */
struct app_start {
	struct ip_addr client_ip, server_ip;
	uint16_t client_port, server_port;
	const uint8_t *client_mac;	/* 6 bytes or NULL */
	uint16_t vlan;
	bool midstream;			/* the SYN was not seen */
	bool implicit_tls;		/* server port is an implicit-TLS port */
	const struct optls_ops *ops;	/* the mail protocol's decoder; NULL: SMTP */
	uint64_t ts_us;
	struct x509_cache *x509;	/* the worker's certificate cache (may be NULL) */
};

/* The decoder a server greeting names: IMAP (RFC 9051 §7.1: "* OK", "* PREAUTH", "* BYE") or
 * POP3 (RFC 1939 §4: "+OK"); NULL when neither (an SMTP 220 is told apart by its caller). */
const struct optls_ops *optls_for_greeting(const uint8_t *p, size_t n);

/* Allocate and start decoding. NULL when out of memory (the caller counts it). */
struct app *app_new(const struct app_start *st, struct reasm_stats *rst);

/* The reassembly sink of an app (ctx is the app). */
extern const struct reasm_sink app_sink_template;
static inline struct reasm_sink app_sink(struct app *a)
{
	struct reasm_sink s = app_sink_template;
	s.ctx = a;
	return s;
}

/* The flow ended: flush reassembly, let the decoders conclude, compute the verdict. */
void app_finish(struct app *a, enum session_end end, uint64_t ts_us);

/* Free a (session strings, TLS buffers, stream buffers). */
void app_free(struct app *a);

#endif
