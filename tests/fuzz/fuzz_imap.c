/* fuzz_imap.c — libFuzzer target for the IMAP decoder and the session verdict (see fuzz_optls.h). */
#include "optls.h"

static const struct optls_ops *const fuzz_ops = &imap_optls;

#include "fuzz_optls.h"
