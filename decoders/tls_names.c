/* tls_names.c — not written yet */
typedef int mailtap_placeholder_tls_names;
