/* gen_tls.c — plausible TLS 1.2 / 1.3 handshake flights (real record and message framing, real certificates) for generated flows. */
#include <string.h>
#include "gen.h"
#include "gen_certs.h"

enum { REC_CCS = 20, REC_ALERT = 21, REC_HANDSHAKE = 22, REC_APPDATA = 23 };
enum { HS_CLIENT_HELLO = 1, HS_SERVER_HELLO = 2, HS_CERTIFICATE = 11, HS_SERVER_KEY_EXCHANGE = 12,
       HS_SERVER_HELLO_DONE = 14, HS_CLIENT_KEY_EXCHANGE = 16 };

/* Record header with a length field to close later (RFC 8446 §5.1). */
static size_t rec_open(struct buf *b, uint8_t type, uint16_t legacy)
{
	buf_u8(b, type);
	buf_u16(b, legacy);
	return buf_open_len(b, 2);
}

static size_t hs_open(struct buf *b, uint8_t type)
{
	buf_u8(b, type);
	return buf_open_len(b, 3);
}

static void ext_u16_list(struct buf *b, uint16_t type, const uint16_t *v, size_t n, int lenw)
{
	buf_u16(b, type);
	size_t e = buf_open_len(b, 2), l = buf_open_len(b, lenw);
	for (size_t i = 0; i < n; i++)
		buf_u16(b, v[i]);
	buf_close_len(b, l, lenw);
	buf_close_len(b, e, 2);
}

/* ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) with the extensions a current OpenSSL client sends. */
void tls_client_hello(struct flow *f, const char *sni, bool offer13)
{
	static const uint16_t suites13[] = { 0x1302, 0x1303, 0x1301 };
	static const uint16_t suites12[] = { 0xC02C, 0xC030, 0x009F, 0xCCA9, 0xCCA8, 0xCCAA, 0xC02B, 0xC02F,
					     0x009E, 0xC024, 0xC028, 0x006B, 0xC023, 0xC027, 0x0067, 0xC00A,
					     0xC014, 0x0039, 0xC009, 0xC013, 0x0033, 0x009D, 0x009C, 0x003D,
					     0x003C, 0x0035, 0x002F, 0x00FF };
	static const uint16_t groups[] = { 0x001D, 0x0017, 0x001E, 0x0019, 0x0018 };
	static const uint16_t sigalgs[] = { 0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080A, 0x080B,
					    0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601 };
	static const uint16_t versions[] = { 0x0304, 0x0303 };
	struct buf b = { 0 };
	size_t rec = rec_open(&b, REC_HANDSHAKE, 0x0301), hs = hs_open(&b, HS_CLIENT_HELLO);
	buf_u16(&b, 0x0303);
	buf_rand(&b, &f->rng, 32);
	buf_u8(&b, 32);
	buf_rand(&b, &f->rng, 32);
	size_t cs = buf_open_len(&b, 2);
	if (offer13)
		for (size_t i = 0; i < 3; i++)
			buf_u16(&b, suites13[i]);
	for (size_t i = 0; i < sizeof(suites12) / 2; i++)
		buf_u16(&b, suites12[i]);
	buf_close_len(&b, cs, 2);
	buf_u8(&b, 1), buf_u8(&b, 0);
	size_t exts = buf_open_len(&b, 2);
	if (sni) {		/* RFC 6066 §3 */
		size_t nl = strlen(sni);
		buf_u16(&b, 0x0000), buf_u16(&b, (uint16_t)(nl + 5)), buf_u16(&b, (uint16_t)(nl + 3));
		buf_u8(&b, 0), buf_u16(&b, (uint16_t)nl), buf_bytes(&b, sni, nl);
	}
	buf_u16(&b, 0x000B), buf_u16(&b, 4), buf_u8(&b, 3), buf_u8(&b, 0), buf_u8(&b, 1), buf_u8(&b, 2);
	ext_u16_list(&b, 0x000A, groups, 5, 2);
	buf_u16(&b, 0x0023), buf_u16(&b, 0);
	buf_u16(&b, 0x0016), buf_u16(&b, 0);
	buf_u16(&b, 0x0017), buf_u16(&b, 0);
	ext_u16_list(&b, 0x000D, sigalgs, 14, 2);
	if (offer13) {
		ext_u16_list(&b, 0x002B, versions, 2, 1);
		buf_u16(&b, 0x002D), buf_u16(&b, 2), buf_u8(&b, 1), buf_u8(&b, 1);
		buf_u16(&b, 0x0033), buf_u16(&b, 38), buf_u16(&b, 36), buf_u16(&b, 0x001D), buf_u16(&b, 32);
		buf_rand(&b, &f->rng, 32);
	}
	buf_close_len(&b, exts, 2);
	buf_close_len(&b, hs, 3);
	buf_close_len(&b, rec, 2);
	flow_lit(f, DIR_C, b.p, b.n);
	buf_free(&b);
}

