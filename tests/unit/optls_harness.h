/* optls_harness.h — a literal-dialogue harness for the opportunistic-TLS decoders (SMTP, IMAP, POP3):
 * feeds each dialogue whole, byte by byte and split at every offset, against a guard page, and
 * emulates reassembly's consumption contract. Included once by each test program, which first
 * defines harness_ops, harness_port and harness_tls_port. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "imap.h"
#include "optls.h"
#include "pop3.h"
#include "smtp.h"

enum step_kind { C2S, S2C, GAP_C2S, GAP_S2C, RESUME };

struct step {
	enum step_kind kind;
	const char *data;
	size_t len;
};

#define C(s) { C2S, s, sizeof(s) - 1 }
#define S(s) { S2C, s, sizeof(s) - 1 }
#define NSTEPS(a) (sizeof(a) / sizeof((a)[0]))

struct dialogue {
	const char *name;
	const struct step *steps;
	size_t nsteps;
	bool midstream, implicit_port;
	enum tls_state tls_end;		/* TLS outcome to record if the flow was handed off */
	const char *secrets[4];		/* must appear nowhere in the session or its findings */
	const char *expect;
};

/* ---- guard-page buffer: input placed right against a PROT_NONE page ---- */

#define GUARD_CAP (64u * 1024)

struct guard {
	uint8_t *base;
	size_t size, page;
};

static void guard_init(struct guard *g)
{
	g->page = (size_t)sysconf(_SC_PAGESIZE);
	g->size = GUARD_CAP + g->page;
	g->base = mmap(NULL, g->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->base == MAP_FAILED || mprotect(g->base + GUARD_CAP, g->page, PROT_NONE) != 0) {
		perror("guard page");
		exit(2);
	}
}

static const uint8_t *guard_place(struct guard *g, const uint8_t *p, size_t n)
{
	uint8_t *dst = g->base + GUARD_CAP - n;

	memmove(dst, p, n);
	return dst;
}

/* ---- reassembly emulation ---- */

struct harness {
	struct session s;
	union {
		struct smtp smtp;
		struct imap imap;
		struct pop3 pop3;
	} m;
	struct guard *g;
	uint8_t pend[2][GUARD_CAP];
	size_t plen[2];
	uint64_t off[2];	/* stream bytes consumed per direction */
	bool tls, done, failed;
	char events[256];
};

static void fail(struct harness *h, const char *msg)
{
	if (!h->failed)
		fprintf(stderr, "contract violation: %s\n", msg);
	h->failed = true;
}

static void feed_pending(struct harness *h, enum dir d, uint64_t ts)
{
	size_t n = h->plen[d];
	const uint8_t *buf;
	struct feed_result r;

	if (n == 0 || h->tls || h->done)
		return;
	buf = guard_place(h->g, h->pend[d], n);
	r = harness_ops->feed(&h->m, d, buf, n, ts);
	if (r.consumed > n) {
		fail(h, "consumed more than fed");
		return;
	}
	memmove(h->pend[d], h->pend[d] + r.consumed, n - r.consumed);
	h->plen[d] -= r.consumed;
	h->off[d] += r.consumed;
	if (h->plen[d] > REASM_PENDING_MAX)
		fail(h, "left more than REASM_PENDING_MAX unconsumed");
	if (r.status == FEED_HANDOFF_TLS) {
		h->tls = true;
		snprintf(h->events + strlen(h->events), sizeof(h->events) - strlen(h->events),
			 "handoff %s@%llu\n", d == DIR_C2S ? "c2s" : "s2c",
			 (unsigned long long)h->off[d]);
	} else if (r.status == FEED_DONE) {
		h->done = true;
		strcat(h->events, "done\n");
	}
}

static void push(struct harness *h, enum dir d, const char *p, size_t n, uint64_t ts)
{
	if (h->plen[d] + n > GUARD_CAP) {
		fail(h, "pending overflow");
		return;
	}
	memcpy(h->pend[d] + h->plen[d], p, n);
	h->plen[d] += n;
	feed_pending(h, d, ts);
}

/* Feed one step: whole (split 0), split in two at `split`, or bytewise (split SIZE_MAX). */
static void run_step(struct harness *h, const struct step *st, size_t split, uint64_t ts)
{
	enum dir d = st->kind == C2S ? DIR_C2S : DIR_S2C;

	switch (st->kind) {
	case C2S:
	case S2C:
		if (split == SIZE_MAX) {
			for (size_t i = 0; i < st->len; i++)
				push(h, d, st->data + i, 1, ts);
		} else if (split > 0 && split < st->len) {
			push(h, d, st->data, split, ts);
			push(h, d, st->data + split, st->len - split, ts);
		} else {
			push(h, d, st->data, st->len, ts);
		}
		break;
	case GAP_C2S:
	case GAP_S2C:
		d = st->kind == GAP_C2S ? DIR_C2S : DIR_S2C;
		h->plen[d] = 0;
		if (!h->tls && !h->done)
			harness_ops->gap(&h->m, d, ts);
		break;
	case RESUME:
		harness_ops->resume_plaintext(&h->m, ts);
		h->tls = false;
		feed_pending(h, DIR_C2S, ts);
		feed_pending(h, DIR_S2C, ts);
		break;
	}
}

/* ---- rendering ---- */

static const char *str(const char *s)
{
	return s ? s : "-";
}

struct text {
	char *p;
	size_t cap, len;
};

