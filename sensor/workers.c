/* workers.c — capture workers (one sensor and flow table each) feeding one writer through a queue. */
#include <pthread.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dhcp.h"
#include "dns.h"
#include "limits.h"
#include "workers.h"

/* Finished sessions waiting for the writer; a full queue makes workers wait (counted). */
#define QUEUE_MAX 4096

/* Frames an inline worker handles between two turns of the writer (about a millisecond). */
#define INLINE_SLICE 4096

enum qkind { Q_SESSION, Q_DHCP, Q_DNS };

struct qnode {
	struct qnode *next;
	uint8_t kind;			/* enum qkind */
	bool is_dhcp;
	uint64_t ts_us;			/* DHCP, DNS: packet time */
	union {
		struct session s;
		struct dhcp_facts d;
	} u;
};

/* DNS facts are larger than a session: their node is a qnode followed by them. */
struct qdns {
	struct qnode q;
	struct dns_facts f;
};

static struct qnode *qnode_new(enum qkind k)
{
	struct qnode *q = calloc(1, sizeof(*q));

	if (q) {
		q->kind = (uint8_t)k;
		q->is_dhcp = k == Q_DHCP;
	}
	return q;
}

struct worker {
	pthread_t th;
	struct workers *w;
	struct capture *cap;
	struct sensor *sn;
	pthread_mutex_t mu;		/* guards snap */
	struct sensor_totals snap;
	unsigned errors;
	uint64_t lost;
	char err[512];
};

struct workers {
	pthread_mutex_t mu;		/* guards the queue and `running` */
	pthread_cond_t nonempty, nonfull;
	struct qnode *head, *tail;
	unsigned len;
	unsigned running;
	uint64_t queue_waits;
	unsigned n;
	bool inline_worker;		/* one worker run on the writer's thread (files) */
	session_sink_fn isink;		/* inline: the writer's sinks, called directly */
	dhcp_sink_fn idsink;
	dns_sink_fn nsink;		/* the writer's DNS sink (workers_set_dns_sink), or NULL */
	void *ictx;
	volatile sig_atomic_t stop;
	volatile sig_atomic_t drain;	/* with stop: read what is buffered first */
	struct worker wk[];
};

static void publish(struct worker *k)
{
	pthread_mutex_lock(&k->mu);
	k->snap.c = *sensor_counters(k->sn);
	k->snap.f = *sensor_flow_stats(k->sn);
	k->snap.r = *sensor_reasm_stats(k->sn);
	pthread_mutex_unlock(&k->mu);
}

static void push(struct workers *w, struct qnode *q)
{
	q->next = NULL;
	pthread_mutex_lock(&w->mu);
	while (w->len >= QUEUE_MAX) {
		w->queue_waits++;
		pthread_cond_wait(&w->nonfull, &w->mu);
	}
	if (w->tail)
		w->tail->next = q;
	else
		w->head = q;
	w->tail = q;
	w->len++;
	pthread_cond_signal(&w->nonempty);
	pthread_mutex_unlock(&w->mu);
}

/* Sensor sink on a worker thread: move the session into the queue. */
static void enqueue(void *ctx, struct session *s)
{
	struct worker *k = ctx;
	struct qnode *q;

	if (k->w->inline_worker) {	/* same thread as the writer: no queue, no copy */
		k->w->isink(k->w->ictx, s);
		return;
	}
	if (!(q = qnode_new(Q_SESSION))) {
		k->lost++;	/* resource pressure: the session is lost (counted) */
		return;
	}
	session_move(&q->u.s, s);
	push(k->w, q);
}

static void enqueue_dhcp(void *ctx, const struct dhcp_facts *f, uint64_t ts_us)
{
	struct worker *k = ctx;
	struct qnode *q;

	if (k->w->inline_worker) {
		k->w->idsink(k->w->ictx, f, ts_us);
		return;
	}
	if (!(q = qnode_new(Q_DHCP))) {
		k->lost++;
		return;
	}
	q->u.d = *f;
	q->ts_us = ts_us;
	push(k->w, q);
}

