/* zfile.c — gzip and zstd capture files decompressed while libpcap reads them, through a stdio
 * stream (fopencookie(3)): no temporary file, memory bounded by the decoder's window.
 *
 * The format is told by the first bytes, as Wireshark does, so a capture named .gz that is not
 * compressed is read as what it is. Bytes come from the descriptor with read(2), one call at a
 * time, so a capture arriving through a pipe (tcpdump -w - | mailtap -r -) is decoded as it comes
 * instead of waiting for a full buffer. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include "limits.h"
#include "zfile.h"

enum { PEEK = 4 };

struct zfile {
	FILE *raw;
	int fd;
	enum zfile_kind kind;
	uint8_t *in;			/* ZFILE_INPUT_BYTES of compressed input (or the peeked bytes) */
	size_t in_pos, in_len;
	bool raw_eof;
	bool done;			/* clean end of the data: reads return 0 */
	uint64_t bytes_in, bytes_out;
	z_stream z;			/* gzip */
	bool z_ready, member_done;
	ZSTD_DCtx *zs;			/* zstd */
	bool frame_open;		/* inside a zstd frame that has not been fully decoded */
	char err[192];			/* what went wrong; "" while nothing did */
};

static void fail(struct zfile *z, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct zfile *z, const char *fmt, ...)
{
	va_list ap;

	if (z->err[0])
		return;		/* the first cause is the one to tell */
	va_start(ap, fmt);
	vsnprintf(z->err, sizeof(z->err), fmt, ap);
	va_end(ap);
}

/* Compressed bytes consumed by the decoder so far: where damage was found. */
static uint64_t consumed(const struct zfile *z)
{
	return z->bytes_in - (z->in_len - z->in_pos);
}

/* One read(2) into the empty input buffer. Sets raw_eof at the end, the error on failure. */
static void fill(struct zfile *z)
{
	ssize_t n;

	do
		n = read(z->fd, z->in, ZFILE_INPUT_BYTES);
	while (n < 0 && errno == EINTR);
	z->in_pos = 0;
	z->in_len = n > 0 ? (size_t)n : 0;
	if (n > 0)
		z->bytes_in += (uint64_t)n;
	else if (n == 0)
		z->raw_eof = true;
	else
		fail(z, "cannot read the file after %llu bytes: %s",
		     (unsigned long long)z->bytes_in, strerror(errno));
}

/* The input is used up: read more, unless bytes were already produced (hand them out first
 * rather than wait on a pipe). Returns false when the caller must stop here. */
static bool need_input(struct zfile *z, size_t got)
{
	if (got > 0 || z->raw_eof || z->err[0])
		return false;
	fill(z);
	return z->in_len > 0;
}

/* gzip, RFC 1952: members one after the other (§2.2), each checked by zlib against its CRC-32
 * and length (§2.3.1). Anything after a member must be another member. */
static void gzip_read(struct zfile *z, uint8_t *buf, size_t size, size_t *got)
{
	while (*got < size && !z->err[0]) {
		if (z->member_done) {
			if (z->in_pos == z->in_len && !need_input(z, *got)) {
				z->done = z->raw_eof && *got == 0 && !z->err[0];
				return;
			}
			inflateReset(&z->z);
			z->member_done = false;
		}
		z->z.next_in = z->in + z->in_pos;
		z->z.avail_in = (uInt)(z->in_len - z->in_pos);
		z->z.next_out = buf + *got;
		z->z.avail_out = (uInt)(size - *got);
		int rc = inflate(&z->z, Z_NO_FLUSH);
		bool starved = z->z.avail_in == 0 && z->z.avail_out > 0;	/* wants more input */
		z->in_pos = z->in_len - z->z.avail_in;
		*got = size - z->z.avail_out;
		if (rc == Z_STREAM_END) {
			z->member_done = true;
			continue;
		}
		if (rc == Z_MEM_ERROR)
			fail(z, "out of memory decompressing gzip data");
		else if (rc != Z_OK && rc != Z_BUF_ERROR)
			fail(z, "gzip data damaged at compressed byte %llu (%s)", (unsigned long long)consumed(z),
			     z->z.msg ? z->z.msg : "invalid data");
		else if (starved && !need_input(z, *got)) {
			if (z->raw_eof && *got == 0)
				fail(z, "the gzip data ends early, after %llu compressed bytes (truncated)",
				     (unsigned long long)z->bytes_in);
			return;
		}
	}
}

