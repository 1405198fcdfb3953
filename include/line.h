/* line.h — CRLF line framing over reassembled stream bytes, without a buffer of its own. */
#ifndef MAILTAP_LINE_H
#define MAILTAP_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Framing state of one direction: only whether the tail of an overlong line is being skipped. */
struct line_framer {
	bool skipping;		/* inside a line longer than SMTP_LINE_MAX (or after a gap): skip to LF */
};

/* One line as found in the caller's bytes; p points into them (valid as long as they are). */
struct line {
	const uint8_t *p;	/* line content without CRLF / LF */
	size_t len;
	bool bare_lf;		/* ended by LF without CR */
	bool truncated;		/* head of a line longer than SMTP_LINE_MAX; the rest is skipped */
	bool has_nul;		/* contains a NUL byte */
};

enum line_status {
	LINE_NONE,		/* no complete line: leave the bytes unconsumed, call again with more */
	LINE_FULL,		/* *out is a line (complete, or the truncated head of an overlong one) */
	LINE_SKIPPED		/* bytes of an overlong line's tail were consumed; no line */
};

/* Find the next line in p[0..n). On LINE_FULL and LINE_SKIPPED, *used is the number of bytes
 * consumed (the line and its terminator, or the skipped run). On LINE_NONE *used is 0. A line with
 * no LF within SMTP_LINE_MAX bytes is returned truncated (consumed up to SMTP_LINE_MAX) and the
 * framer then skips to the next LF. The result does not depend on how the bytes were split. */
enum line_status line_next(struct line_framer *f, const uint8_t *p, size_t n, struct line *out,
			   size_t *used);

/* Bytes are missing from the stream: forget the partial line and resume after the next LF. */
static inline void line_resync(struct line_framer *f)
{
	f->skipping = true;
}

#endif
