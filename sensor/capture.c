/* capture.c — libpcap wrapper: offline files (plain, gzip or zstd) in order or one live interface,
 * with an optional BPF filter. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <errno.h>
#include <poll.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "capture.h"
#include "pcapfile.h"
#include "zfile.h"

enum { CAPTURE_ERR_MAX = PCAP_ERRBUF_SIZE + 512 };

struct capture {
	pcap_t *pcap;			/* current handle, NULL between files */
	struct pcapfile *map;		/* offline: the current file read in place, until libpcap takes over */
	struct zfile *zf;		/* offline: the current file's decompression (owned by pcap's stream) */
	struct capture_file_stats zstats;	/* offline: compressed files finished so far */
	struct bpf_program prog;	/* the current handle's compiled filter, for mapped records */
	int have_prog;
	struct pcap_pkthdr maphdr;	/* the header of the last mapped record */
	int dlt;
	const char *source;		/* current file name or interface */
	char *const *files;		/* offline: the list, the next one to open at files[next] */
	int nfiles, next;
	char *bpf;			/* heap copy, or NULL */
	int live;
	unsigned file_errors;
	volatile sig_atomic_t stop;
	int waited;			/* live: polled once since the last empty read */
	char err[CAPTURE_ERR_MAX];
};

static void set_err(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;
	if (!err || cap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
}

/* Compile and install c->bpf on the current handle; what names the file or interface. */
static int install_filter(struct capture *c, bpf_u_int32 netmask)
{
	struct bpf_program prog;
	if (!c->bpf || !*c->bpf)
		return 0;
	if (pcap_compile(c->pcap, &prog, c->bpf, 1, netmask) != 0) {
		set_err(c->err, sizeof(c->err),
			"invalid capture filter '%s' for '%s': %s; check the BPF expression (see pcap-filter(7))",
			c->bpf, c->source, pcap_geterr(c->pcap));
		return -1;
	}
	int rc = pcap_setfilter(c->pcap, &prog);
	c->prog = prog;
	c->have_prog = 1;
	if (rc != 0) {
		set_err(c->err, sizeof(c->err), "cannot apply capture filter '%s' to '%s': %s",
			c->bpf, c->source, pcap_geterr(c->pcap));
		return -1;
	}
	return 0;
}

/* Count z (NULL: a plain regular file) in s when it was compressed. */
static void add_file_stats(struct capture_file_stats *s, const struct zfile *z)
{
	if (!z || zfile_kind(z) == ZFILE_PLAIN)
		return;		/* a pipe of plain bytes */
	s->compressed_files++;
	s->compressed_bytes += zfile_bytes_in(z);
	s->unpacked_bytes += zfile_bytes_out(z);
}

static void close_handle(struct capture *c)
{
	add_file_stats(&c->zstats, c->zf);
	c->zf = NULL;	/* freed with the stream pcap_close() closes */
	pcapfile_close(c->map);
	c->map = NULL;
	if (c->have_prog)
		pcap_freecode(&c->prog);
	c->have_prog = 0;
	if (c->pcap)
		pcap_close(c->pcap);
	c->pcap = NULL;
}

/* What went wrong reading the current file: the decompression's account when it has one (the
 * damage is in the compressed data), else libpcap's. */
static const char *file_error(const struct capture *c, const char *pcap_msg)
{
	const char *z = c->zf ? zfile_error(c->zf) : NULL;
	return z ? z : pcap_msg;
}

/* files[next] as a stream of capture bytes (decompressed if need be; c->zf set then), or NULL
 * with c->err set. */
static FILE *open_stream(struct capture *c)
{
	char zerr[256];
	FILE *raw = strcmp(c->source, "-") == 0 ? stdin : fopen(c->source, "rb");

	if (!raw) {
		set_err(c->err, sizeof(c->err), "cannot read '%s': %s; check the path and that it is "
			"a pcap or pcapng file", c->source, strerror(errno));
		return NULL;
	}
	FILE *fp = zfile_open(raw, &c->zf, zerr, sizeof(zerr));
	if (!fp) {
		set_err(c->err, sizeof(c->err), "cannot read '%s': %s", c->source, zerr);
		if (raw != stdin)
			fclose(raw);
	}
	return fp;
}

/* Open files[next] (and advance next). Returns 0, or -1 with c->err set (counted). */
static int open_next_file(struct capture *c)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	c->source = c->files[c->next++];
	FILE *fp = open_stream(c);
	if (fp)
		c->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, perr);
	if (fp && !c->pcap) {
		const char *what = c->zf && zfile_kind(c->zf) != ZFILE_PLAIN ?
				   zfile_kind_name(zfile_kind(c->zf)) : NULL;
		set_err(c->err, sizeof(c->err),
			"cannot read '%s'%s%s%s: %s; check the path and that it is a pcap or pcapng file",
			c->source, what ? " (" : "", what ? what : "", what ? " compressed)" : "",
			file_error(c, perr));
		c->zf = NULL;
		if (fp != stdin)
			fclose(fp);	/* and the file under it */
	}
	if (!c->pcap) {
		c->file_errors++;
		return -1;
	}
	c->dlt = pcap_datalink(c->pcap);
	if (install_filter(c, PCAP_NETMASK_UNKNOWN) != 0) {
		c->file_errors++;
		close_handle(c);
		return -1;
	}
	c->map = pcapfile_open(c->pcap);	/* NULL: libpcap reads it all */
	return 0;
}

