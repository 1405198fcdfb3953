/* gen.h — the benchmark capture generator's internals: seeded PRNG, flow scripts (steps) and the frame emitter. */
#ifndef MAILTAP_BENCH_GEN_H
#define MAILTAP_BENCH_GEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum { DIR_C = 0, DIR_S = 1 };

/* splitmix64: tiny, fast, and the same sequence on every machine for a given seed. */
struct rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]. */
static inline uint32_t rng_range(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

/* True with probability pct/100. */
static inline bool rng_pct(struct rng *r, uint32_t pct)
{
	return rng_below(r, 100) < pct;
}

/* Log-uniform in [lo, hi]: many small transfers, a few large ones, as on a real link. */
uint32_t rng_loguni(struct rng *r, uint32_t lo, uint32_t hi);

/* One element of a flow's script. */
enum step_kind { ST_SYN, ST_DATA, ST_FIN, ST_RST, ST_UDP, ST_SYN_RST };

/* How the bytes of a data step are made: copied from the flow's literal buffer, random (bulk
 * encrypted or compressed data), base64 text lines (mail attachments), or TLS records of random
 * content with real record headers (RFC 8446 §5.2). */
enum fill_kind { FILL_LIT, FILL_RAND, FILL_B64, FILL_TLS };

struct step {
	uint8_t kind;		/* enum step_kind */
	uint8_t dir;		/* DIR_C or DIR_S */
	uint8_t fill;		/* enum fill_kind */
	uint8_t more;		/* 1: the next step continues the same message (no segment boundary) */
	uint16_t rec;		/* FILL_TLS: record payload size of full records */
	uint32_t len;		/* bytes on the wire */
	uint32_t off;		/* FILL_LIT: offset into the literal buffer */
};

struct flow {
	uint64_t id;
	struct rng rng;		/* content bytes of this flow */
	bool v6, udp, ts_opt;	/* ts_opt: TCP timestamps (RFC 7323), MSS then 12 bytes smaller */
	uint16_t vlan;		/* 0 = untagged */
	uint16_t mss;
	uint8_t mac[2][6];
	uint8_t ip[2][16];
	uint16_t port[2];
	uint32_t seq[2];	/* next sequence number each side sends */
	uint32_t ipid[2];
	struct step *steps;
	size_t nsteps, capsteps;
	uint8_t *lit;
	size_t nlit, caplit;
	/* emitter position */
	size_t cur;		/* current step */
	uint32_t done;		/* bytes of the current step already sent */
	uint8_t phase;		/* sub-packet of SYN/FIN steps */
	int8_t ack_owed;	/* direction that owes a pure ACK, or -1 */
	uint8_t unacked[2];	/* full segments not yet acknowledged, per sender */
	uint64_t bytes;		/* frame bytes written for this flow */
	bool smtp;
};

/* Script building. Bytes appended by lit_* are copied into the flow; nothing is kept by pointer. */
void flow_init(struct flow *f, uint64_t id, uint64_t seed);
void flow_free(struct flow *f);
void flow_ctl(struct flow *f, enum step_kind kind, int dir);
void flow_lit(struct flow *f, int dir, const void *p, size_t n);
void flow_printf(struct flow *f, int dir, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void flow_fill(struct flow *f, int dir, enum fill_kind fill, uint32_t len, uint16_t rec);
/* Mark the last step as continued by the next one (same message, same segments). */
void flow_more(struct flow *f);

/* Append-only byte builder used for binary messages (TLS, DNS). */
struct buf {
	uint8_t *p;
	size_t n, cap;
};
void buf_u8(struct buf *b, uint8_t v);
void buf_u16(struct buf *b, uint16_t v);
void buf_u24(struct buf *b, uint32_t v);
void buf_bytes(struct buf *b, const void *p, size_t n);
void buf_rand(struct buf *b, struct rng *r, size_t n);
/* Reserve a length field of 1..3 bytes and return its offset; buf_close_len fills it with the
 * number of bytes written since. */
size_t buf_open_len(struct buf *b, int width);
void buf_close_len(struct buf *b, size_t at, int width);
void buf_free(struct buf *b);

/* Classic pcap output (Ethernet, microseconds). */
struct pcap_out {
	FILE *fp;
	uint64_t bytes, packets;
	uint64_t ts_us;		/* packet time of the next frame */
	uint8_t frame[70000];
};

/* Write the 24-byte file header. Returns false on a write error. */
bool pcap_begin(struct pcap_out *o, FILE *fp, uint64_t start_us);
/* Emit the next packet of f at o->ts_us. Returns false once the flow has no more packets. */
bool flow_emit(struct flow *f, struct pcap_out *o);

/* TLS (gen_tls.c): handshake flights as literal steps. tls13 selects the version.
 * sni may be NULL (no server_name extension). */
void tls_client_hello(struct flow *f, const char *sni, bool offer13);
void tls_server_flight(struct flow *f, bool tls13);
/* The TLS 1.2-form flight with another ServerHello version and cipher suite (TLS 1.0, 3DES...). */
void tls_server_flight_legacy(struct flow *f, uint16_t version, uint16_t suite);
void tls_client_finish(struct flow *f, bool tls13);
void tls_server_finish(struct flow *f, bool tls13);
/* Application data of len plaintext bytes from dir, in records. */
void tls_appdata(struct flow *f, int dir, uint32_t len, bool tls13);
void tls_alert(struct flow *f, int dir, uint8_t desc, bool encrypted);

#endif
