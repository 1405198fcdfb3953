/* test_zfile.c — the decompressing stream: gzip and zstd files and pipes give the original bytes
 * (several members or frames, read in any sizes), plain input comes back whole, and every cut or
 * flipped byte of compressed data either gives the original or fails the read — never silently a
 * different or shorter stream. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include "zfile.h"
#include "check.h"

struct buf {
	uint8_t *p;
	size_t n, cap;
};

static void append(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

/* Text-like bytes that compress into several deflate blocks and zstd blocks. */
static struct buf sample(size_t n, unsigned seed)
{
	static const char *words[] = { "EHLO ", "mail.example.test ", "250-STARTTLS\r\n", "\x00\x01",
				       "MAIL FROM:<a@example.test>\r\n", "\xd4\xc3\xb2\xa1", "DATA " };
	struct buf b = { 0 };
	uint32_t x = seed * 2654435761u + 1;

	while (b.n < n) {
		x = x * 1103515245u + 12345u;
		const char *w = words[(x >> 16) % 7];
		size_t len = (x >> 16) % 7 == 3 ? 2 : (x >> 16) % 7 == 5 ? 4 : strlen(w);
		append(&b, w, len < n - b.n ? len : n - b.n);
		uint8_t r = (uint8_t)(x >> 24);
		if (b.n < n)
			append(&b, &r, 1);
	}
	return b;
}

static struct buf gzip_of(const uint8_t *p, size_t n)
{
	struct buf out = { .p = malloc(compressBound(n) + 64) };
	z_stream z = { 0 };

	deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (uint8_t *)p;
	z.avail_in = (uInt)n;
	z.next_out = out.p;
	z.avail_out = (uInt)(compressBound(n) + 64);
	CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
	out.n = z.total_out;
	deflateEnd(&z);
	return out;
}

static struct buf zstd_of(const uint8_t *p, size_t n)
{
	struct buf out = { .p = malloc(ZSTD_compressBound(n)) };
	ZSTD_CCtx *cc = ZSTD_createCCtx();

	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);	/* as the zstd command writes */
	out.n = ZSTD_compress2(cc, out.p, ZSTD_compressBound(n), p, n);
	CHECK(!ZSTD_isError(out.n));
	ZSTD_freeCCtx(cc);
	return out;
}

/* A temporary file holding b, opened for reading. */
static FILE *file_of(const struct buf *b)
{
	char path[] = "/tmp/test_zfile_XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w+b") : NULL;

	CHECK(f != NULL);
	if (!f)
		exit(1);
	unlink(path);
	if (b->n)
		fwrite(b->p, 1, b->n, f);
	fflush(f);
	rewind(f);
	return f;
}

/* A pipe fed with b by a child in writes of chunk bytes; *pid to wait for. */
static FILE *pipe_of(const struct buf *b, size_t chunk, pid_t *pid)
{
	int fds[2];

	CHECK(pipe(fds) == 0);
	*pid = fork();
	if (*pid == 0) {
		close(fds[0]);
		for (size_t off = 0; off < b->n; off += chunk) {
			size_t k = b->n - off < chunk ? b->n - off : chunk;
			if (write(fds[1], b->p + off, k) != (ssize_t)k)
				_exit(1);
		}
		_exit(0);
	}
	close(fds[1]);
	return fdopen(fds[0], "rb");
}

/* Everything fp gives, read step bytes at a time (0: one large read); *failed when it ended in a
 * read error rather than at the end. */
static struct buf drain(FILE *fp, size_t step, bool *failed)
{
	struct buf out = { 0 };
	uint8_t tmp[65536];
	size_t n;

	if (step) {
		setvbuf(fp, NULL, _IONBF, 0);	/* each fread reaches the stream's read with step bytes */
	}
	while ((n = fread(tmp, 1, step ? step : sizeof(tmp), fp)) > 0)
		append(&out, tmp, n);
	*failed = ferror(fp) != 0;
	return out;
}

static bool same(const struct buf *a, const struct buf *b)
{
	return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
}