static struct capture *capture_new(const char *bpf, char *err, size_t errcap)
{
	struct capture *c = calloc(1, sizeof(*c));
	if (c && bpf && !(c->bpf = strdup(bpf))) {
		free(c);
		c = NULL;
	}
	if (!c)
		set_err(err, errcap, "out of memory opening the capture");
	return c;
}

struct capture *capture_open_offline(char *const *files, int nfiles, const char *bpf,
				     char *err, size_t errcap)
{
	if (nfiles <= 0) {
		set_err(err, errcap, "no capture file given; pass one with -r FILE");
		return NULL;
	}
	struct capture *c = capture_new(bpf, err, errcap);
	if (!c)
		return NULL;
	c->files = files;
	c->nfiles = nfiles;
	if (open_next_file(c) != 0) {
		set_err(err, errcap, "%s", c->err);
		capture_close(c);
		return NULL;
	}
	return c;
}

/* Explain a failed or warned pcap_activate() in terms of what the user can do. */
static void activate_error(struct capture *c, const char *iface, int rc)
{
	const char *why = pcap_geterr(c->pcap);
	switch (rc) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		set_err(c->err, sizeof(c->err), "no such interface '%s' (%s); list interfaces with 'ip link'",
			iface, why);
		break;
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		set_err(c->err, sizeof(c->err),
			"no permission to capture on '%s' (%s); run as root or grant CAP_NET_RAW "
			"(setcap cap_net_raw,cap_net_admin=eip mailtap)", iface, why);
		break;
	case PCAP_ERROR_IFACE_NOT_UP:
		set_err(c->err, sizeof(c->err), "interface '%s' is down; bring it up with 'ip link set %s up'",
			iface, iface);
		break;
	case PCAP_ERROR_RFMON_NOTSUP:
	default:
		set_err(c->err, sizeof(c->err), "cannot capture on '%s': %s (%s); check the interface name",
			iface, pcap_statustostr(rc), why);
		break;
	}
}

/* Apply the live options to a created, not yet activated handle. */
static int live_configure(struct capture *c, const struct capture_live_opts *o)
{
	int snaplen = o->snaplen > 0 ? o->snaplen : CAPTURE_SNAPLEN_DEFAULT;
	int rc = pcap_set_snaplen(c->pcap, snaplen);
	if (rc == 0)
		rc = pcap_set_promisc(c->pcap, o->promisc != 0);
	if (rc == 0 && o->buffer_mib > 0)
		rc = pcap_set_buffer_size(c->pcap, o->buffer_mib * 1024 * 1024);
	if (rc == 0 && o->immediate)
		rc = pcap_set_immediate_mode(c->pcap, 1);
	if (rc == 0)
		rc = pcap_set_timeout(c->pcap, CAPTURE_TIMEOUT_MS);
	return rc;
}

