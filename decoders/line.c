/* line.c — CRLF line framing (RFC 5321 §2.3.8) over reassembled stream bytes; no copies. */
#include <string.h>
#include "limits.h"
#include "line.h"

static enum line_status skip_to_lf(struct line_framer *f, const uint8_t *p, size_t n,
				   size_t *used)
{
	const uint8_t *lf = memchr(p, '\n', n);

	if (lf) {
		f->skipping = false;
		*used = (size_t)(lf - p) + 1;
	} else {
		*used = n;
	}
	return *used ? LINE_SKIPPED : LINE_NONE;
}

static void set_line(struct line *out, const uint8_t *p, size_t len, bool terminated)
{
	out->p = p;
	out->len = len;
	out->bare_lf = false;
	out->truncated = !terminated;
	/* RFC 5321 §2.3.8: lines end in CRLF; a bare LF is tolerated and reported. */
	if (terminated) {
		if (len > 0 && p[len - 1] == '\r')
			out->len = len - 1;
		else
			out->bare_lf = true;
	}
	out->has_nul = memchr(out->p, '\0', out->len) != NULL;
}

enum line_status line_next(struct line_framer *f, const uint8_t *p, size_t n, struct line *out,
			   size_t *used)
{
	*used = 0;
	if (n == 0)
		return LINE_NONE;
	if (f->skipping)
		return skip_to_lf(f, p, n, used);

	size_t window = n < SMTP_LINE_MAX ? n : SMTP_LINE_MAX;
	const uint8_t *lf = memchr(p, '\n', window);

	if (lf) {
		*used = (size_t)(lf - p) + 1;
		set_line(out, p, (size_t)(lf - p), true);
		return LINE_FULL;
	}
	if (n < SMTP_LINE_MAX)
		return LINE_NONE;
	/* RFC 5321 §4.5.3.1.4 limits lines; keep the head, skip the rest up to the next LF. */
	*used = SMTP_LINE_MAX;
	set_line(out, p, SMTP_LINE_MAX, false);
	f->skipping = true;
	return LINE_FULL;
}
