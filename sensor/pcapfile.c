/* pcapfile.c — classic pcap records read in place from a sliding memory map; libpcap takes over at
 * the first record that is not plain (format: draft-ietf-opsawg-pcap §4-§5, pcap-savefile(5)).
 *
 * libpcap reads a file with stdio: the kernel copies every byte into a stdio buffer and libpcap
 * copies it again into its packet buffer, though the sensor looks at the headers of most frames
 * only. Here the frames are handed out where the page cache holds them. libpcap has already opened
 * the file, checked its header and chosen the link type; this reader only walks the records, and
 * hands anything unusual back to libpcap at the very record, so damage is reported as before. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cursor.h"
#include "limits.h"
#include "pcapfile.h"

enum {
	PCAP_FILE_HDR = 24, PCAP_REC_HDR = 16,
	MAGIC_USEC = 0xa1b2c3d4, MAGIC_NSEC = 0xa1b23c4d,	/* as written by the capturing host */
	PCAP_VERSION_MAJOR_ = 2, PCAP_VERSION_MINOR_ = 4
};

/* A mapped file that shrinks under the reader (another program truncating or rewriting it, like
 * tcpdump -W reusing a ring of names) makes the next touch of a vanished page raise SIGBUS, which
 * would kill the sensor. The window in use is registered here; the handler puts zero pages where
 * the window was, so the touch reads zeros instead, and the reader stops at its next call with an
 * error. One window at a time (files are read one after the other, on one thread); a second reader
 * finds the slot taken and leaves its file to libpcap. The handler's state must be global. */
static struct {
	atomic_flag taken;
	void *volatile base;
	volatile size_t len;
	volatile sig_atomic_t hit;
	struct sigaction old;
	bool installed;
} guard = { .taken = ATOMIC_FLAG_INIT };

static void on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	uint8_t *a = si->si_addr, *b = guard.base;

	(void)sig;
	(void)uctx;
	if (b && a >= b && a < b + guard.len &&
	    mmap(b, guard.len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
		guard.hit = 1;
		return;		/* the access is repeated and reads zeros */
	}
	/* Not ours: give the signal back to whoever had it; the access repeats and raises it again. */
	sigaction(SIGBUS, &guard.old, NULL);
}

static bool guard_take(void)
{
	if (atomic_flag_test_and_set(&guard.taken))
		return false;
	if (!guard.installed) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_sigbus;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGBUS, &sa, &guard.old) != 0) {
			atomic_flag_clear(&guard.taken);
			return false;
		}
		guard.installed = true;
	}
	guard.hit = 0;
	return true;
}

struct pcapfile {
	pcap_t *pcap;
	int fd;
	uint64_t size;		/* file size when opened; beyond it libpcap reads */
	uint64_t off;		/* file offset of the next record */
	bool le;		/* header fields are little-endian */
	bool nsec;		/* time stamps in nanoseconds */
	uint32_t snapshot;	/* libpcap's snapshot length for this file */
	uint8_t *win;		/* mapped window, NULL none */
	uint64_t win_off;	/* file offset of win (page aligned) */
	size_t win_len;
	size_t page;
};

/* A 32-bit field in the file's byte order (the cursor reads network order). */
static uint32_t field32(struct cur *c, bool le)
{
	uint32_t be = get_u32(c);
	return le ? __builtin_bswap32(be) : be;
}

/* Is the file header (24 bytes at offset 0) a classic pcap 2.4 header? Sets byte order and unit. */
static bool classic_header(struct pcapfile *m, const uint8_t hdr[PCAP_FILE_HDR])
{
	struct cur c = cur_make(hdr, PCAP_FILE_HDR);
	uint32_t magic = get_u32(&c);	/* big-endian reading */
	bool le;

	if (magic == MAGIC_USEC || magic == MAGIC_NSEC)
		le = false;
	else if (magic == __builtin_bswap32(MAGIC_USEC) || magic == __builtin_bswap32(MAGIC_NSEC))
		le = true;
	else
		return false;	/* pcapng, Kuznetzov's modified format, ...: libpcap */
	m->nsec = magic == MAGIC_NSEC || magic == __builtin_bswap32(MAGIC_NSEC);
	uint32_t ver = field32(&c, le);	/* major and minor as two 16-bit fields, same order */
	uint16_t major = (uint16_t)(le ? ver & 0xffff : ver >> 16);
	uint16_t minor = (uint16_t)(le ? ver >> 16 : ver & 0xffff);
	m->le = le;
	return !c.err && major == PCAP_VERSION_MAJOR_ && minor == PCAP_VERSION_MINOR_;
}

struct pcapfile *pcapfile_open(pcap_t *p)
{
	FILE *fp = pcap_file(p);
	uint8_t hdr[PCAP_FILE_HDR];
	struct stat st;
	long pos;

