/* pcapfile.h — zero-copy reading of classic pcap files through a sliding memory map, with libpcap
 * taking over at the first record it does not handle. Used by capture.c only. */
#ifndef MAILTAP_PCAPFILE_H
#define MAILTAP_PCAPFILE_H

#include <stdint.h>
#include <pcap/pcap.h>

struct pcapfile;

/* Map the file libpcap has just opened as p (pcap_open_offline*), when it is a regular file in the
 * classic pcap format, version 2.4, either byte order, micro- or nanosecond time stamps. Returns
 * NULL when it is not (pcapng, a pipe, another variant, mmap refused): read it with libpcap. */
struct pcapfile *pcapfile_open(pcap_t *p);

/* The next record: 1 with *h and *data filled (data valid until the next call or close; ts in
 * microseconds). 0 when libpcap must go on from here: the record is not one this reader takes
 * (caplen above the snapshot length, a header or body cut short) or the mapped part of the file
 * has ended; p's file is then positioned at that record, so pcap_next_ex() reads it, reports the
 * damage in its own words, or finds the end (or data appended since). -1 when the file could not
 * be positioned (errno set), or with errno ESTALE when it shrank while mapped (another program
 * truncated it: the bytes of vanished pages read as zeros, SIGBUS is caught). After 0 or -1, do
 * not call again. */
int pcapfile_next(struct pcapfile *m, struct pcap_pkthdr *h, const uint8_t **data);

/* Unmap and free (NULL is fine). p stays open. */
void pcapfile_close(struct pcapfile *m);

#endif