/* version and suite: 0 for the usual ones (TLS 1.2 form, AES-GCM). */
static void server_hello(struct buf *b, struct rng *r, bool tls13, uint16_t version, uint16_t suite)
{
	size_t hs = hs_open(b, HS_SERVER_HELLO);
	buf_u16(b, version ? version : 0x0303);
	buf_rand(b, r, 32);
	buf_u8(b, 32);
	buf_rand(b, r, 32);
	buf_u16(b, suite ? suite : tls13 ? 0x1302 : 0xC02B);
	buf_u8(b, 0);
	size_t exts = buf_open_len(b, 2);
	if (tls13) {		/* RFC 8446 §4.2.1, §4.2.8 */
		buf_u16(b, 0x002B), buf_u16(b, 2), buf_u16(b, 0x0304);
		buf_u16(b, 0x0033), buf_u16(b, 36), buf_u16(b, 0x001D), buf_u16(b, 32);
		buf_rand(b, r, 32);
	} else {
		buf_u16(b, 0xFF01), buf_u16(b, 1), buf_u8(b, 0);
		buf_u16(b, 0x000B), buf_u16(b, 4), buf_u8(b, 3), buf_u8(b, 0), buf_u8(b, 1), buf_u8(b, 2);
		buf_u16(b, 0x0017), buf_u16(b, 0);
	}
	buf_close_len(b, exts, 2);
	buf_close_len(b, hs, 3);
}

/* Certificate message, TLS 1.2 form (RFC 5246 §7.4.2): leaf then CA. */
static void certificate12(struct buf *b)
{
	size_t hs = hs_open(b, HS_CERTIFICATE), list = buf_open_len(b, 3);
	buf_u24(b, leaf_der_len), buf_bytes(b, leaf_der, leaf_der_len);
	buf_u24(b, ca_der_len), buf_bytes(b, ca_der, ca_der_len);
	buf_close_len(b, list, 3);
	buf_close_len(b, hs, 3);
}

/* TLS 1.2: ServerHello, Certificate, ServerKeyExchange (ECDHE x25519, RFC 8422 §5.4),
 * ServerHelloDone in one record. TLS 1.3: ServerHello, the compatibility CCS (RFC 8446 §D.4), then
 * EncryptedExtensions..Finished as one encrypted record the size they would have. */
static void server_flight(struct flow *f, bool tls13, uint16_t version, uint16_t suite)
{
	struct buf b = { 0 };
	size_t rec = rec_open(&b, REC_HANDSHAKE, version ? version : 0x0303);
	server_hello(&b, &f->rng, tls13, version, suite);
	if (!tls13) {
		certificate12(&b);
		size_t hs = hs_open(&b, HS_SERVER_KEY_EXCHANGE);
		buf_u8(&b, 3), buf_u16(&b, 0x001D), buf_u8(&b, 32), buf_rand(&b, &f->rng, 32);
		buf_u16(&b, 0x0403), buf_u16(&b, 71);
		buf_u8(&b, 0x30), buf_u8(&b, 69), buf_rand(&b, &f->rng, 69);
		buf_close_len(&b, hs, 3);
		buf_u8(&b, HS_SERVER_HELLO_DONE), buf_u24(&b, 0);
	}
	buf_close_len(&b, rec, 2);
	if (tls13) {
		buf_u8(&b, REC_CCS), buf_u16(&b, 0x0303), buf_u16(&b, 1), buf_u8(&b, 1);
		uint32_t inner = 4 + 6 + 4 + 3 + 3 + leaf_der_len + 2 + 3 + ca_der_len + 2 + 4 + 76 + 4 + 48;
		rec = rec_open(&b, REC_APPDATA, 0x0303);
		buf_rand(&b, &f->rng, inner + 1 + 16);
		buf_close_len(&b, rec, 2);
	}
	flow_lit(f, DIR_S, b.p, b.n);
	buf_free(&b);
}