struct capture *capture_open_live(const char *iface, const char *bpf,
				  const struct capture_live_opts *o, char *err, size_t errcap)
{
	static const struct capture_live_opts defaults = { .promisc = 1 };
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct capture *c = capture_new(bpf ? bpf : CAPTURE_LIVE_FILTER_DEFAULT, err, errcap);
	if (!c)
		return NULL;
	c->live = 1;
	c->source = iface;
	c->pcap = pcap_create(iface, perr);
	if (!c->pcap) {
		set_err(err, errcap, "cannot capture on '%s': %s; check the interface name", iface, perr);
		capture_close(c);
		return NULL;
	}
	if (live_configure(c, o ? o : &defaults) != 0) {
		set_err(err, errcap, "cannot configure capture on '%s': %s", iface, pcap_geterr(c->pcap));
		capture_close(c);
		return NULL;
	}
	int rc = pcap_activate(c->pcap);
	if (rc < 0) {
		activate_error(c, iface, rc);
		set_err(err, errcap, "%s", c->err);
		capture_close(c);
		return NULL;
	}
	c->dlt = pcap_datalink(c->pcap);
	/* Non-blocking reads and our own poll with a timeout: libpcap's TPACKET_V3 reader otherwise
	 * waits forever on a quiet link, and flows must expire and signals be seen even then. */
	if (pcap_setnonblock(c->pcap, 1, perr) != 0) {
		set_err(err, errcap, "cannot capture on '%s': %s", iface, perr);
		capture_close(c);
		return NULL;
	}
	bpf_u_int32 net = 0, mask = PCAP_NETMASK_UNKNOWN;
	if (pcap_lookupnet(iface, &net, &mask, perr) != 0)
		mask = PCAP_NETMASK_UNKNOWN;
	if (install_filter(c, mask) != 0) {
		set_err(err, errcap, "%s", c->err);
		capture_close(c);
		return NULL;
	}
	return c;
}

/* Offline: the current file ended (rc -2) or failed (rc -1). Returns -1 at the end of input,
 * -2 with c->err when the file was damaged, 0 to go on with the next file. */
static int offline_file_done(struct capture *c, int rc)
{
	int res = 0;
	if (rc == PCAP_ERROR) {
		c->file_errors++;
		set_err(c->err, sizeof(c->err),
			"damaged capture file '%s': %s; the frames before the damage were read",
			c->source, file_error(c, pcap_geterr(c->pcap)));
		res = -2;
	}
	close_handle(c);
	if (res == 0 && c->next >= c->nfiles)
		return -1;
	return res;
}

/* The next record of a mapped file that passes the filter, in pcap_next_ex()'s terms; when the
 * reader hands the file over, libpcap goes on from the same record. MAPPED_LOST: the file could
 * not be handed over (c->err says so, counted; the handle is closed). */
enum { MAPPED_LOST = -100 };
static int mapped_next(struct capture *c, struct pcap_pkthdr **h, const u_char **data)
{
	int rc;

	while ((rc = pcapfile_next(c->map, &c->maphdr, data)) == 1)
		if (!c->have_prog || pcap_offline_filter(&c->prog, &c->maphdr, *data)) {
			*h = &c->maphdr;
			return 1;
		}
	pcapfile_close(c->map);
	c->map = NULL;
	if (rc == 0)
		return pcap_next_ex(c->pcap, h, data);
	c->file_errors++;
	if (errno == ESTALE)
		set_err(c->err, sizeof(c->err), "damaged capture file '%s': it shrank while being read "
			"(truncated or rewritten by another program); the frames before were read",
			c->source);
	else
		set_err(c->err, sizeof(c->err), "cannot go on reading '%s': %s; the frames before "
			"were read", c->source, strerror(errno));
	close_handle(c);
	return MAPPED_LOST;
}

/* Packet time in microseconds. A savefile's seconds are unsigned 32-bit (draft-ietf-opsawg-pcap
 * §5), but libpcap hands them over as a signed 32-bit value, so stamps from 2038 on would come out
 * negative: files are read as the format says (good until 2106); live stamps are the kernel's. */
