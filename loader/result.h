/* SPDX-License-Identifier: GPL-2.0 */
/* The one JSON object a command prints with -j, for configuration
 * managers: what was done, or the error. */
#ifndef CF_RESULT_H
#define CF_RESULT_H

#include <jansson.h>

/* A result object for `command` ("load", "policy apply", ...). */
json_t *cf_result_new(const char *command);

/* Print it (with -j only; indented with -p), adding "ok": rc == 0 and, on
 * failure, "error": the last message, with "file", "line" and "column"
 * where it is a policy error ("FILE:LINE:COL: ..."). Frees o; returns rc. */
int cf_result_end(json_t *o, int rc);

/* Print any JSON value to stdout as -j/-p ask; frees it. */
void cf_json_print(json_t *o);

#endif
