/* floor.c — the benchmark's floor: a bare libpcap read loop (pcap_next_ex) over a capture, touching the first byte of each packet.
 *
 * Usage: floor FILE.pcap
 * Prints "packets N bytes B seconds S" (wall time of the loop) on standard output. Anything mailtap
 * does costs on top of this, so mailtap's CPU time is reported as a multiple of it.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	if (argc != 2) {
		fputs("Usage: floor FILE.pcap\n", stderr);
		return 2;
	}
	pcap_t *p = pcap_open_offline(argv[1], err);
	if (!p) {
		fprintf(stderr, "floor: cannot read %s: %s\n", argv[1], err);
		return 1;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t packets = 0, bytes = 0;
	unsigned sum = 0;
	int rc;
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		packets++;
		bytes += h->len;
		if (h->caplen)
			sum += data[0];
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "floor: error reading %s: %s\n", argv[1], pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("packets %llu bytes %llu seconds %.3f checksum %u\n", (unsigned long long)packets,
	       (unsigned long long)bytes, s, sum & 0xFF);
	return 0;
}