void tls_server_flight(struct flow *f, bool tls13)
{
	server_flight(f, tls13, 0, 0);
}

void tls_server_flight_legacy(struct flow *f, uint16_t version, uint16_t suite)
{
	server_flight(f, false, version, suite);
}

/* TLS 1.2: ClientKeyExchange, CCS, encrypted Finished. TLS 1.3: CCS and the encrypted Finished. */
void tls_client_finish(struct flow *f, bool tls13)
{
	struct buf b = { 0 };
	if (!tls13) {
		size_t rec = rec_open(&b, REC_HANDSHAKE, 0x0303), hs = hs_open(&b, HS_CLIENT_KEY_EXCHANGE);
		buf_u8(&b, 32), buf_rand(&b, &f->rng, 32);
		buf_close_len(&b, hs, 3);
		buf_close_len(&b, rec, 2);
	}
	buf_u8(&b, REC_CCS), buf_u16(&b, 0x0303), buf_u16(&b, 1), buf_u8(&b, 1);
	uint8_t type = tls13 ? REC_APPDATA : REC_HANDSHAKE;
	size_t rec = rec_open(&b, type, 0x0303);
	buf_rand(&b, &f->rng, tls13 ? 4 + 48 + 1 + 16 : 40);
	buf_close_len(&b, rec, 2);
	flow_lit(f, DIR_C, b.p, b.n);
	buf_free(&b);
}

/* TLS 1.2: NewSessionTicket-less CCS + encrypted Finished. TLS 1.3: two encrypted NewSessionTickets. */
void tls_server_finish(struct flow *f, bool tls13)
{
	struct buf b = { 0 };
	if (!tls13) {
		buf_u8(&b, REC_CCS), buf_u16(&b, 0x0303), buf_u16(&b, 1), buf_u8(&b, 1);
		size_t rec = rec_open(&b, REC_HANDSHAKE, 0x0303);
		buf_rand(&b, &f->rng, 40);
		buf_close_len(&b, rec, 2);
	} else {
		for (int i = 0; i < 2; i++) {
			size_t rec = rec_open(&b, REC_APPDATA, 0x0303);
			buf_rand(&b, &f->rng, 4 + 4 + 4 + 1 + 8 + 2 + 192 + 2 + 1 + 16);
			buf_close_len(&b, rec, 2);
		}
	}
	flow_lit(f, DIR_S, b.p, b.n);
	buf_free(&b);
}

/* Application data records for len plaintext bytes: full records carry 16 KiB plus the AEAD
 * overhead (TLS 1.2 GCM: 8-byte explicit nonce + 16-byte tag; TLS 1.3: content type + 16-byte tag). */
void tls_appdata(struct flow *f, int dir, uint32_t len, bool tls13)
{
	uint32_t over = tls13 ? 17 : 24;
	uint32_t nrec = len / 16384 + (len % 16384 ? 1 : 0);
	if (nrec == 0)
		nrec = 1;
	flow_fill(f, dir, FILL_TLS, len + nrec * (5 + over), (uint16_t)(16384 + over));
}

/* Alert record (RFC 8446 §6): in clear during the handshake, encrypted (opaque) after it. */
void tls_alert(struct flow *f, int dir, uint8_t desc, bool encrypted)
{
	struct buf b = { 0 };
	if (encrypted) {
		size_t rec = rec_open(&b, REC_APPDATA, 0x0303);
		buf_rand(&b, &f->rng, 2 + 1 + 16);
		buf_close_len(&b, rec, 2);
	} else {
		buf_u8(&b, REC_ALERT), buf_u16(&b, 0x0303), buf_u16(&b, 2), buf_u8(&b, 2), buf_u8(&b, desc);
	}
	flow_lit(f, dir, b.p, b.n);
	buf_free(&b);
}
