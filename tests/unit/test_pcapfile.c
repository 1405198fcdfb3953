/* test_pcapfile.c — the in-place pcap reader: every record as written (both time units, windows
 * crossed), one mapped file at a time, and a file truncated under the reader stops it with an
 * error instead of killing the process with SIGBUS. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include "limits.h"
#include "pcapfile.h"
#include "check.h"

enum { LEN = 1500 };

/* n records of LEN bytes; record i is filled with (i & 0xff), stamped i seconds + i units. */
static void write_file(const char *path, unsigned n, int nsec)
{
	FILE *f = fopen(path, "wb");
	uint32_t hdr[6] = { nsec ? 0xa1b23c4d : 0xa1b2c3d4, 2 | 4u << 16, 0, 0, 65535, 1 };
	uint8_t buf[LEN];

	fwrite(hdr, sizeof(hdr), 1, f);
	for (unsigned i = 0; i < n; i++) {
		uint32_t rh[4] = { i, i * (nsec ? 1000u : 1u), LEN, LEN + 4 };
		memset(buf, (int)(i & 0xff), sizeof(buf));
		fwrite(rh, sizeof(rh), 1, f);
		fwrite(buf, sizeof(buf), 1, f);
	}
	fclose(f);
}

static pcap_t *open_pcap(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, err);
	if (!p)
		fprintf(stderr, "%s: %s\n", path, err);
	return p;
}

/* Open path with libpcap and map it; NULL (a failed check) when either fails. */
static struct pcapfile *open_mapped(const char *path, pcap_t **pp)
{
	pcap_t *p = open_pcap(path);
	struct pcapfile *m = p ? pcapfile_open(p) : NULL;

	CHECK(m != NULL);
	if (!m && p)
		pcap_close(p);
	*pp = m ? p : NULL;
	return m;
}

static void test_all_records(const char *path, int nsec)
{
	/* More than two windows, so records straddle window ends. */
	unsigned n = (unsigned)(PCAPFILE_WINDOW_BYTES / (LEN + 16)) * 5 / 2;
	write_file(path, n, nsec);
	pcap_t *p;
	struct pcapfile *m = open_mapped(path, &p);
	if (!m)
		return;
	/* One mapped file at a time: a second one is left to libpcap. */
	pcap_t *p2 = open_pcap(path);
	CHECK(p2 && pcapfile_open(p2) == NULL);
	if (p2)
		pcap_close(p2);

	struct pcap_pkthdr h;
	const uint8_t *d;
	unsigned i = 0, bad = 0;
	int rc;
	while ((rc = pcapfile_next(m, &h, &d)) == 1) {
		if (h.caplen != LEN || h.len != LEN + 4 || (unsigned)h.ts.tv_sec != i ||
		    (unsigned)h.ts.tv_usec != i || d[0] != (i & 0xff) || d[LEN - 1] != (i & 0xff))
			bad++;
		i++;
	}
	CHECK(rc == 0);		/* the end is handed to libpcap, which finds it */
	CHECK(i == n);
	CHECK(bad == 0);
	struct pcap_pkthdr *ph;
	const u_char *pd;
	CHECK(pcap_next_ex(p, &ph, &pd) == PCAP_ERROR_BREAK);
	pcapfile_close(m);
	pcap_close(p);
}

static void test_truncated_under_reader(const char *path)
{
	unsigned n = 2000;	/* 3 MB: one window holds it all */
	write_file(path, n, 0);
	pcap_t *p;
	struct pcapfile *m = open_mapped(path, &p);
	if (!m)
		return;
	struct pcap_pkthdr h;
	const uint8_t *d;
	unsigned i = 0;
	int rc;
	for (; i < 10 && (rc = pcapfile_next(m, &h, &d)) == 1; i++)
		;
	CHECK(i == 10);
	CHECK(truncate(path, 4096) == 0);	/* another program cuts the file */
	unsigned sum = 0;
	errno = 0;
	while ((rc = pcapfile_next(m, &h, &d)) == 1 && i < 2 * n) {
		for (uint32_t k = 0; k < h.caplen; k++)
			sum += d[k];	/* touching vanished pages must not kill us */
		i++;
	}
	CHECK(rc == -1);
	CHECK(errno == ESTALE);
	CHECK(i < n);
	pcapfile_close(m);
	pcap_close(p);
	/* The slot is free again. */
	write_file(path, 3, 0);
	m = open_mapped(path, &p);
	pcapfile_close(m);
	if (p)
		pcap_close(p);
	(void)sum;
}

int main(void)
{
	char path[] = "/tmp/mailtap-test-pcapfile-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	test_all_records(path, 0);
	test_all_records(path, 1);
	test_truncated_under_reader(path);
	unlink(path);
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "ok", failures);
	return failures ? 1 : 0;
}
