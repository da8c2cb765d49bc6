// SPDX-License-Identifier: GPL-2.0
/* The exact per-(device, rule) counts as status prints them: a table, or
 * JSON rows. */
#include <string.h>
#include "counts.h"

#define CF_COUNT_FIELDS(X)                                                                       \
	X(filtered) X(virtualized) X(denied) X(audited) X(races) X(unverified) X(rewrite_failed) \
	X(events_lost) X(refused)

void cf_counts_print(FILE *f, const struct cf_count_row *rows, size_t n)
{
	if (!n) {
		fprintf(f, "per rule:    nothing counted yet\n");
		return;
	}
	fprintf(f, "per rule:    %-12s  %-34s %-22s %9s %9s %9s %9s %7s %10s %9s %9s\n", "device",
		"rule", "writer", "filtered", "virtual", "denied", "audited", "races", "unverified",
		"rwfailed", "evlost");
	for (size_t i = 0; i < n; i++) {
		const struct cf_counts *c = &rows[i].c;
		char writer[40];

		snprintf(writer, sizeof(writer), "%.16s[%u]", rows[i].key.comm, rows[i].key.tgid);
		fprintf(f, "             %-12.16s  %-34.48s %-22s %9llu %9llu %9llu %9llu %7llu %10llu "
			"%9llu %9llu\n", rows[i].key.dev, rows[i].key.rule, writer,
			(unsigned long long)c->filtered, (unsigned long long)c->virtualized,
			(unsigned long long)c->denied, (unsigned long long)c->audited,
			(unsigned long long)c->races, (unsigned long long)c->unverified,
			(unsigned long long)c->rewrite_failed, (unsigned long long)c->events_lost);
	}
}

json_t *cf_counts_json(const struct cf_count_row *rows, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		char dev[CF_DEV_LEN + 1] = "", rule[CF_NAME_LEN + 1] = "";

		memcpy(dev, rows[i].key.dev, CF_DEV_LEN);
		memcpy(rule, rows[i].key.rule, CF_NAME_LEN);
		json_object_set_new(o, "device", json_string(dev));
		json_object_set_new(o, "rule", json_string(rule));
#define X(f) json_object_set_new(o, #f, json_integer((json_int_t)rows[i].c.f));
		CF_COUNT_FIELDS(X)
#undef X
		{
			char comm[CF_COMM_LEN + 1] = "";

			memcpy(comm, rows[i].key.comm, CF_COMM_LEN);
			json_object_set_new(o, "comm", json_string(comm));
			json_object_set_new(o, "pid", json_integer(rows[i].key.tgid));
		}
		json_array_append_new(a, o);
	}
	return a;
}
