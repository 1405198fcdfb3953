/* report_fmt.c — `mailtap report` output: text, CSV (RFC 4180), JSON, HTML with SVG, TLS-RPT JSON. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "report_int.h"

const char *report_severity_name(int rank)
{
	static const char *const names[] = { "", "low", "medium", "high", "critical" };

	return rank >= 0 && rank <= 4 ? names[rank] : "";
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* ---- escaping, one function per target ---- */

/* Terminal: printable ASCII only; anything else as \xNN (the sensor stores it so already). */
static void put_term(FILE *f, const char *s, int width)
{
	int n = 0;

	for (const unsigned char *p = (const unsigned char *)nz(s); *p; p++)
		n += *p >= 0x20 && *p < 0x7f ? fprintf(f, "%c", *p) : fprintf(f, "\\x%02x", *p);
	for (; n < width; n++)
		fputc(' ', f);
}

static int term_len(const char *s)
{
	int n = 0;

	for (const unsigned char *p = (const unsigned char *)nz(s); *p; p++)
		n += *p >= 0x20 && *p < 0x7f ? 1 : 4;
	return n;
}

/* RFC 4180 §2 field; a cell that a spreadsheet would run as a formula gets a leading quote. */
static void put_csv(FILE *f, const char *s)
{
	bool formula = s && s[0] && strchr("=+-@\t\r", s[0]);
	bool quote = formula || (s && strpbrk(s, ",\"\r\n"));

	if (quote)
		fputc('"', f);
	if (formula)
		fputc('\'', f);
	for (const char *p = nz(s); *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	if (quote)
		fputc('"', f);
}

/* JSON string (RFC 8259 §7), bytes outside printable ASCII as \u00XX so the output is valid. */
static void put_json(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* HTML text or attribute value. */
static void put_html(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)nz(s); *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if (*p < 0x20 || *p >= 0x7f)
				fprintf(f, "\\x%02x", *p);
			else
				fputc(*p, f);
		}
	}
}

/* A comma-separated list as a JSON array. */
static void put_json_list(FILE *f, const char *list)
{
	char item[512];
	const char *p = list;

	fputc('[', f);
	while (p && *p) {
		size_t n = strcspn(p, ",");
		snprintf(item, sizeof(item), "%.*s", (int)n, p);
		put_json(f, item);
		p += n;
		if (*p == ',' && *++p)
			fputs(", ", f);
	}
	fputc(']', f);
}

/* ---- text ---- */

/* COL_SENSOR: fleet reports only (the first column). */
enum { COL_SENSOR, COL_ADDR, COL_NAME, COL_KIND, COL_VENDOR, COL_CLEAR, COL_PROTOS, COL_SERVERS,
       COL_LAST, COL_WORST, COL_KINDS, COL__COUNT };

static void text_cells(const struct report_device *d, const char *cell[COL__COUNT], char *ratio,
		       size_t cap)
{
	snprintf(ratio, cap, "%ld/%ld", d->clear, d->total);
	cell[COL_SENSOR] = d->sensor;
	cell[COL_ADDR] = d->ip;
	cell[COL_NAME] = d->name;
	cell[COL_KIND] = d->kind;
	cell[COL_VENDOR] = d->vendor ? d->vendor : d->mac;
	cell[COL_CLEAR] = ratio;
	cell[COL_PROTOS] = d->protocols;
	cell[COL_SERVERS] = d->servers;
	cell[COL_LAST] = d->last_seen;
	cell[COL_WORST] = report_severity_name(d->worst);
	cell[COL_KINDS] = d->kinds;
}

/* Below the table: why each device got its kind, its DHCP name, and the router-MAC note. */
static void text_notes(const struct report *r, FILE *f, int addr_width)
{
	fputs("\nWhy each device is what it is:\n", f);
	for (size_t i = 0; i < r->ndev; i++) {
		const struct report_device *d = &r->dev[i];
		fputs("  ", f);
		put_term(f, d->ip, addr_width + 2);
		put_term(f, d->kind_reason, 0);
		if (d->dhcp_name) {
			fputs("; DHCP name ", f);
			put_term(f, d->dhcp_name, 0);
		}
		if (d->mac_note) {
			fputs("; ", f);
			put_term(f, d->mac_note, 0);
		}
		fputc('\n', f);
	}
}

