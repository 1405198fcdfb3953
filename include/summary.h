/* summary.h — what a run tells its operator: progress line, stats line, end-of-run summary. */
#ifndef MAILTAP_SUMMARY_H
#define MAILTAP_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include "capture.h"
#include "sensor.h"
#include "store.h"
#include "workers.h"

/* One self-overwriting line on stderr: packets, flows, sessions, rate. */
void print_progress(const struct sensor_totals *t, uint64_t started_us, uint64_t now_us);
/* One stats line on stderr (--stats, SIGUSR1): counters, kernel drops for live captures, then
 * extra (NULL or "" for none: fleet shipping adds its counters). */
void print_stats_line(const struct sensor_totals *t, const struct store *st, struct workers *w,
		      const char *extra);
/* One screen at the end of a run, on stderr. files: the offline input's compressed files (NULL
 * for live captures). */
void print_summary(const struct sensor_totals *t, const uint64_t findings[FK__COUNT],
		   const struct capture_file_stats *files, const struct store *st, const char *db,
		   uint64_t elapsed_us, bool verbose);

#endif