/* Open src (a file or a pipe in chunks), check the kind, read all, compare to want. */
static void roundtrip(const struct buf *src, const struct buf *want, enum zfile_kind kind,
		      bool use_pipe, size_t chunk, size_t step, const char *what)
{
	pid_t pid = -1;
	FILE *raw = use_pipe ? pipe_of(src, chunk, &pid) : file_of(src);
	struct zfile *z;
	char err[256];
	bool failed;
	FILE *fp = zfile_open(raw, &z, err, sizeof(err));

	CHECK(fp != NULL);
	if (!fp)
		return;
	CHECK(kind == ZFILE_PLAIN && !use_pipe ? fp == raw && z == NULL : z && zfile_kind(z) == kind);
	struct buf got = drain(fp, step, &failed);
	if (failed || !same(&got, want))
		fprintf(stderr, "  %s (pipe %d chunk %zu step %zu): %zu of %zu bytes%s%s\n", what,
			use_pipe, chunk, step, got.n, want->n, failed ? ", failed: " : "",
			failed && z && zfile_error(z) ? zfile_error(z) : "");
	CHECK(!failed);
	CHECK(same(&got, want));
	if (z)
		CHECK(zfile_bytes_out(z) == want->n && zfile_bytes_in(z) == src->n);
	fclose(fp);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	free(got.p);
}

static void test_roundtrips(void)
{
	struct buf a = sample(300000, 1), b = sample(70000, 2);
	struct buf ga = gzip_of(a.p, a.n), gb = gzip_of(b.p, b.n);
	struct buf za = zstd_of(a.p, a.n), zb = zstd_of(b.p, b.n);
	struct buf ab = { 0 }, gab = { 0 }, zab = { 0 }, zskip = { 0 };

	append(&ab, a.p, a.n);
	append(&ab, b.p, b.n);
	append(&gab, ga.p, ga.n);	/* two gzip members, RFC 1952 §2.2 */
	append(&gab, gb.p, gb.n);
	append(&zab, za.p, za.n);	/* two zstd frames */
	append(&zab, zb.p, zb.n);
	/* pzstd's layout: a skippable frame (RFC 8878 §3.1.2) first, then the data. */
	static const uint8_t skip[] = { 0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4 };
	append(&zskip, skip, sizeof(skip));
	append(&zskip, za.p, za.n);
	append(&zskip, skip, sizeof(skip));

	static const size_t steps[] = { 0, 1, 7, 4096, 65536 };
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		size_t st = steps[i];
		if (st != 1) {	/* byte by byte over 370 kB only where it matters: the small cases */
			roundtrip(&ga, &a, ZFILE_GZIP, false, 0, st, "gzip file");
			roundtrip(&gab, &ab, ZFILE_GZIP, false, 0, st, "gzip two members");
			roundtrip(&za, &a, ZFILE_ZSTD, false, 0, st, "zstd file");
			roundtrip(&zab, &ab, ZFILE_ZSTD, false, 0, st, "zstd two frames");
			roundtrip(&ab, &ab, ZFILE_PLAIN, false, 0, st, "plain file");
		}
		roundtrip(&gb, &b, ZFILE_GZIP, true, 4093, st, "gzip pipe");
		roundtrip(&zb, &b, ZFILE_ZSTD, true, 4093, st, "zstd pipe");
		roundtrip(&b, &b, ZFILE_PLAIN, true, 4093, st, "plain pipe");
	}
	roundtrip(&zskip, &a, ZFILE_ZSTD, false, 0, 0, "zstd after a skippable frame");
	/* A pipe delivering the magic one byte at a time must not lose it. */
	roundtrip(&gb, &b, ZFILE_GZIP, true, 1, 0, "gzip pipe byte by byte");
	roundtrip(&zb, &b, ZFILE_ZSTD, true, 1, 0, "zstd pipe byte by byte");
	struct buf tiny = { .p = (uint8_t *)"\x1f", .n = 1 }, none = { 0 };
	roundtrip(&tiny, &tiny, ZFILE_PLAIN, true, 1, 0, "one byte");
	roundtrip(&none, &none, ZFILE_PLAIN, true, 1, 0, "empty pipe");
	roundtrip(&b, &b, ZFILE_PLAIN, true, 1, 1, "plain pipe byte by byte");
	free(a.p), free(b.p), free(ga.p), free(gb.p), free(za.p), free(zb.p);
	free(ab.p), free(gab.p), free(zab.p), free(zskip.p);
}

/* src as a file: the bytes it gives and whether the read failed (with a message). */
static struct buf read_all(const struct buf *src, bool *failed, bool *has_msg)
{
	FILE *raw = file_of(src);
	struct zfile *z = NULL;
	char err[256];
	FILE *fp = zfile_open(raw, &z, err, sizeof(err));
	struct buf got = { 0 };

	*failed = *has_msg = false;
	if (!fp) {
		fclose(raw);
		*failed = true;
		return got;
	}
	got = drain(fp, 0, failed);
	*has_msg = z && zfile_error(z) != NULL;
	fclose(fp);
	return got;
}

