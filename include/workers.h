/* workers.h — capture workers (one sensor each) feeding finished sessions to one writer. */
#ifndef MAILTAP_WORKERS_H
#define MAILTAP_WORKERS_H

#include <stdbool.h>
#include <stdint.h>
#include "capture.h"
#include "sensor.h"

/* Counters of all workers added up (a consistent snapshot per worker). */
struct sensor_totals {
	struct sensor_counters c;
	struct flow_table_stats f;
	struct reasm_stats r;
	unsigned workers;
};

struct workers;

/* Start one worker thread per capture (captures[i] belongs to worker i from now on), each with
 * its own sensor of options o. Finished sessions queue up for workers_drain(). With inline_one
 * and a single capture no thread is started: workers_drain() reads a slice of frames itself (a
 * file is read fastest by one thread: stdio and syscalls skip their locking). NULL + message. */
struct workers *workers_start(struct capture **captures, unsigned n, bool inline_one,
			      const struct sensor_opts *o, char *err, size_t errcap);

/* Hand queued sessions to sink and DHCP facts to dsink (on the calling thread, the single
 * writer), waiting up to wait_ms for the first. Returns false once every worker has finished and
 * the queue is empty. */
bool workers_drain(struct workers *w, session_sink_fn sink, dhcp_sink_fn dsink, void *ctx,
		   unsigned wait_ms);

/* Where the mail facts of DNS responses go: sink, on the writer's thread, with the ctx given to
 * workers_drain. Call before the first workers_drain; without it (NULL) they are dropped. */
void workers_set_dns_sink(struct workers *w, dns_sink_fn sink);

/* Ask every worker to stop soon; open flows are finished and emitted. With drain, live workers
 * first read what the kernel has already captured (at most STOP_DRAIN_MS); without, reads are
 * interrupted at once (a failed interface). */
void workers_stop(struct workers *w, bool drain);

/* Add up the latest counters of every worker. */
void workers_totals(struct workers *w, struct sensor_totals *t);

/* Live captures: kernel receive/drop counters added up. Returns 0, or -1 when not live. */
int workers_capture_stats(struct workers *w, uint64_t *recv, uint64_t *drop, uint64_t *ifdrop);

/* Live captures: every interface still there and up? -1 with a message when not. */
int workers_check_live(struct workers *w, char *err, size_t errcap);

/* Errors a worker met (capture errors on a live interface end that worker). */
unsigned workers_errors(const struct workers *w);

/* Join all threads (after workers_drain returned false), free sensors and captures. */
void workers_free(struct workers *w);

#endif