static int write_text(const struct report *r, FILE *f)
{
	static const char *const head[COL__COUNT] = { "SENSOR", "ADDRESS", "NAME", "KIND", "VENDOR",
		"CLEAR/TOTAL", "PROTOCOLS", "SERVERS", "LAST SEEN", "WORST", "FINDINGS" };
	const char *cell[COL__COUNT];
	char ratio[48];
	int width[COL__COUNT];
	int first = r->fleet ? COL_SENSOR : COL_ADDR;

	fprintf(f, "mailtap report: devices that sent mail without TLS between %s and %s\n\n",
		r->since_iso, r->until_iso);
	if (r->ndev == 0) {
		fprintf(f, "no device sent mail in clear between %s and %s\n", r->since_iso,
			r->until_iso);
		return 0;
	}
	for (int c = 0; c < COL__COUNT; c++)
		width[c] = (int)strlen(head[c]);
	for (size_t i = 0; i < r->ndev; i++) {
		text_cells(&r->dev[i], cell, ratio, sizeof(ratio));
		for (int c = 0; c < COL__COUNT; c++)
			if (term_len(cell[c]) > width[c])
				width[c] = term_len(cell[c]);
	}
	for (int c = first; c < COL__COUNT; c++)
		put_term(f, head[c], c + 1 < COL__COUNT ? width[c] + 2 : 0);
	fputc('\n', f);
	for (size_t i = 0; i < r->ndev; i++) {
		text_cells(&r->dev[i], cell, ratio, sizeof(ratio));
		for (int c = first; c < COL__COUNT; c++)
			put_term(f, cell[c], c + 1 < COL__COUNT ? width[c] + 2 : 0);
		fputc('\n', f);
	}
	fprintf(f, "\n%zu device(s) sent mail in clear.\n", r->ndev);
	text_notes(r, f, width[COL_ADDR]);
	return 0;
}

/* ---- CSV ---- */

static int write_csv(const struct report *r, FILE *f)
{
	char n[32];

	if (r->fleet)
		fputs("sensor,", f);
	fputs("address,name,vendor,mac,cleartext_sessions,sessions,protocols,servers,last_seen,"
	      "worst_severity,finding_kinds,kind,kind_reason,dhcp_host_name,mac_note\r\n", f);
	for (size_t i = 0; i < r->ndev; i++) {
		const struct report_device *d = &r->dev[i];
		const char *cells[] = { d->ip, d->name, d->vendor, d->mac };
		if (r->fleet) {
			put_csv(f, d->sensor);
			fputc(',', f);
		}
		for (int c = 0; c < 4; c++) {
			put_csv(f, cells[c]);
			fputc(',', f);
		}
		snprintf(n, sizeof(n), "%ld,%ld,", d->clear, d->total);
		fputs(n, f);
		put_csv(f, d->protocols);
		fputc(',', f);
		put_csv(f, d->servers);
		fputc(',', f);
		put_csv(f, d->last_seen);
		fputc(',', f);
		put_csv(f, report_severity_name(d->worst));
		fputc(',', f);
		put_csv(f, d->kinds);
		for (int c = 0; c < 4; c++) {
			const char *more[] = { d->kind, d->kind_reason, d->dhcp_name, d->mac_note };
			fputc(',', f);
			put_csv(f, more[c]);
		}
		fputs("\r\n", f);
	}
	return 0;
}

/* ---- JSON ---- */

static void json_device(const struct report_device *d, bool fleet, FILE *f)
{
	fputs("    {", f);
	if (fleet) {
		fputs("\"sensor\": ", f);
		put_json(f, d->sensor);
		fputs(", ", f);
	}
	fputs("\"address\": ", f);
	put_json(f, d->ip);
	fputs(", \"name\": ", f);
	put_json(f, d->name);
	fputs(", \"vendor\": ", f);
	put_json(f, d->vendor);
	fputs(", \"mac\": ", f);
	put_json(f, d->mac);
	fprintf(f, ", \"cleartext_sessions\": %ld, \"sessions\": %ld, \"protocols\": ", d->clear,
		d->total);
	put_json_list(f, d->protocols);
	fputs(", \"servers\": ", f);
	put_json_list(f, d->servers);
	fputs(", \"last_seen\": ", f);
	put_json(f, d->last_seen);
	fputs(", \"worst_severity\": ", f);
	put_json(f, d->worst ? report_severity_name(d->worst) : NULL);
	fputs(", \"finding_kinds\": ", f);
	put_json_list(f, d->kinds);
	fputs(", \"kind\": ", f);
	put_json(f, d->kind);
	fputs(", \"kind_reason\": ", f);
	put_json(f, d->kind_reason);
	fputs(", \"dhcp_host_name\": ", f);
	put_json(f, d->dhcp_name);
	fprintf(f, ", \"mac_is_router\": %s, \"mac_note\": ", d->mac_note ? "true" : "false");
	put_json(f, d->mac_note);
	fputc('}', f);
}

static int write_json(const struct report *r, FILE *f)
{
	fprintf(f, "{\n  \"schema_version\": %d,\n  \"generator\": \"mailtap\",\n", REPORT_JSON_VERSION);
	fprintf(f, "  \"window\": {\"since\": \"%s\", \"until\": \"%s\"},\n", r->since_iso,
		r->until_iso);
	fputs("  \"devices\": [\n", f);
	for (size_t i = 0; i < r->ndev; i++) {
		json_device(&r->dev[i], r->fleet, f);
		fputs(i + 1 < r->ndev ? ",\n" : "\n", f);
	}
	fputs("  ]\n}\n", f);
	return 0;
}

