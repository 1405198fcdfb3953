/* x509.c — not written yet */
typedef int mailtap_placeholder_x509;
