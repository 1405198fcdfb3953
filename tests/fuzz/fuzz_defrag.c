/* fuzz_defrag.c — libFuzzer target for IP fragment reassembly: the input is a sequence of fragments built into real frames. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/dlt.h>
#include "defrag.h"
#include "limits.h"
#include "packet.h"

/* Each fragment takes 6 bytes of the input: flags (bit 0 more, bit 1 IPv6, bits 2-3 identification,
 * bit 4 a snaplen cut, bits 5-7 seconds to advance), offset in 8-byte units (2 bytes, big endian),
 * length (2 bytes, up to 2000), protocol (IPv4; 47 GRE, 17 UDP, 4 IP-in-IP make tunnels); its data
 * is taken from the rest of the input, cycling. Completed datagrams are decoded again, and fed
 * back when they are fragments themselves, as sensor.c does. */
enum { REC = 6, DATA_MAX = 2000 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_out(struct defrag *d, const uint8_t *out, uint32_t n, uint64_t ts)
{
	for (int depth = 0; depth < 4; depth++) {
		uint8_t *copy = malloc(n ? n : 1);	/* exact size: ASan sees over-reads */
		if (!copy)
			return;
		memcpy(copy, out, n);
		struct packet p;
		enum pkt_result r = packet_decode(DLT_RAW, copy, n, n, ts, &p);
		if ((r == PKT_TCP || r == PKT_UDP) && p.payload_len &&
		    (p.payload < copy || p.payload + p.payload_len > copy + n))
			abort();
		int again = r == PKT_FRAGMENT && defrag_add(d, &p, &out, &n);
		free(copy);
		if (!again)
			return;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct defrag_stats st;
	static uint8_t frame[48 + DATA_MAX];
	if (size < 1)
		return 0;
	size_t nrec = data[0] % 64, head = 1 + nrec * REC;
	if (head > size)
		return 0;
	const uint8_t *pool = data + head;
	size_t pool_n = size - head, at = 0;
	struct defrag *d = defrag_new(&st);
	if (!d)
		return 0;
	uint64_t ts = 0;
	for (size_t i = 0; i < nrec; i++) {
		const uint8_t *r = data + 1 + i * REC;
		uint32_t off = (uint32_t)(r[1] << 8 | r[2]) & 0x1fff, len = (uint32_t)(r[3] << 8 | r[4]) % (DATA_MAX + 1);
		int more = r[0] & 1, v6 = r[0] & 2, cut = r[0] & 0x10;
		ts += (uint64_t)(r[0] >> 5) * 1000000u;
		size_t h = v6 ? 48 : 20;
		memset(frame, 0, h);
		if (v6) {
			frame[0] = 0x60, frame[4] = (uint8_t)((8 + len) >> 8), frame[5] = (uint8_t)(8 + len);
			frame[6] = 44, frame[23] = 1, frame[39] = 2;
			frame[40] = r[5], frame[42] = (uint8_t)(off >> 5), frame[43] = (uint8_t)(off << 3 | more);
			frame[47] = (uint8_t)((r[0] >> 2) & 3);
		} else {
			frame[0] = 0x45, frame[2] = (uint8_t)((20 + len) >> 8), frame[3] = (uint8_t)(20 + len);
			frame[5] = (uint8_t)((r[0] >> 2) & 3), frame[6] = (uint8_t)((more ? 0x20 : 0) | off >> 8);
			frame[7] = (uint8_t)off, frame[9] = r[5], frame[15] = 1, frame[19] = 2;
		}
		for (uint32_t k = 0; k < len; k++)
			frame[h + k] = pool_n ? pool[at++ % pool_n] : 0;
		uint32_t wire = (uint32_t)(h + len), cap = cut && wire > h ? wire - 1 : wire;
		uint8_t *copy = malloc(cap);
		if (!copy)
			break;
		memcpy(copy, frame, cap);
		struct packet p;
		const uint8_t *out;
		uint32_t n;
		if (packet_decode(DLT_RAW, copy, cap, wire, ts, &p) == PKT_FRAGMENT &&
		    defrag_add(d, &p, &out, &n))
			check_out(d, out, n, ts);
		free(copy);
		if (st.bytes_buffered > DEFRAG_BYTES_MAX)
			abort();
	}
	defrag_free(d);
	if (st.bytes_buffered || st.datagrams_active)
		abort();
	return 0;
}
