/* tls_names.c — printable names of TLS versions, cipher suites (IANA registry) and alerts. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "tls_names.h"

const char *tls_version_name(uint16_t v)
{
	switch (v) {
	case 0x0002: return "SSLv2";
	case 0x0300: return "SSLv3";
	case 0x0301: return "TLSv1.0";
	case 0x0302: return "TLSv1.1";
	case 0x0303: return "TLSv1.2";
	case 0x0304: return "TLSv1.3";
	}
	return NULL;
}

struct suite_name {
	uint16_t id;
	const char *name;
};

/* IANA "TLS Cipher Suites" registry (RFC 5246 App. C, RFC 4492, RFC 5289, RFC 7905, RFC 8446 §B.4),
 * plus the pre-standard EXPORT1024 suites still found in old stacks. Sorted by id. */
static const struct suite_name suites[] = {
	{ 0x0000, "TLS_NULL_WITH_NULL_NULL" },
	{ 0x0001, "TLS_RSA_WITH_NULL_MD5" },
	{ 0x0002, "TLS_RSA_WITH_NULL_SHA" },
	{ 0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5" },
	{ 0x0004, "TLS_RSA_WITH_RC4_128_MD5" },
	{ 0x0005, "TLS_RSA_WITH_RC4_128_SHA" },
	{ 0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5" },
	{ 0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA" },
	{ 0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x0009, "TLS_RSA_WITH_DES_CBC_SHA" },
	{ 0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0x000B, "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x000C, "TLS_DH_DSS_WITH_DES_CBC_SHA" },
	{ 0x000D, "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA" },
	{ 0x000E, "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x000F, "TLS_DH_RSA_WITH_DES_CBC_SHA" },
	{ 0x0010, "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA" },
	{ 0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA" },
	{ 0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA" },
	{ 0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0x0017, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5" },
	{ 0x0018, "TLS_DH_anon_WITH_RC4_128_MD5" },
	{ 0x0019, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA" },
	{ 0x001A, "TLS_DH_anon_WITH_DES_CBC_SHA" },
	{ 0x001B, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA" },
	{ 0x002C, "TLS_PSK_WITH_NULL_SHA" },
	{ 0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA" },
	{ 0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA" },
	{ 0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA" },
	{ 0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA" },
	{ 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA" },
	{ 0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA" },
	{ 0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA" },
	{ 0x003A, "TLS_DH_anon_WITH_AES_256_CBC_SHA" },
	{ 0x003B, "TLS_RSA_WITH_NULL_SHA256" },
	{ 0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256" },
	{ 0x0040, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256" },
	{ 0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA" },
	{ 0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA" },
	{ 0x0060, "TLS_RSA_EXPORT1024_WITH_RC4_56_MD5" },
	{ 0x0061, "TLS_RSA_EXPORT1024_WITH_RC2_CBC_56_MD5" },
	{ 0x0062, "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA" },
	{ 0x0063, "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA" },
	{ 0x0064, "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA" },
	{ 0x0065, "TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA" },
	{ 0x0066, "TLS_DHE_DSS_WITH_RC4_128_SHA" },
	{ 0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0x006A, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256" },
	{ 0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256" },
	{ 0x006C, "TLS_DH_anon_WITH_AES_128_CBC_SHA256" },
	{ 0x006D, "TLS_DH_anon_WITH_AES_256_CBC_SHA256" },
	{ 0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA" },
	{ 0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA" },
	{ 0x008A, "TLS_PSK_WITH_RC4_128_SHA" },
	{ 0x008B, "TLS_PSK_WITH_3DES_EDE_CBC_SHA" },
	{ 0x008C, "TLS_PSK_WITH_AES_128_CBC_SHA" },
	{ 0x008D, "TLS_PSK_WITH_AES_256_CBC_SHA" },
	{ 0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0x00A2, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256" },
	{ 0x00A3, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384" },
	{ 0x00A6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256" },
	{ 0x00A7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384" },
	{ 0x00A8, "TLS_PSK_WITH_AES_128_GCM_SHA256" },
	{ 0x00A9, "TLS_PSK_WITH_AES_256_GCM_SHA384" },
	{ 0x00BA, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256" },
	{ 0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV" },
	{ 0x1301, "TLS_AES_128_GCM_SHA256" },
	{ 0x1302, "TLS_AES_256_GCM_SHA384" },
	{ 0x1303, "TLS_CHACHA20_POLY1305_SHA256" },
	{ 0x1304, "TLS_AES_128_CCM_SHA256" },
	{ 0x1305, "TLS_AES_128_CCM_8_SHA256" },
	{ 0x5600, "TLS_FALLBACK_SCSV" },
	{ 0xC001, "TLS_ECDH_ECDSA_WITH_NULL_SHA" },
	{ 0xC002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA" },
	{ 0xC003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xC004, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA" },
	{ 0xC005, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA" },
	{ 0xC006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA" },
	{ 0xC007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA" },
	{ 0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA" },
	{ 0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" },
	{ 0xC00B, "TLS_ECDH_RSA_WITH_NULL_SHA" },
	{ 0xC00C, "TLS_ECDH_RSA_WITH_RC4_128_SHA" },
	{ 0xC00D, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xC00E, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA" },
	{ 0xC00F, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA" },
	{ 0xC010, "TLS_ECDHE_RSA_WITH_NULL_SHA" },
	{ 0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA" },
	{ 0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" },
	{ 0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA" },
	{ 0xC015, "TLS_ECDH_anon_WITH_NULL_SHA" },
	{ 0xC016, "TLS_ECDH_anon_WITH_RC4_128_SHA" },
	{ 0xC017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA" },
	{ 0xC018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA" },
	{ 0xC019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA" },
	{ 0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256" },
	{ 0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384" },
	{ 0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384" },
	{ 0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
	{ 0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
	{ 0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0xC09C, "TLS_RSA_WITH_AES_128_CCM" },
	{ 0xC09D, "TLS_RSA_WITH_AES_256_CCM" },
	{ 0xC09E, "TLS_DHE_RSA_WITH_AES_128_CCM" },
	{ 0xC09F, "TLS_DHE_RSA_WITH_AES_256_CCM" },
	{ 0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM" },
	{ 0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM" },
	{ 0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xCCAB, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xCCAC, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256" },
};

const char *tls_cipher_name(uint16_t suite)
{
	size_t lo = 0, hi = sizeof(suites) / sizeof(suites[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (suites[mid].id == suite)
			return suites[mid].name;
		if (suites[mid].id < suite)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The weak families by their IANA name: no encryption (NULL), export grade (EXPORT, EXPORT1024),
 * no authentication (anon), broken ciphers (RC4, RC2, single DES and 3DES, i.e. "DES"). */
bool tls_cipher_is_weak(uint16_t suite)
{
	static const char *const weak[] = { "WITH_NULL", "EXPORT", "_anon_", "RC4", "RC2", "DES" };
	const char *name = tls_cipher_name(suite);

	if (!name)
		return false;	/* unknown numbers: not called weak without evidence */
	for (size_t i = 0; i < sizeof(weak) / sizeof(weak[0]); i++)
		if (strstr(name, weak[i]))
			return true;
	return false;
}

/* RFC 8446 §6 and RFC 5246 §7.2 AlertDescription, with the later registry entries. */
const char *tls_alert_name(uint8_t desc)
{
	switch (desc) {
	case 0: return "close_notify";
	case 10: return "unexpected_message";
	case 20: return "bad_record_mac";
	case 21: return "decryption_failed";
	case 22: return "record_overflow";
	case 30: return "decompression_failure";
	case 40: return "handshake_failure";
	case 41: return "no_certificate";
	case 42: return "bad_certificate";
	case 43: return "unsupported_certificate";
	case 44: return "certificate_revoked";
	case 45: return "certificate_expired";
	case 46: return "certificate_unknown";
	case 47: return "illegal_parameter";
	case 48: return "unknown_ca";
	case 49: return "access_denied";
	case 50: return "decode_error";
	case 51: return "decrypt_error";
	case 60: return "export_restriction";
	case 70: return "protocol_version";
	case 71: return "insufficient_security";
	case 80: return "internal_error";
	case 86: return "inappropriate_fallback";
	case 90: return "user_canceled";
	case 100: return "no_renegotiation";
	case 109: return "missing_extension";
	case 110: return "unsupported_extension";
	case 111: return "certificate_unobtainable";
	case 112: return "unrecognized_name";
	case 113: return "bad_certificate_status_response";
	case 114: return "bad_certificate_hash_value";
	case 115: return "unknown_psk_identity";
	case 116: return "certificate_required";
	case 120: return "no_application_protocol";
	}
	return NULL;
}
