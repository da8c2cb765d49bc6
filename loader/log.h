/* SPDX-License-Identifier: GPL-2.0 */
/* Messages to the user and the global output options. */
#ifndef CF_LOG_H
#define CF_LOG_H

struct cf_opts {
	int verbose; /* -v: libbpf and verifier detail */
	int json;    /* -j: results as one JSON object on stdout */
	int pretty;  /* -p: that JSON indented */
	const char *prog; /* the messages' prefix; NULL: "cfgfilter" */
};
extern struct cf_opts cf_opts;

/* "PROG: <message>" on stderr (PROG: cf_opts.prog); returns 1 so callers can `return cf_err(...)`.
 * The last message is kept for the JSON result (cf_last_error). */
int cf_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "cfgfilter: <message>" on stdout; on stderr with -j, where stdout is the
 * JSON result alone. */
void cf_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "cfgfilter: warning: <message>" on stderr: nothing failed. */
void cf_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* msg on stderr as it is (a policy error is "FILE:LINE:COL: ..."), kept
 * as the last error. */
void cf_err_as_is(const char *msg);
const char *cf_last_error(void);

void cf_libbpf_setup(void);

#endif