static void enqueue_dns(void *ctx, const struct dns_facts *f, uint64_t ts_us)
{
	struct worker *k = ctx;

	if (k->w->inline_worker) {	/* the writer's own thread */
		if (k->w->nsink)
			k->w->nsink(k->w->ictx, f, ts_us);
		return;
	}
	struct qdns *x = malloc(sizeof(*x));
	if (!x) {
		k->lost++;
		return;
	}
	memset(&x->q, 0, sizeof(x->q));
	x->q.kind = Q_DNS;
	x->q.ts_us = ts_us;
	memcpy(&x->f, f, offsetof(struct dns_facts, f) + f->n * sizeof(f->f[0]));
	push(k->w, &x->q);
}

static uint64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Read and process up to max frames (0: no limit). Returns false when this worker is done. */
static bool worker_step(struct worker *k, unsigned max)
{
	struct workers *w = k->w;
	struct capture_frame fr;
	unsigned done = 0;
	uint64_t drain_until = 0;
	int n;

	while ((n = capture_next(k->cap, &fr)) != -1) {
		if (w->stop) {
			/* Live and asked to drain: go on until the ring is empty or time is up. */
			if (!w->drain || capture_fd(k->cap) < 0 || n == 0)
				break;
			if (!drain_until)
				drain_until = wall_us() + STOP_DRAIN_MS * 1000ULL;
			else if (wall_us() > drain_until)
				break;
		}
		if (n == 1) {
			sensor_frame(k->sn, fr.dlt, fr.data, fr.caplen, fr.wirelen, fr.ts_us);
			if ((sensor_counters(k->sn)->packets & 4095) == 0)
				publish(k);
			if (max && ++done >= max)
				return true;
			continue;
		}
		if (n == 0) {
			sensor_tick(k->sn, wall_us());	/* a quiet link still expires flows */
		} else {
			k->errors++;
			snprintf(k->err, sizeof(k->err), "%s", capture_error(k->cap));
			fprintf(stderr, "mailtap: %s\n", k->err);
			if (capture_fd(k->cap) >= 0)
				break;		/* a live interface failed: this worker ends */
		}
		publish(k);
		if (max)
			return true;
	}
	sensor_finish(k->sn);
	publish(k);
	pthread_mutex_lock(&w->mu);
	w->running--;
	pthread_cond_broadcast(&w->nonempty);
	pthread_mutex_unlock(&w->mu);
	return false;
}

static void *worker_main(void *arg)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);	/* signals are the main thread's */
	worker_step(arg, 0);
	return NULL;
}

struct workers *workers_start(struct capture **captures, unsigned n, bool inline_one,
			      const struct sensor_opts *o, char *err, size_t errcap)
{
	struct workers *w = calloc(1, sizeof(*w) + n * sizeof(struct worker));
	struct sensor_opts per = *o;

	if (!w) {
		snprintf(err, errcap, "out of memory starting %u workers", n);
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->nonempty, NULL);
	pthread_cond_init(&w->nonfull, NULL);
	if (n > 1 && per.memcap_mib)
		per.memcap_mib = per.memcap_mib / n > 16 ? per.memcap_mib / n : 16;
	for (unsigned i = 0; i < n; i++) {
		struct worker *k = &w->wk[i];
		k->w = w;
		k->cap = captures[i];
		pthread_mutex_init(&k->mu, NULL);
		k->sn = sensor_new(&per, enqueue, k, err, errcap);
		if (!k->sn) {
			w->n = i;
			w->running = 0;
			workers_free(w);
			return NULL;
		}
		sensor_set_dhcp_sink(k->sn, enqueue_dhcp, k);
		sensor_set_dns_sink(k->sn, enqueue_dns, k);
		w->n = i + 1;
	}
	w->running = n;
	w->inline_worker = inline_one && n == 1;
	for (unsigned i = 0; !w->inline_worker && i < n; i++) {
		if (pthread_create(&w->wk[i].th, NULL, worker_main, &w->wk[i]) != 0) {
			snprintf(err, errcap, "cannot start worker thread %u", i);
			abort();	/* broken invariant: threads are a basic resource here */
		}
	}
	return w;
}

