/* runstat.c — runs a command and writes its CPU time (user, sys), wall time and peak RSS, from getrusage of the child, with microsecond resolution.
 *
 * Usage: runstat OUTFILE COMMAND [ARG...]
 * OUTFILE gets one line "user_s sys_s wall_s maxrss_kib exit_status"; runstat exits with the
 * command's status (128+signal if it was killed). /usr/bin/time rounds to 10 ms, too coarse for
 * the floor of a small capture.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("Usage: runstat OUTFILE COMMAND [ARG...]\n", stderr);
		return 2;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		perror("runstat: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "runstat: cannot run %s: %m\n", argv[2]);
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("runstat: wait4");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	FILE *fp = fopen(argv[1], "w");
	if (!fp) {
		fprintf(stderr, "runstat: cannot write %s: %m\n", argv[1]);
		return 1;
	}
	double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(fp, "%.6f %.6f %.6f %ld %d\n", tv_s(ru.ru_utime), tv_s(ru.ru_stime), wall, ru.ru_maxrss, rc);
	fclose(fp);
	return rc;
}
