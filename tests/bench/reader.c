/* reader.c — the benchmark's second floor: mailtap's own capture reader (capture_next: classic pcap
 * read in place from a memory map, libpcap otherwise) in a bare loop, touching each packet's first
 * byte. mailtap's CPU time over this one is what the sensor itself spends per packet.
 *
 * Usage: reader FILE.pcap
 * Prints "packets N bytes B" on standard output.
 */
#include <stdint.h>
#include <stdio.h>
#include "capture.h"

int main(int argc, char **argv)
{
	char err[512];
	if (argc != 2) {
		fputs("Usage: reader FILE.pcap\n", stderr);
		return 2;
	}
	struct capture *c = capture_open_offline(&argv[1], 1, NULL, err, sizeof(err));
	if (!c) {
		fprintf(stderr, "reader: %s\n", err);
		return 1;
	}
	struct capture_frame f;
	uint64_t packets = 0, bytes = 0;
	unsigned sum = 0;
	int rc;
	while ((rc = capture_next(c, &f)) == 1) {
		packets++;
		bytes += f.wirelen;
		if (f.caplen)
			sum += f.data[0];
	}
	if (rc == -2) {
		fprintf(stderr, "reader: %s\n", capture_error(c));
		capture_close(c);
		return 1;
	}
	capture_close(c);
	printf("packets %llu bytes %llu checksum %u\n", (unsigned long long)packets,
	       (unsigned long long)bytes, sum & 0xFF);
	return 0;
}
