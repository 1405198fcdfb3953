/* jsonout.c — findings and finished sessions as JSON lines, one object per line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "jsonout.h"
#include "tls_names.h"

struct jsonout {
	FILE *fp;
	char *path;		/* NULL for standard output */
	char *sensor;
};

struct jsonout *jsonout_open(const char *path, const char *sensor_name, char *err, size_t errcap)
{
	struct jsonout *j = calloc(1, sizeof(*j));

	if (!j) {
		snprintf(err, errcap, "out of memory");
		return NULL;
	}
	char host[256] = "mailtap";
	if (!sensor_name && gethostname(host, sizeof(host) - 1) == 0)
		host[sizeof(host) - 1] = '\0';
	j->sensor = strdup(sensor_name ? sensor_name : host);
	if (strcmp(path, "-") == 0) {
		j->fp = stdout;
	} else {
		j->path = strdup(path);
		j->fp = fopen(path, "a");
		if (!j->fp) {
			snprintf(err, errcap, "--json: cannot open '%s' for appending: %s; check the "
				 "directory exists and is writable", path, strerror(errno));
			free(j->path);
			free(j->sensor);
			free(j);
			return NULL;
		}
	}
	return j;
}

size_t json_quote(char *out, size_t cap, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (cap < 3)
		return 0;
	out[o++] = '"';
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[7];
		size_t n;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			n = 2;
		} else if (c < 0x20 || c >= 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		} else {
			esc[0] = (char)c;
			n = 1;
		}
		if (o + n + 2 > cap)
			break;
		memcpy(out + o, esc, n);
		o += n;
	}
	out[o++] = '"';
	out[o] = '\0';
	return o;
}

const char *community_id(const struct session *s, char *out, size_t cap)
{
	/* https://github.com/corelight/community-id-spec: seed, addresses and ports in network
	 * order, the lower endpoint first, protocol 6 and one pad byte. */
	uint8_t buf[2 + 16 + 16 + 2 + 2 + 2], md[EVP_MAX_MD_SIZE];
	unsigned alen = s->client_ip.family == 6 ? 16 : 4, mdlen = 0;
	const uint8_t *a = s->client_ip.a, *b = s->server_ip.a;
	uint16_t pa = s->client_port, pb = s->server_port;
	int c = memcmp(a, b, alen);
	size_t n = 0;

	if (c > 0 || (c == 0 && pa > pb)) {
		const uint8_t *t = a;
		uint16_t tp = pa;
		a = b, b = t, pa = pb, pb = tp;
	}
	buf[n++] = 0, buf[n++] = 0;
	memcpy(buf + n, a, alen), n += alen;
	memcpy(buf + n, b, alen), n += alen;
	buf[n++] = 6, buf[n++] = 0;
	buf[n++] = (uint8_t)(pa >> 8), buf[n++] = (uint8_t)pa;
	buf[n++] = (uint8_t)(pb >> 8), buf[n++] = (uint8_t)pb;
	if (cap < 40 || EVP_Digest(buf, n, md, &mdlen, EVP_sha1(), NULL) != 1) {
		if (cap)
			out[0] = '\0';
		return out;
	}
	memcpy(out, "1:", 2);
	EVP_EncodeBlock((unsigned char *)out + 2, md, (int)mdlen);
	return out;
}

static void put_str(FILE *fp, const char *key, const char *val)
{
	char buf[SESSION_STR_MAX * 6 + 8];

	if (!val)
		return;
	json_quote(buf, sizeof(buf), val);
	fprintf(fp, ",\"%s\":%s", key, buf);
}

static void put_endpoints(FILE *fp, const struct session *s)
{
	char c[64], v[64], cid[48];

	fprintf(fp, ",\"client_ip\":\"%s\",\"client_port\":%u,\"server_ip\":\"%s\",\"server_port\":%u"
		",\"community_id\":\"%s\"",
		ip_addr_str(&s->client_ip, c, sizeof(c)), s->client_port,
		ip_addr_str(&s->server_ip, v, sizeof(v)), s->server_port,
		community_id(s, cid, sizeof(cid)));
}

