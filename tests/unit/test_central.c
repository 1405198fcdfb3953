/* test_central.c — the fleet database's address forms: which --db values are PostgreSQL, and
 * passwords taken out of every form before a URL is printed. */
#include <stdio.h>
#include <string.h>
#include "central.h"
#include "check.h"

static void redacts(const char *url, const char *want)
{
	char out[512];

	central_redact(url, out, sizeof(out));
	if (strcmp(out, want) != 0)
		fprintf(stderr, "redact '%s': got '%s', want '%s'\n", url, out, want);
	CHECK(strcmp(out, want) == 0);
	CHECK(strstr(out, "s3cret") == NULL);
}

int main(void)
{
	CHECK(central_is_url("postgresql://central/mailtap"));
	CHECK(central_is_url("postgres://u@h:5433/db"));
	CHECK(central_is_url("service=mailtap"));
	CHECK(central_is_url("host=/tmp dbname=x"));
	CHECK(central_is_url("dbname = x"));
	CHECK(!central_is_url("./mailtap.db"));
	CHECK(!central_is_url("/var/lib/mailtap/mailtap.db"));
	CHECK(!central_is_url("mailtap.db"));
	CHECK(!central_is_url("=x"));
	CHECK(!central_is_url(""));
	CHECK(!central_is_url(NULL));

	redacts("postgresql://central/mailtap", "postgresql://central/mailtap");
	redacts("postgresql://u:s3cret@central:5432/mailtap", "postgresql://u@central:5432/mailtap");
	redacts("postgres://u:s3cret@h1,h2/db?sslmode=require", "postgres://u@h1,h2/db?sslmode=require");
	redacts("postgresql://u:p%40ss:s3cret@h/db", "postgresql://u@h/db");
	redacts("postgresql://u@/db?host=/tmp&password=s3cret&port=5",
		"postgresql://u@/db?host=/tmp&port=5");
	redacts("postgresql:///db?password=s3cret", "postgresql:///db");
	redacts("postgresql://h/db?password=s3cret#frag", "postgresql://h/db#frag");
	redacts("host=/tmp password=s3cret dbname=x", "host=/tmp dbname=x");
	redacts("host=/tmp password = 's3 cret\\' s3cret' dbname=x", "host=/tmp dbname=x");
	redacts("password=s3cret", "");
	redacts("service=mailtap", "service=mailtap");

	char small[8];
	central_redact("postgresql://u:s3cret@central/mailtap", small, sizeof(small));
	CHECK(strlen(small) == 7 && strstr(small, "s3") == NULL);

	fprintf(stderr, "ok: %d failure(s)\n", failures);
	return failures != 0;
}
