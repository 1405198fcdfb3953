/* capture.h — frames from pcap/pcapng files or a live interface; the only user of libpcap (with
 * pcapfile.c, which reads classic pcap files in place and hands anything unusual back to it). */
#ifndef MAILTAP_CAPTURE_H
#define MAILTAP_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

/* Snapshot length of live captures: whole frames, even with offloads (GRO) on the sensor. */
#ifndef CAPTURE_SNAPLEN_DEFAULT
#define CAPTURE_SNAPLEN_DEFAULT 262144
#endif

/* Read timeout of a live capture without immediate mode: how long capture_next may block. */
#ifndef CAPTURE_TIMEOUT_MS
#define CAPTURE_TIMEOUT_MS 100
#endif

/* Default filter of live captures: TCP, DHCP and DNS answers (UDP from port 53), and the tunnels
 * the decoder follows (VXLAN, GENEVE, TZSP, GRE and ERSPAN, IP-in-IP, MPLS, PPPoE sessions:
 * whatever they carry), and IP fragments (MF or an offset; an IPv6 Fragment header first: later
 * pieces have no ports to match, and they are reassembled), also inside one or two VLAN tags.
 * "ether proto" checks a type without moving libpcap's offsets, as its mpls and pppoes keywords
 * would for the rest of the expression. */
#define CAPTURE_NOT_TCP_DEFAULT "udp port 67 or udp port 68 or udp src port 53" \
	" or udp dst port 4789 or udp dst port 6081 or udp dst port 37008 or ip proto 47 or ip proto 4 or ip proto 41" \
	" or ip6 proto 47 or ip6 proto 4 or ip6 proto 41" \
	" or ether proto 0x8847 or ether proto 0x8848 or ether proto 0x8864" \
	" or (ip[6:2] & 0x3fff != 0) or ip6[6] == 44"
#define CAPTURE_LIVE_FILTER_DEFAULT \
	"tcp or " CAPTURE_NOT_TCP_DEFAULT " or (vlan and (tcp or " CAPTURE_NOT_TCP_DEFAULT "))" \
	" or (vlan and vlan and (tcp or " CAPTURE_NOT_TCP_DEFAULT "))"

struct capture;

/* One frame. data points into libpcap's buffer or into the mapped file (classic pcap files are
 * read in place, pcapfile.h) and is valid until the next capture_next() or capture_close(); source is the file name or interface (valid until capture_close()). */
struct capture_frame {
	int dlt;			/* pcap link type of this frame's file or interface */
	uint64_t ts_us;			/* packet time, microseconds since the epoch */
	uint32_t caplen, wirelen;
	const uint8_t *data;
	const char *source;
};

struct capture_live_opts {
	int snaplen;			/* 0: CAPTURE_SNAPLEN_DEFAULT */
	int buffer_mib;			/* kernel buffer in MiB; 0: libpcap's default */
	int promisc;			/* non-zero: promiscuous mode (a span port needs it) */
	int immediate;			/* non-zero: immediate mode instead of the read timeout */
};

/* Open nfiles pcap or pcapng files ("-" = standard input) to be read one after the other, in
 * order; each may have its own link type and may be compressed with gzip or zstd (told by its
 * first bytes; damaged compressed data is a damaged file). bpf (NULL or "" = no filter) is compiled for each file.
 * Only the first file is opened now (errors about it land in err); later files are opened when
 * reached, and errors then are reported by capture_next() and capture_error(). files must
 * outlive the capture. Returns NULL on error with a message in err (errcap bytes). */
struct capture *capture_open_offline(char *const *files, int nfiles, const char *bpf,
				     char *err, size_t errcap);

/* Open a live capture on iface. bpf NULL = CAPTURE_LIVE_FILTER_DEFAULT, "" = no filter.
 * o may be NULL (defaults, promiscuous). Returns NULL on error with a message in err that
 * names the interface and says what to do. */
struct capture *capture_open_live(const char *iface, const char *bpf,
				  const struct capture_live_opts *o, char *err, size_t errcap);

/* Next frame into *f. Returns 1 with a frame, 0 on a live read timeout (nothing yet), -1 at the
 * end of all input (or after capture_breakloop), -2 on an error: the message is in
 * capture_error(). For offline input, an unreadable or damaged file is an error that is
 * counted (capture_file_errors); calling capture_next() again continues with the next file. */
int capture_next(struct capture *c, struct capture_frame *f);

/* The last error message (empty string if none); valid until the next call on c. */
const char *capture_error(const struct capture *c);

/* Files that could not be opened or ended in a damaged record. */
unsigned capture_file_errors(const struct capture *c);

/* Offline input compressed with gzip or zstd (recognised by its first bytes), over the files
 * read so far (the current one included): how many, bytes read from them, and capture bytes they unpacked to. */
struct capture_file_stats {
	uint64_t compressed_files, compressed_bytes, unpacked_bytes;
};
void capture_file_stats(const struct capture *c, struct capture_file_stats *s);

/* Live statistics from the kernel: received, dropped by the buffer, dropped by the interface.
 * Returns 0, or -1 for offline captures or on error. */
int capture_stats(struct capture *c, uint64_t *recv, uint64_t *drop, uint64_t *ifdrop);

/* A selectable descriptor of a live capture, or -1. */
int capture_fd(const struct capture *c);

/* Make a blocked or future capture_next() return -1; safe to call from a signal handler. */
void capture_breakloop(struct capture *c);

/* Join the live capture c to the kernel's PACKET_FANOUT group `group` (Linux AF_PACKET), hashing
 * by flow so both directions of a connection reach the same member. Every worker of one sensor
 * opens its own capture and joins the same group. Returns 0, or -1 with a message in err. */
int capture_fanout(struct capture *c, uint16_t group, char *err, size_t errcap);

/* Live captures: is the interface still there and up? libpcap (TPACKET_V3) keeps waiting
 * quietly on an interface that went down, so the writer asks this every second, from its own
 * thread. Returns 0, or -1 with a message naming the interface in err. Offline: always 0. */
int capture_check_live(const struct capture *c, char *err, size_t errcap);

/* Close and free c (NULL is fine). */
void capture_close(struct capture *c);

#endif
