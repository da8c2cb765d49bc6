// SPDX-License-Identifier: GPL-2.0
/* Messages: one line each, prefixed with the program's name (cf_opts.prog);
 * libbpf's own only with -v. */
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "log.h"

struct cf_opts cf_opts;

static char last_error[1024];

static const char *prog(void)
{
	return cf_opts.prog ? cf_opts.prog : "cfgfilter";
}

int cf_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", prog(), last_error);
	return 1;
}

void cf_err_as_is(const char *msg)
{
	snprintf(last_error, sizeof(last_error), "%s", msg);
	fprintf(stderr, "%s\n", msg);
}

const char *cf_last_error(void)
{
	return last_error;
}

void cf_warn(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: warning: ", prog());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cf_info(const char *fmt, ...)
{
	FILE *f = cf_opts.json ? stderr : stdout;
	va_list ap;

	fprintf(f, "%s: ", prog());
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's own messages and the verifier log are detail: -v only */
	if (!cf_opts.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void cf_libbpf_setup(void)
{
	libbpf_set_print(libbpf_print);
}

