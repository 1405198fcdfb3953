/* fuzz_smtp.c — libFuzzer target for the SMTP decoder and the session verdict (see fuzz_optls.h). */
#include "optls.h"

static const struct optls_ops *const fuzz_ops = &smtp_optls;

#include "fuzz_optls.h"