	if (!fp || (pos = ftell(fp)) != PCAP_FILE_HDR)
		return NULL;	/* not at the first record of a plain file (a pipe, an offset) */
	int fd = fileno(fp);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
		return NULL;
	struct pcapfile *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	if (!classic_header(m, hdr) || pcap_snapshot(p) <= 0 || !guard_take()) {
		free(m);
		return NULL;
	}
	m->pcap = p;
	m->fd = fd;
	m->size = (uint64_t)st.st_size;
	m->off = PCAP_FILE_HDR;
	m->snapshot = (uint32_t)pcap_snapshot(p);
	m->page = (size_t)sysconf(_SC_PAGESIZE);
	return m;
}

static void unmap(struct pcapfile *m)
{
	guard.base = NULL;
	if (m->win)
		munmap(m->win, m->win_len);
	m->win = NULL;
	m->win_len = 0;
}

/* Map a window holding [off, off + need) of the file. Returns false if it cannot. */
static bool map_window(struct pcapfile *m, uint64_t off, uint64_t need)
{
	uint64_t base = off - off % m->page;
	uint64_t len = off - base + need;

	if (len < PCAPFILE_WINDOW_BYTES)
		len = PCAPFILE_WINDOW_BYTES;
	if (len > m->size - base)
		len = m->size - base;
	unmap(m);
	void *w = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, m->fd, (off_t)base);
	if (w == MAP_FAILED)
		return false;
	madvise(w, (size_t)len, MADV_SEQUENTIAL);
	m->win = w;
	m->win_off = base;
	m->win_len = (size_t)len;
	guard.len = m->win_len;
	guard.base = w;
	return true;
}

/* Bytes [off, off + n) of the file, mapping a new window when they are not in the current one;
 * NULL when they are beyond the file's size at open or cannot be mapped. */
static const uint8_t *at(struct pcapfile *m, uint64_t off, uint64_t n)
{
	if (off > m->size || n > m->size - off)
		return NULL;
	if (!m->win || off < m->win_off || off + n > m->win_off + m->win_len) {
		if (!map_window(m, off, n))
			return NULL;
	}
	return m->win + (off - m->win_off);
}

/* Give the rest of the file to libpcap, starting at the record at m->off. */
static int hand_over(struct pcapfile *m)
{
	unmap(m);
	return fseeko(pcap_file(m->pcap), (off_t)m->off, SEEK_SET) == 0 ? 0 : -1;
}

int pcapfile_next(struct pcapfile *m, struct pcap_pkthdr *h, const uint8_t **data)
{
	if (guard.hit) {
		unmap(m);
		errno = ESTALE;
		return -1;	/* the file shrank while mapped: what follows is gone */
	}
	/* Record header (pcap-savefile(5)): seconds, micro- or nanoseconds, captured and wire length. */
	const uint8_t *rh = at(m, m->off, PCAP_REC_HDR);
	if (!rh)
		return hand_over(m);
	struct cur c = cur_make(rh, PCAP_REC_HDR);
	uint32_t sec = field32(&c, m->le), frac = field32(&c, m->le);
	uint32_t caplen = field32(&c, m->le), len = field32(&c, m->le);
	if (caplen > m->snapshot)
		return hand_over(m);	/* libpcap clips or refuses it, with its own message */
	const uint8_t *body = at(m, m->off + PCAP_REC_HDR, caplen);
	if (!body)
		return hand_over(m);	/* cut short, or written after we looked */
	/* Signed 32-bit fields, as libpcap reads them (struct pcap_timeval), so both readers give
	 * the same times even for stamps past 2038 or bogus fractions. */
	h->ts.tv_sec = (time_t)(int32_t)sec;
	h->ts.tv_usec = (suseconds_t)(m->nsec ? (int32_t)frac / 1000 : (int32_t)frac);
	h->caplen = caplen;
	h->len = len;
	*data = body;
	m->off += PCAP_REC_HDR + (uint64_t)caplen;
	/* Most frames are read no further than their headers, one record after the other, so the
	 * hardware sees no stream to prefetch: fetch the next record's headers, and the file up to
	 * PCAPFILE_PREFETCH_BYTES ahead at 1 KiB steps, while this frame is decoded. */
	if (m->off + PCAPFILE_PREFETCH_BYTES <= m->win_off + m->win_len) {
		const uint8_t *next = m->win + (m->off - m->win_off);
		__builtin_prefetch(next);
		__builtin_prefetch(next + 64);
		for (unsigned d = 1024; d < PCAPFILE_PREFETCH_BYTES; d += 1024)
			__builtin_prefetch(next + d);
	}
	return 1;
}

void pcapfile_close(struct pcapfile *m)
{
	if (!m)
		return;
	unmap(m);
	guard.hit = 0;
	atomic_flag_clear(&guard.taken);
	free(m);
}
