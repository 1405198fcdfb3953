/* fuzz_packet.c — libFuzzer target for packet_decode: the first byte picks the link type, the rest is the frame. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/dlt.h>
#include "packet.h"

static const int dlts[] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4,
			    DLT_IPV6, DLT_NULL, DLT_LOOP, 101, 147 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 70000)
		return 0;
	int dlt = dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))];
	/* An exact-size heap copy, so ASan sees any read past the captured bytes. */
	size_t n = size - 1;
	uint8_t *frame = malloc(n ? n : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 1, n);
	struct packet p;
	/* Both a frame that is whole and one that the snaplen cut (wire length larger). */
	for (uint32_t extra = 0; extra <= 64; extra += 64) {
		enum pkt_result r = packet_decode(dlt, frame, (uint32_t)n, (uint32_t)n + extra, 0, &p);
		if (r == PKT_TCP) {
			if (p.payload_len > p.payload_wire_len || p.l3_len > n ||
			    (p.payload_len && (p.payload < frame || p.payload + p.payload_len > frame + n)) ||
			    (p.l3_len && (p.l3 < frame || p.l3 + p.l3_len > frame + n)))
				abort();
		}
	}
	free(frame);
	return 0;
}
