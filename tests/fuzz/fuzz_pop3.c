/* fuzz_pop3.c — libFuzzer target for the POP3 decoder and the session verdict (see fuzz_optls.h). */
#include "optls.h"

static const struct optls_ops *const fuzz_ops = &pop3_optls;

#include "fuzz_optls.h"