/* zstd, RFC 8878: frames one after the other, skippable frames (§3.1.2) passed over by libzstd;
 * ZSTD_decompressStream returns 0 exactly when a frame has been decoded and flushed. */
static void zstd_read(struct zfile *z, uint8_t *buf, size_t size, size_t *got)
{
	while (*got < size && !z->err[0]) {
		if (z->in_pos == z->in_len && !z->frame_open && !need_input(z, *got)) {
			if (z->raw_eof && *got == 0)
				z->done = true;
			return;
		}
		ZSTD_inBuffer ib = { z->in, z->in_len, z->in_pos };
		ZSTD_outBuffer ob = { buf, size, *got };
		size_t rc = ZSTD_decompressStream(z->zs, &ob, &ib);
		bool starved = ib.pos == ib.size && ob.pos < ob.size;	/* wants more input */
		z->in_pos = ib.pos;
		*got = ob.pos;
		if (ZSTD_isError(rc)) {
			fail(z, "zstd data damaged at compressed byte %llu (%s)", (unsigned long long)consumed(z),
			     ZSTD_getErrorName(rc));
			return;
		}
		z->frame_open = rc != 0;
		if (starved && z->frame_open && !need_input(z, *got)) {
			if (z->raw_eof && *got == 0)
				fail(z, "the zstd data ends early, after %llu compressed bytes (truncated)",
				     (unsigned long long)z->bytes_in);
			return;
		}
	}
}

/* Not compressed, from a pipe: the peeked bytes, then the rest as it comes. */
static void plain_read(struct zfile *z, uint8_t *buf, size_t size, size_t *got)
{
	if (z->in_pos < z->in_len) {
		size_t n = z->in_len - z->in_pos < size ? z->in_len - z->in_pos : size;
		memcpy(buf, z->in + z->in_pos, n);
		z->in_pos += n;
		*got = n;
		return;
	}
	ssize_t n;
	do
		n = read(z->fd, buf, size);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		fail(z, "cannot read after %llu bytes: %s", (unsigned long long)z->bytes_in,
		     strerror(errno));
	else if (n == 0)
		z->done = true;
	else {
		z->bytes_in += (uint64_t)n;
		*got = (size_t)n;
	}
}

/* fopencookie read: bytes, 0 at the end, -1 (errno EILSEQ) once the data is found damaged. The
 * bytes decoded before the damage are handed out first. */
static ssize_t cookie_read(void *cookie, char *buf, size_t size)
{
	struct zfile *z = cookie;
	size_t got = 0;

	if (!z->err[0] && !z->done) {
		if (z->kind == ZFILE_GZIP)
			gzip_read(z, (uint8_t *)buf, size, &got);
		else if (z->kind == ZFILE_ZSTD)
			zstd_read(z, (uint8_t *)buf, size, &got);
		else
			plain_read(z, (uint8_t *)buf, size, &got);
	}
	z->bytes_out += got;
	if (got > 0 || z->done)
		return (ssize_t)got;
	errno = EILSEQ;
	return -1;
}

static void zfile_free(struct zfile *z)
{
	if (z->z_ready)
		inflateEnd(&z->z);
	ZSTD_freeDCtx(z->zs);
	free(z->in);
	free(z);
}

static int cookie_close(void *cookie)
{
	struct zfile *z = cookie;

	if (z->raw != stdin)
		fclose(z->raw);
	zfile_free(z);
	return 0;
}

/* Up to PEEK first bytes from a descriptor that cannot seek back (a pipe): as many read(2)
 * calls as it takes, or fewer at the end. Returns the count, or -1. */
