/* fuzz_pipeline.c — libFuzzer target: the whole sensor (capture → packet → flow → decoders) on pcap bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "capture.h"
#include "sensor.h"

static void sink(void *ctx, struct session *s)
{
	(void)ctx;
	/* Touch what a store would read, so sanitizers see every string. */
	volatile size_t n = 0;
	if (s->helo)
		n += strlen(s->helo);
	if (s->banner)
		n += strlen(s->banner);
	for (unsigned i = 0; i < s->nfindings; i++)
		n += strlen(s->findings[i].detail);
	(void)n;
}

/* DNS facts as the writer would read them. */
static void dns_sink(void *ctx, const struct dns_facts *f, uint64_t ts_us)
{
	volatile size_t n = 0;

	(void)ctx;
	(void)ts_us;
	for (unsigned i = 0; i < f->n; i++)
		n += strlen(f->f[i].name);
	(void)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/fuzz_pipeline_XXXXXX";
	int fd = mkstemp(path);
	char err[512];

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	char *files[1] = { path };
	struct capture *cap = capture_open_offline(files, 1, NULL, err, sizeof(err));
	if (cap) {
		struct sensor_opts o;
		memset(&o, 0, sizeof(o));
		port_add(&o.smtp_ports, 25);
		port_add(&o.smtp_ports, 465);
		port_add(&o.smtp_ports, 587);
		port_add(&o.tls_ports, 465);
		port_add(&o.imap_ports, 143);
		port_add(&o.imap_ports, 993);
		port_add(&o.pop3_ports, 110);
		port_add(&o.pop3_ports, 995);
		port_add(&o.tls_ports, 993);
		port_add(&o.tls_ports, 995);
		/* nDPI's start-up costs more than most inputs: every other input runs without it. */
		o.dpi = size & 1;
		o.max_flows = 1024;
		struct sensor *sn = sensor_new(&o, sink, NULL, err, sizeof(err));
		if (sn)
			sensor_set_dns_sink(sn, dns_sink, NULL);
		struct capture_frame fr;
		int n;
		while (sn && (n = capture_next(cap, &fr)) != -1)
			if (n == 1)
				sensor_frame(sn, fr.dlt, fr.data, fr.caplen, fr.wirelen, fr.ts_us);
		sensor_free(sn);
		capture_close(cap);
	}
	unlink(path);
	return 0;
}