/* Cut after every length from the magic on: always a failed read, after a prefix of the data. */
static void test_cuts(const struct buf *comp, const struct buf *plain, size_t from, const char *what)
{
	unsigned silent = 0, wrong = 0;

	for (size_t len = from; len < comp->n; len++) {
		struct buf cut = { .p = comp->p, .n = len };
		bool failed, msg;
		struct buf got = read_all(&cut, &failed, &msg);
		silent += !failed || !msg;
		wrong += got.n > plain->n || (got.n && memcmp(got.p, plain->p, got.n) != 0);
		free(got.p);
	}
	if (silent || wrong)
		fprintf(stderr, "  %s: %u cuts not reported, %u gave other bytes\n", what, silent, wrong);
	CHECK(silent == 0);
	CHECK(wrong == 0);
}

/* Flip each byte after the magic: the original bytes, or a failed read with a message. */
static void test_flips(const struct buf *comp, const struct buf *plain, size_t from, const char *what)
{
	unsigned bad = 0, reported = 0;
	struct buf m = { .p = malloc(comp->n), .n = comp->n };

	for (size_t i = from; i < comp->n; i++) {
		memcpy(m.p, comp->p, comp->n);
		m.p[i] ^= 0x5a;
		bool failed, msg;
		struct buf got = read_all(&m, &failed, &msg);
		if (failed)
			reported += msg;
		else if (!same(&got, plain))
			bad++;
		if (failed && !msg)
			bad++;
		free(got.p);
	}
	if (bad)
		fprintf(stderr, "  %s: %u flipped bytes gave other data or an unexplained failure\n",
			what, bad);
	CHECK(bad == 0);
	CHECK(reported > (comp->n - from) / 2);	/* most flips are caught */
	free(m.p);
}

static void test_damage(void)
{
	struct buf p = sample(3000, 3), g = gzip_of(p.p, p.n), z = zstd_of(p.p, p.n);
	struct buf g2 = { 0 }, pp = { 0 }, junk = { 0 };

	test_cuts(&g, &p, 2, "gzip");
	test_cuts(&z, &p, 4, "zstd");
	test_flips(&g, &p, 2, "gzip");
	test_flips(&z, &p, 4, "zstd");
	/* A second member cut short is still a cut. */
	append(&g2, g.p, g.n);
	append(&g2, g.p, g.n);
	append(&pp, p.p, p.n);
	append(&pp, p.p, p.n);
	test_cuts(&g2, &pp, g.n + 1, "gzip second member");
	/* Bytes after the last member that are not a member: damage, not silence. */
	append(&junk, g.p, g.n);
	append(&junk, "\0\0\0\0garbage", 11);
	bool failed, msg;
	struct buf got = read_all(&junk, &failed, &msg);
	CHECK(failed && msg && same(&got, &p));
	free(got.p), free(p.p), free(g.p), free(z.p), free(g2.p), free(pp.p), free(junk.p);
}

/* A zstd frame asking for a window above ZFILE_ZSTD_WINDOW_LOG_MAX is refused, not obeyed. */
static void test_zstd_window(void)
{
	struct buf p = sample(5000, 4), out = { .p = malloc(ZSTD_compressBound(p.n) + 64) };
	ZSTD_CCtx *cc = ZSTD_createCCtx();

	ZSTD_CCtx_setParameter(cc, ZSTD_c_windowLog, 30);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0);
	ZSTD_inBuffer ib = { p.p, p.n, 0 };
	ZSTD_outBuffer ob = { out.p, ZSTD_compressBound(p.n) + 64, 0 };
	ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_continue);
	CHECK(ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_end) == 0);
	out.n = ob.pos;
	bool failed, msg;
	struct buf got = read_all(&out, &failed, &msg);
	CHECK(failed && msg);
	ZSTD_freeCCtx(cc);
	free(got.p), free(p.p), free(out.p);
}

/* Formats not read here are named, and the file is left to the caller. */
static void test_other_formats(void)
{
	static const struct { const char *bytes; size_t n; const char *name; } cases[] = {
		{ "\xfd" "7zXZ\0", 6, "xz" }, { "BZh91AY", 7, "bzip2" }, { "\x04\x22\x4d\x18\x64", 5, "lz4" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = { .p = (uint8_t *)cases[i].bytes, .n = cases[i].n };
		FILE *raw = file_of(&b);
		struct zfile *z;
		char err[256] = "";
		CHECK(zfile_open(raw, &z, err, sizeof(err)) == NULL);
		CHECK(strstr(err, cases[i].name) != NULL);
		CHECK(ftell(raw) == 0);
		fclose(raw);
	}
}

int main(void)
{
	test_roundtrips();
	test_damage();
	test_zstd_window();
	test_other_formats();
	if (failures)
		fprintf(stderr, "test_zfile: %d failures\n", failures);
	return failures != 0;
}