static void __attribute__((format(printf, 2, 3))) tprintf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->p + t->len, t->len < t->cap ? t->cap - t->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len = t->len + (size_t)n < t->cap ? t->len + (size_t)n : t->cap - 1;
}

static void render_findings(const struct session *s, struct text *t)
{
	for (unsigned i = 0; i < s->nfindings; i++)
		tprintf(t, "finding %s %s @%llu: %s\n", finding_kind_name(s->findings[i].kind),
			severity_name(finding_kind_severity(s->findings[i].kind)),
			(unsigned long long)(s->findings[i].ts_us / 1000000), s->findings[i].detail);
}

static void render(const struct session *s, const char *events, char *out, size_t cap)
{
	struct text t = { out, cap, 0 };
	bool smtp = harness_ops->proto == PROTO_SMTP;	/* greeting name, HELO and mail count */

	out[0] = '\0';
	tprintf(&t, "banner=%s\n", str(s->banner));
	if (smtp)
		tprintf(&t, "server=%s\nhelo=%s\n", str(s->server_name), str(s->helo));
	tprintf(&t, "auth=%s\n", str(s->auth_mechanism));
	tprintf(&t, "starttls offered=%d requested=%d reply=%d\n", s->starttls_offered,
		s->starttls_requested, s->starttls_reply);
	if (smtp)
		tprintf(&t, "mail_count=%u ", s->mail_count);
	tprintf(&t, "in_clear=%d plaintext_after_starttls=%d\n", s->mail_in_clear,
		s->plaintext_after_starttls);
	tprintf(&t, "transport=%s\n%s", transport_name(s->transport), events);
	for (int a = 0; a < ANOM__COUNT; a++)
		if (s->anomaly[a])
			tprintf(&t, "anomaly %s=%u\n", anomaly_name((enum anomaly)a), s->anomaly[a]);
	render_findings(s, &t);
}

/* Run a dialogue with step `which` split at `split` (or every step bytewise); render the log. */
static unsigned long nruns;

static bool run(const struct dialogue *dl, struct guard *g, size_t which, size_t split,
		char *log, size_t cap)
{
	static struct harness h;
	uint64_t ts = 0;

	nruns++;
	memset(&h, 0, sizeof(h));
	h.g = g;
	session_init(&h.s);
	h.s.midstream = dl->midstream;
	h.s.implicit_tls_port = dl->implicit_port;
	h.s.tls_from_start = dl->implicit_port;
	h.s.server_port = dl->implicit_port ? harness_tls_port : harness_port;
	h.s.protocol = (uint8_t)harness_ops->proto;
	harness_ops->init(&h.m, &h.s);
	for (size_t i = 0; i < dl->nsteps; i++) {
		ts = (uint64_t)(i + 1) * 1000000;
		run_step(&h, &dl->steps[i], split == SIZE_MAX || i == which ? split : 0, ts);
	}
	if (h.tls)
		h.s.tls.state = dl->tls_end;
	session_finish(&h.s, END_FIN, ts + 1000000);
	render(&h.s, h.events, log, cap);
	session_free(&h.s);
	return !h.failed;
}

static int check_secrets(const struct dialogue *dl, const char *log)
{
	int bad = 0;

	for (int i = 0; i < 4 && dl->secrets[i]; i++)
		if (strstr(log, dl->secrets[i])) {
			fprintf(stderr, "%s: secret '%s' leaked into the session\n", dl->name,
				dl->secrets[i]);
			bad++;
		}
	return bad;
}

static int check_dialogue(const struct dialogue *dl, struct guard *g)
{
	static char log[8192];
	int bad = 0;

	if (!run(dl, g, 0, 0, log, sizeof(log)) || strcmp(log, dl->expect) != 0) {
		fprintf(stderr, "FAIL %s (whole)\n--- expected\n%s--- got\n%s", dl->name, dl->expect,
			log);
		return 1;
	}
	bad += check_secrets(dl, log);
	if (!run(dl, g, 0, SIZE_MAX, log, sizeof(log)) || strcmp(log, dl->expect) != 0) {
		fprintf(stderr, "FAIL %s (bytewise)\n--- got\n%s", dl->name, log);
		return bad + 1;
	}
	for (size_t i = 0; i < dl->nsteps; i++)
		for (size_t k = 1; k < dl->steps[i].len; k++)
			if (!run(dl, g, i, k, log, sizeof(log)) || strcmp(log, dl->expect) != 0) {
				fprintf(stderr, "FAIL %s (step %zu split at %zu)\n--- got\n%s",
					dl->name, i, k, log);
				return bad + 1;
			}
	return bad;
}

/* Check (or with -p print) every dialogue; returns the exit status. */
static int harness_main(const struct dialogue *const *dls, size_t n, int argc, char **argv)
{
	static char log[8192];
	struct guard g;
	int bad = 0;

	guard_init(&g);
	for (size_t i = 0; i < n; i++) {
		if (argc > 1 && strcmp(argv[1], "-p") == 0) {	/* print a log, for writing cases */
			run(dls[i], &g, 0, 0, log, sizeof(log));
			printf("== %s\n%s", dls[i]->name, log);
			continue;
		}
		bad += check_dialogue(dls[i], &g);
	}
	printf("%s: %d failure(s), %zu %s dialogues in %lu runs (whole, bytewise, every split)\n",
	       bad ? "FAIL" : "ok", bad, n, mail_proto_name(harness_ops->proto), nruns);
	return bad ? 1 : 0;
}