static uint64_t frame_time_us(const struct capture *c, const struct pcap_pkthdr *h)
{
	if (c->live)
		return (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
	return (uint64_t)(uint32_t)h->ts.tv_sec * 1000000u + (uint32_t)h->ts.tv_usec;
}

int capture_next(struct capture *c, struct capture_frame *f)
{
	for (;;) {
		if (c->stop)
			return -1;
		if (!c->pcap) {
			if (c->live || c->next >= c->nfiles)
				return -1;
			if (open_next_file(c) != 0)
				return -2;
		}
		struct pcap_pkthdr *h;
		const u_char *data;
		int rc = c->map ? mapped_next(c, &h, &data) : pcap_next_ex(c->pcap, &h, &data);
		if (rc == MAPPED_LOST)
			return -2;
		if (rc == 1) {
			c->waited = 0;
			f->dlt = c->dlt;
			f->ts_us = frame_time_us(c, h);
			f->caplen = h->caplen;
			f->wirelen = h->len;
			f->data = data;
			f->source = c->source;
			return 1;
		}
		if (rc == 0 && c->live && !c->waited) {
			struct pollfd pfd = { .fd = pcap_get_selectable_fd(c->pcap), .events = POLLIN };
			c->waited = 1;
			if (pfd.fd >= 0)
				poll(&pfd, 1, CAPTURE_TIMEOUT_MS);
			continue;	/* read again once; nothing then is a timeout */
		}
		c->waited = 0;
		if (rc == 0)
			return 0;
		if (c->live) {
			if (rc == PCAP_ERROR_BREAK)
				return -1;
			set_err(c->err, sizeof(c->err), "capture on '%s' failed: %s", c->source,
				pcap_geterr(c->pcap));
			return -2;
		}
		int res = offline_file_done(c, rc);
		if (res != 0)
			return res;
	}
}

const char *capture_error(const struct capture *c)
{
	return c->err;
}

unsigned capture_file_errors(const struct capture *c)
{
	return c->file_errors;
}

void capture_file_stats(const struct capture *c, struct capture_file_stats *s)
{
	*s = c->zstats;
	add_file_stats(s, c->zf);	/* a file still open (the run was stopped) */
}

int capture_stats(struct capture *c, uint64_t *recv, uint64_t *drop, uint64_t *ifdrop)
{
	struct pcap_stat st;
	if (!c->live || !c->pcap || pcap_stats(c->pcap, &st) != 0)
		return -1;
	*recv = st.ps_recv;
	*drop = st.ps_drop;
	*ifdrop = st.ps_ifdrop;
	return 0;
}

int capture_fd(const struct capture *c)
{
	return c->live && c->pcap ? pcap_get_selectable_fd(c->pcap) : -1;
}

void capture_breakloop(struct capture *c)
{
	c->stop = 1;
	if (c->pcap)
		pcap_breakloop(c->pcap);
}

void capture_close(struct capture *c)
{
	if (!c)
		return;
	close_handle(c);
	free(c->bpf);
	free(c);
}

int capture_fanout(struct capture *c, uint16_t group, char *err, size_t errcap)
{
	/* The kernel's flow hash is symmetric, so a connection's two directions share a member;
	 * DEFRAG reassembles IP fragments before hashing (packet(7), PACKET_FANOUT). */
	unsigned arg = group | ((unsigned)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16);
	int fd = c && c->live ? pcap_fileno(c->pcap) : -1;

	if (fd < 0) {
		set_err(err, errcap, "--workers needs a live capture (-i)");
		return -1;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) != 0) {
		set_err(err, errcap, "cannot join packet fanout group %u on '%s': %s; use --workers 1",
			group, c->source, strerror(errno));
		return -1;
	}
	return 0;
}

int capture_check_live(const struct capture *c, char *err, size_t errcap)
{
	struct ifreq ifr;
	int fd, rc;

	if (!c || !c->live || strcmp(c->source, "any") == 0)
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;	/* cannot tell: assume it is fine */
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", c->source);
	rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
	close(fd);
	if (rc != 0) {
		set_err(err, errcap, "capture on '%s' failed: the interface disappeared", c->source);
		return -1;
	}
	if (!(ifr.ifr_flags & IFF_UP)) {
		set_err(err, errcap, "capture on '%s' stopped: the interface is down; bring it up "
			"(ip link set %s up) and restart mailtap", c->source, c->source);
		return -1;
	}
	return 0;
}