/* ---- TLS-RPT (RFC 8460 §4) ---- */

/* A JSON array of the parts of list split at sep (RFC 8460 §4.4 policy-string, mx-host). */
static void json_list(FILE *f, const char *list, const char *sep)
{
	char part[512];
	size_t sl = strlen(sep);

	fputc('[', f);
	for (const char *p = list; p && *p;) {
		const char *end = strstr(p, sep);
		size_t n = end ? (size_t)(end - p) : strlen(p);
		snprintf(part, sizeof(part), "%.*s", (int)n, p);
		put_json(f, part);
		p = end ? end + sl : p + n;
		if (*p)
			fputs(", ", f);
	}
	fputc(']', f);
}

/* RFC 8460 §4.4: the policy (type, string, domain, MX hosts), summary and failure details. */
static void tlsrpt_policy(const struct report_server *s, FILE *f)
{
	fputs("    {\n      \"policy\": {\"policy-type\": ", f);
	put_json(f, s->type ? s->type : "no-policy-found");
	if (s->type && strcmp(s->type, "tlsa") == 0 && s->tlsa) {
		fputs(", \"policy-string\": ", f);
		json_list(f, s->tlsa, "; ");
	}
	fputs(", \"policy-domain\": ", f);
	put_json(f, s->domain ? s->domain : s->name ? s->name : s->ip);
	fputs(", \"mx-host\": ", f);
	json_list(f, s->mx ? s->mx : s->name, ",");
	fprintf(f, "},\n      \"summary\": {\"total-successful-session-count\": %ld, "
		"\"total-failure-session-count\": %ld},\n      \"failure-details\": [", s->ok,
		s->failed);
	for (size_t j = 0; j < s->nfail; j++) {
		const struct report_failure *x = &s->fail[j];
		fputs(j ? ",\n        {\"result-type\": " : "\n        {\"result-type\": ", f);
		put_json(f, x->result_type);
		fputs(", \"sending-mta-ip\": ", f);
		put_json(f, x->sending_ip);
		fputs(", \"receiving-ip\": ", f);
		put_json(f, x->receiving_ip);
		if (x->mx_name) {
			fputs(", \"receiving-mx-hostname\": ", f);
			put_json(f, x->mx_name);
		}
		fprintf(f, ", \"failed-session-count\": %ld}", x->count);
	}
	fputs(s->nfail ? "\n      ]\n    }" : "]\n    }", f);
}

static int write_tlsrpt(const struct report *r, FILE *f)
{
	char id[96];

	snprintf(id, sizeof(id), "mailtap-%s-%s", r->since_iso, r->until_iso);
	fputs("{\n  \"organization-name\": \"mailtap\",\n", f);
	fprintf(f, "  \"date-range\": {\"start-datetime\": \"%s\", \"end-datetime\": \"%s\"},\n",
		r->since_iso, r->until_iso);
	fputs("  \"contact-info\": \"local administrator\",\n  \"report-id\": ", f);
	put_json(f, id);
	fputs(",\n  \"note\": \"RFC 8460 compatible output from passive observation by mailtap; "
	      "not a report received from a domain. Successful sessions: completed TLS without a "
	      "failure finding.\",\n  \"policies\": [\n", f);
	for (size_t i = 0; i < r->nsrv; i++) {
		tlsrpt_policy(&r->srv[i], f);
		fputs(i + 1 < r->nsrv ? ",\n" : "\n", f);
	}
	fputs("  ]\n}\n", f);
	return 0;
}

/* ---- HTML ---- */

/* Horizontal bars: one per device, length proportional to its cleartext sessions. */
static void svg_devices(const struct report *r, FILE *f)
{
	long max = 1;
	size_t n = r->ndev;

	for (size_t i = 0; i < n; i++)
		if (r->dev[i].clear > max)
			max = r->dev[i].clear;
	fprintf(f, "<h2>Cleartext sessions per device</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\""
		" width=\"720\" height=\"%zu\" role=\"img\">\n", n * 22 + 10);
	for (size_t i = 0; i < n; i++) {
		long w = r->dev[i].clear * 440 / max;
		fprintf(f, "<text x=\"0\" y=\"%zu\" font-size=\"12\">", i * 22 + 20);
		put_html(f, r->dev[i].ip);
		fprintf(f, "</text><rect x=\"220\" y=\"%zu\" width=\"%ld\" height=\"16\" "
			"fill=\"#c0392b\"/><text x=\"%ld\" y=\"%zu\" font-size=\"12\">%ld</text>\n",
			i * 22 + 7, w > 0 ? w : 1, 226 + w, i * 22 + 20, r->dev[i].clear);
	}
	fputs("</svg>\n", f);
}

