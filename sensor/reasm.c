/* reasm.c — not written yet */
typedef int mailtap_placeholder_reasm;
