/* verdict.c — not written yet */
typedef int mailtap_placeholder_verdict;