/* Vertical bars: one per UTC day with cleartext sessions. */
static void svg_days(const struct report *r, FILE *f)
{
	long max = 1;
	size_t n = r->nday, bw = 40;

	for (size_t i = 0; i < n; i++)
		if (r->day[i].clear > max)
			max = r->day[i].clear;
	fprintf(f, "<h2>Cleartext sessions per day</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\""
		" width=\"%zu\" height=\"200\" role=\"img\">\n", n * (bw + 8) + 10);
	for (size_t i = 0; i < n; i++) {
		long h = r->day[i].clear * 140 / max;
		if (h < 1)
			h = 1;
		fprintf(f, "<rect x=\"%zu\" y=\"%ld\" width=\"%zu\" height=\"%ld\" fill=\"#c0392b\">"
			"<title>", i * (bw + 8) + 5, 160 - h, bw, h);
		put_html(f, r->day[i].day);
		fprintf(f, ": %ld</title></rect><text x=\"%zu\" y=\"%ld\" font-size=\"11\">%ld</text>"
			"<text x=\"%zu\" y=\"180\" font-size=\"9\">", r->day[i].clear,
			i * (bw + 8) + 5, 155 - h, r->day[i].clear, i * (bw + 8) + 5);
		put_html(f, r->day[i].day + 5);
		fputs("</text>\n", f);
	}
	fputs("</svg>\n", f);
}

static void html_row(const struct report_device *d, bool fleet, FILE *f)
{
	const char *cells[] = { d->ip, d->name, d->kind, d->kind_reason, d->vendor, d->mac };

	fputs("<tr>", f);
	if (fleet) {
		fputs("<td>", f);
		put_html(f, d->sensor);
		fputs("</td>", f);
	}
	for (int c = 0; c < 6; c++) {
		fputs(c == 1 ? "<td class=\"n\">" : "<td>", f);	/* names can be 255 bytes */
		put_html(f, cells[c]);
		if (c == 3 && d->dhcp_name) {
			fputs("; DHCP name ", f);
			put_html(f, d->dhcp_name);
		}
		if (c == 5 && d->mac_note) {
			fputs("<br><small>", f);
			put_html(f, d->mac_note);
			fputs("</small>", f);
		}
		fputs("</td>", f);
	}
	fprintf(f, "<td>%ld / %ld</td><td>", d->clear, d->total);
	put_html(f, d->protocols);
	fputs("</td><td>", f);
	put_html(f, d->servers);
	fputs("</td><td>", f);
	put_html(f, d->last_seen);
	fprintf(f, "</td><td class=\"%s\">%s</td><td>", report_severity_name(d->worst),
		report_severity_name(d->worst));
	put_html(f, d->kinds);
	fputs("</td></tr>\n", f);
}

static int write_html(const struct report *r, FILE *f)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<title>mailtap: devices sending mail without TLS</title>\n<style>\n"
	      "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
	      "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}"
	      "td.n{min-width:12em;max-width:22em;overflow-wrap:anywhere}"
	      ".critical{background:#e74c3c;color:#fff}.high{background:#f39c12}"
	      ".medium{background:#f7dc6f}\n</style></head><body>\n"
	      "<h1>Devices that sent mail without TLS</h1>\n", f);
	fprintf(f, "<p>Window: %s to %s (UTC).</p>\n", r->since_iso, r->until_iso);
	if (r->ndev == 0) {
		fprintf(f, "<p>No device sent mail in clear between %s and %s.</p>\n", r->since_iso,
			r->until_iso);
	} else {
		fputs(r->fleet ? "<table>\n<tr><th>Sensor</th>" : "<table>\n<tr>", f);
		fputs("<th>Address</th><th>Name</th><th>Kind</th><th>Why</th><th>Vendor</th>"
		      "<th>MAC</th>"
		      "<th>Clear / total</th><th>Protocols</th><th>Servers</th><th>Last seen</th><th>Worst</th>"
		      "<th>Findings</th></tr>\n", f);
		for (size_t i = 0; i < r->ndev; i++)
			html_row(&r->dev[i], r->fleet, f);
		fputs("</table>\n", f);
		svg_devices(r, f);
		svg_days(r, f);
	}
	fputs("</body></html>\n", f);
	return 0;
}

int report_write(const struct report *r, enum report_format fmt, FILE *out)
{
	switch (fmt) {
	case RF_TEXT: return write_text(r, out);
	case RF_CSV: return write_csv(r, out);
	case RF_JSON: return write_json(r, out);
	case RF_HTML: return write_html(r, out);
	case RF_TLSRPT: return write_tlsrpt(r, out);
	}
	return -1;
}