int jsonout_session(struct jsonout *j, const struct session *s)
{
	char ts[32], te[32], sensor[256];
	FILE *fp = j->fp;

	json_quote(sensor, sizeof(sensor), j->sensor);
	fprintf(fp, "{\"type\":\"session\",\"sensor\":%s,\"start\":\"%s\",\"end\":\"%s\"", sensor,
		ts_iso(s->start_us, ts, sizeof(ts)), ts_iso(s->end_us, te, sizeof(te)));
	put_endpoints(fp, s);
	fprintf(fp, ",\"protocol\":\"%s\",\"transport\":\"%s\",\"midstream\":%s",
		mail_proto_name((enum mail_proto)s->protocol), transport_name(s->transport),
		s->midstream ? "true" : "false");
	if (s->tunnel != TUNNEL_NONE) {
		put_str(fp, "tunnel", tunnel_kind_name((enum tunnel_kind)s->tunnel));
		put_str(fp, "tunnel_host", s->tunnel_host);
		if (s->tunnel_port)
			fprintf(fp, ",\"tunnel_port\":%u", s->tunnel_port);
	}
	if (s->starttls_offered >= 0)
		fprintf(fp, ",\"starttls_offered\":%s", s->starttls_offered ? "true" : "false");
	fprintf(fp, ",\"starttls_requested\":%s", s->starttls_requested ? "true" : "false");
	if (s->starttls_reply)
		fprintf(fp, ",\"starttls_reply\":%d", s->starttls_reply);
	fprintf(fp, ",\"mail_count\":%u", s->mail_count);
	put_str(fp, "helo", s->helo);
	put_str(fp, "banner", s->banner);
	put_str(fp, "auth_mechanism", s->auth_mechanism);
	put_str(fp, "rcpt_domain", s->rcpt_domain);
	put_str(fp, "policy_domain", s->policy_domain);
	if (s->policy[0])
		put_str(fp, "policy", s->policy);
	if (s->tls.version)
		put_str(fp, "tls_version", tls_version_name(s->tls.version));
	if (s->tls.cipher)
		put_str(fp, "tls_cipher", tls_cipher_name(s->tls.cipher));
	put_str(fp, "sni", s->tls.sni);
	if (s->tls.ja3[0])
		put_str(fp, "ja3", s->tls.ja3);
	put_str(fp, "cert_subject", s->tls.cert_subject);
	put_str(fp, "cert_issuer", s->tls.cert_issuer);
	if (s->tls.cert_present)
		put_str(fp, "cert_not_after", s->tls.cert_not_after);
	fputs("}\n", fp);
	for (unsigned i = 0; i < s->nfindings; i++) {
		const struct finding *f = &s->findings[i];
		char detail[FINDING_DETAIL_MAX * 6 + 8];
		json_quote(detail, sizeof(detail), f->detail);
		fprintf(fp, "{\"type\":\"finding\",\"sensor\":%s,\"ts\":\"%s\"", sensor,
			ts_iso(f->ts_us, ts, sizeof(ts)));
		put_endpoints(fp, s);
		fprintf(fp, ",\"kind\":\"%s\",\"severity\":\"%s\",\"detail\":%s}\n",
			finding_kind_name(f->kind), severity_name(finding_kind_severity(f->kind)),
			detail);
	}
	return ferror(fp) ? -1 : 0;
}

int jsonout_reopen(struct jsonout *j)
{
	if (!j->path)
		return 0;
	FILE *fp = fopen(j->path, "a");
	if (!fp)
		return -1;
	fclose(j->fp);
	j->fp = fp;
	return 0;
}

void jsonout_close(struct jsonout *j)
{
	if (!j)
		return;
	fflush(j->fp);
	if (j->path)
		fclose(j->fp);
	free(j->path);
	free(j->sensor);
	free(j);
}