bool workers_drain(struct workers *w, session_sink_fn sink, dhcp_sink_fn dsink, void *ctx,
		   unsigned wait_ms)
{
	struct qnode *batch;
	bool more;

	if (w->inline_worker && w->running) {
		w->isink = sink;
		w->idsink = dsink;
		w->ictx = ctx;
		worker_step(&w->wk[0], INLINE_SLICE);
	}
	pthread_mutex_lock(&w->mu);
	if (!w->head && w->running && !w->inline_worker) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)wait_ms * 1000000;
		until.tv_sec += until.tv_nsec / 1000000000;
		until.tv_nsec %= 1000000000;
		pthread_cond_timedwait(&w->nonempty, &w->mu, &until);
	}
	batch = w->head;
	w->head = w->tail = NULL;
	w->len = 0;
	more = w->running > 0;
	pthread_cond_broadcast(&w->nonfull);
	pthread_mutex_unlock(&w->mu);
	while (batch) {
		struct qnode *q = batch;
		batch = q->next;
		if (q->kind == Q_DNS) {
			if (w->nsink)
				w->nsink(ctx, &((struct qdns *)q)->f, q->ts_us);
		} else if (q->is_dhcp) {
			dsink(ctx, &q->u.d, q->ts_us);
		} else {
			sink(ctx, &q->u.s);
			session_free(&q->u.s);
		}
		free(q);
	}
	return more;
}

void workers_set_dns_sink(struct workers *w, dns_sink_fn sink)
{
	w->nsink = sink;	/* read on the writer's thread only: workers queue DNS facts always */
}

void workers_stop(struct workers *w, bool drain)
{
	w->drain = drain;
	w->stop = 1;
	for (unsigned i = 0; i < w->n; i++)
		if (!drain || capture_fd(w->wk[i].cap) < 0)
			capture_breakloop(w->wk[i].cap);
}

static void add_counters(uint64_t *dst, const uint64_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] += src[i];
}

void workers_totals(struct workers *w, struct sensor_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < w->n; i++) {
		struct worker *k = &w->wk[i];
		pthread_mutex_lock(&k->mu);
		/* Every field of these structs is a uint64_t counter. */
		add_counters((uint64_t *)&t->c, (const uint64_t *)&k->snap.c,
			     sizeof(t->c) / sizeof(uint64_t));
		add_counters((uint64_t *)&t->f, (const uint64_t *)&k->snap.f,
			     sizeof(t->f) / sizeof(uint64_t));
		add_counters((uint64_t *)&t->r, (const uint64_t *)&k->snap.r,
			     sizeof(t->r) / sizeof(uint64_t));
		pthread_mutex_unlock(&k->mu);
	}
	t->workers = w->n;
}

int workers_check_live(struct workers *w, char *err, size_t errcap)
{
	for (unsigned i = 0; i < w->n; i++)
		if (capture_check_live(w->wk[i].cap, err, errcap) != 0)
			return -1;
	return 0;
}

int workers_capture_stats(struct workers *w, uint64_t *recv, uint64_t *drop, uint64_t *ifdrop)
{
	int rc = -1;

	*recv = *drop = *ifdrop = 0;
	for (unsigned i = 0; i < w->n; i++) {
		uint64_t r, d, f;
		if (capture_stats(w->wk[i].cap, &r, &d, &f) == 0) {
			*recv += r;
			*drop += d;
			*ifdrop += f;
			rc = 0;
		}
	}
	return rc;
}

unsigned workers_errors(const struct workers *w)
{
	unsigned e = 0;

	for (unsigned i = 0; i < w->n; i++)
		e += w->wk[i].errors;
	return e;
}

void workers_free(struct workers *w)
{
	if (!w)
		return;
	for (unsigned i = 0; i < w->n; i++) {
		if (w->wk[i].th)
			pthread_join(w->wk[i].th, NULL);
		sensor_free(w->wk[i].sn);
		pthread_mutex_destroy(&w->wk[i].mu);
	}
	while (w->head) {
		struct qnode *q = w->head;
		w->head = q->next;
		if (q->kind == Q_SESSION)
			session_free(&q->u.s);
		free(q);
	}
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->nonempty);
	pthread_cond_destroy(&w->nonfull);
	free(w);
}