static ssize_t peek_pipe(int fd, uint8_t *buf)
{
	size_t have = 0;

	while (have < PEEK) {
		ssize_t n = read(fd, buf + have, PEEK - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		have += (size_t)n;
	}
	return (ssize_t)have;
}

/* Magic numbers (first bytes of the file). */
static enum zfile_kind sniff(const uint8_t *m, size_t n, const char **other)
{
	*other = NULL;
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return ZFILE_GZIP;		/* RFC 1952 §2.3.1: ID1 ID2 */
	if (n >= 4 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd && m[0] == 0x28)
		return ZFILE_ZSTD;		/* RFC 8878 §3.1.1: 0xFD2FB528, little-endian */
	if (n >= 4 && (m[0] & 0xf0) == 0x50 && m[1] == 0x2a && m[2] == 0x4d && m[3] == 0x18)
		return ZFILE_ZSTD;		/* RFC 8878 §3.1.2: skippable frame 0x184D2A5? */
	if (n >= 4 && m[0] == 0xfd && m[1] == '7' && m[2] == 'z' && m[3] == 'X')
		*other = "xz";
	else if (n >= 3 && m[0] == 'B' && m[1] == 'Z' && m[2] == 'h')
		*other = "bzip2";
	else if (n >= 4 && m[0] == 0x04 && m[1] == 0x22 && m[2] == 0x4d && m[3] == 0x18)
		*other = "lz4";
	return ZFILE_PLAIN;
}

static bool decoder_init(struct zfile *z)
{
	if (z->kind == ZFILE_GZIP) {
		/* 16 + window bits: the gzip wrapper only (RFC 1952), not zlib's (RFC 1950). */
		z->z_ready = inflateInit2(&z->z, 16 + MAX_WBITS) == Z_OK;
		return z->z_ready;
	}
	if (z->kind == ZFILE_ZSTD) {
		z->zs = ZSTD_createDCtx();
		return z->zs && !ZSTD_isError(ZSTD_DCtx_setParameter(z->zs, ZSTD_d_windowLogMax,
								     ZFILE_ZSTD_WINDOW_LOG_MAX));
	}
	return true;
}

/* The made stream over z (which then owns raw). */
static FILE *wrap(struct zfile *z, char *err, size_t errcap)
{
	static const cookie_io_functions_t io = { .read = cookie_read, .close = cookie_close };
	FILE *fp;

	/* A plain pipe needs room for the peeked bytes only. */
	if (!(z->in = malloc(z->kind == ZFILE_PLAIN ? PEEK : ZFILE_INPUT_BYTES)) || !decoder_init(z) ||
	    !(fp = fopencookie(z, "rb", io))) {
		snprintf(err, errcap, "out of memory opening a %s stream", zfile_kind_name(z->kind));
		return NULL;
	}
	setvbuf(fp, NULL, _IOFBF, ZFILE_STDIO_BYTES);
	return fp;
}

FILE *zfile_open(FILE *raw, struct zfile **zf, char *err, size_t errcap)
{
	uint8_t magic[PEEK];
	const char *other;
	struct stat st;
	ssize_t n;
	int fd = fileno(raw);
	bool regular = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	off_t at = regular ? lseek(fd, 0, SEEK_CUR) : -1;

	*zf = NULL;
	/* A regular file is looked at without moving; a pipe has to be read. */
	n = regular && at >= 0 ? pread(fd, magic, PEEK, at) : peek_pipe(fd, magic);
	if (n < 0) {
		snprintf(err, errcap, "%s", strerror(errno));
		return NULL;
	}
	enum zfile_kind kind = sniff(magic, (size_t)n, &other);
	if (other) {
		snprintf(err, errcap, "it is compressed with %s, which mailtap does not read; "
			 "decompress it first, or recompress it with gzip or zstd", other);
		return NULL;
	}
	if (kind == ZFILE_PLAIN && regular && at >= 0)
		return raw;	/* untouched: libpcap and the in-place reader take it as it is */
	struct zfile *z = calloc(1, sizeof(*z));
	if (!z) {
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	z->raw = raw;
	z->fd = fd;
	z->kind = kind;
	FILE *fp = wrap(z, err, errcap);
	if (!fp) {
		zfile_free(z);
		return NULL;
	}
	if (!(regular && at >= 0)) {	/* the peeked bytes come first */
		memcpy(z->in, magic, (size_t)n);
		z->in_len = (size_t)n;
		z->bytes_in = (uint64_t)n;
	}
	*zf = z;
	return fp;
}

enum zfile_kind zfile_kind(const struct zfile *z)
{
	return z->kind;
}

const char *zfile_kind_name(enum zfile_kind k)
{
	return k == ZFILE_GZIP ? "gzip" : k == ZFILE_ZSTD ? "zstd" : "plain";
}

const char *zfile_error(const struct zfile *z)
{
	return z->err[0] ? z->err : NULL;
}

uint64_t zfile_bytes_in(const struct zfile *z)
{
	return z->bytes_in;
}

uint64_t zfile_bytes_out(const struct zfile *z)
{
	return z->bytes_out;
}
