/* test_jsonout.c — JSON lines: Community ID against the specification's vectors, escaping, shape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "jsonout.h"

static int failures;

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "%s:%d: CHECK failed: %s\n", \
	__FILE__, __LINE__, #cond); failures++; } } while (0)

static void v4(struct ip_addr *x, unsigned a, unsigned b, unsigned c, unsigned d)
{
	memset(x, 0, sizeof(*x));
	x->family = 4;
	x->a[0] = (uint8_t)a, x->a[1] = (uint8_t)b, x->a[2] = (uint8_t)c, x->a[3] = (uint8_t)d;
}

int main(void)
{
	struct session s;
	char cid[48];

	/* Vector from the Community ID specification's baseline (tcp, seed 0). */
	session_init(&s);
	v4(&s.client_ip, 128, 232, 110, 120);
	v4(&s.server_ip, 66, 35, 250, 204);
	s.client_port = 34855;
	s.server_port = 80;
	CHECK(strcmp(community_id(&s, cid, sizeof(cid)), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=") == 0);
	/* Direction does not matter. */
	struct session r = s;
	r.client_ip = s.server_ip, r.server_ip = s.client_ip;
	r.client_port = 80, r.server_port = 34855;
	CHECK(strcmp(community_id(&r, cid, sizeof(cid)), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=") == 0);

	/* Escaping: quotes, backslashes and control bytes never break a line. */
	char out[128];
	json_quote(out, sizeof(out), "a\"b\\c\x01\n");
	CHECK(strcmp(out, "\"a\\\"b\\\\c\\u0001\\u000a\"") == 0);

	/* One session with a finding: two lines, each a JSON object with the fields documented. */
	char path[] = "/tmp/test_jsonout_XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	char err[256];
	struct jsonout *j = jsonout_open(path, "sensor-a", err, sizeof(err));
	CHECK(j != NULL);
	session_set_str(&s.helo, (const uint8_t *)"printer\"1", 9);
	session_add_finding(&s, FK_CLEARTEXT_MAIL, 1764324000000000ULL, "MAIL FROM in clear");
	s.transport = TRANSPORT_PLAIN;
	CHECK(jsonout_session(j, &s) == 0);
	jsonout_close(j);
	FILE *fp = fopen(path, "r");
	char line[4096];
	int lines = 0;
	while (fp && fgets(line, sizeof(line), fp)) {
		lines++;
		CHECK(line[0] == '{' && strstr(line, "}\n"));
		CHECK(strstr(line, "\"sensor\":\"sensor-a\""));
		CHECK(strstr(line, "\"community_id\":\"1:LQU9qZlK+B5F3KDmev6m5PMibrg=\""));
	}
	CHECK(lines == 2);
	if (fp)
		fclose(fp);
	unlink(path);
	session_free(&s);
	if (failures) {
		fprintf(stderr, "test_jsonout: %d failures\n", failures);
		return 1;
	}
	printf("test_jsonout: all passed\n");
	return 0;
}
