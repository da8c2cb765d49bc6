// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "result.h"

json_t *cf_result_new(const char *command)
{
	json_t *o = json_object();

	json_object_set_new(o, "command", json_string(command));
	return o;
}

void cf_json_print(json_t *o)
{
	json_dumpf(o, stdout, (cf_opts.pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER);
	putchar('\n');
	fflush(stdout);
	json_decref(o);
}

/* Back over the digits before p: where they start, or NULL if none. */
static const char *digits_before(const char *msg, const char *p)
{
	const char *q = p;

	while (q > msg && q[-1] >= '0' && q[-1] <= '9')
		q--;
	return q < p ? q : NULL;
}

/* "FILE:LINE:COL: message" -> its parts; 0 if msg has no such shape. The
 * file name may hold ':', so the numbers are found from the message's side. */
static int policy_location(const char *msg, json_t *err)
{
	for (const char *sep = strstr(msg, ": "); sep; sep = strstr(sep + 1, ": ")) {
		const char *col = digits_before(msg, sep), *line;

		if (!col || col - 1 <= msg || col[-1] != ':')
			continue;
		line = digits_before(msg, col - 1);
		if (!line || line - 1 <= msg || line[-1] != ':')
			continue;
		json_object_set_new(err, "file", json_stringn(msg, line - 1 - msg));
		json_object_set_new(err, "line", json_integer(strtol(line, NULL, 10)));
		json_object_set_new(err, "column", json_integer(strtol(col, NULL, 10)));
		json_object_set_new(err, "message", json_string(sep + 2));
		return 1;
	}
	return 0;
}

int cf_result_end(json_t *o, int rc)
{
	if (!cf_opts.json) {
		json_decref(o);
		return rc;
	}
	json_object_set_new(o, "ok", json_boolean(rc == 0));
	if (rc) {
		json_t *err = json_object();

		if (!policy_location(cf_last_error(), err))
			json_object_set_new(err, "message", json_string(cf_last_error()));
		json_object_set_new(err, "exit_code", json_integer(rc));
		json_object_set_new(o, "error", err);
	}
	cf_json_print(o);
	return rc;
}
