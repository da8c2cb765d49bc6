/* SPDX-License-Identifier: GPL-2.0 */
/* The Prometheus text exposition (format 0.0.4) of what the filter counts:
 * pure, from a snapshot, so `metrics`, cfgfilter-exporter and the unit tests share it. */
#ifndef CF_METRICS_FMT_H
#define CF_METRICS_FMT_H

#include <stdbool.h>
#include <stdio.h>
#include "cfgfilter.h"
#include "counts.h"

struct cf_metrics_prog {
	const char *name;
	bool attached;
	unsigned long long run_cnt, run_time_ns;
	unsigned long long skipped; /* runs the kernel skipped (recursion_misses) */
};

struct cf_metrics_in {
	bool loaded;
	const struct cf_policy *policy; /* NULL when not loaded */
	const struct cf_stats *stats;
	const char *method[CF_ACT_MAX + 1]; /* per action the policy uses, else NULL */
	unsigned int fallbacks;
	const struct cf_count_row *rows;
	const char *const *vm; /* per row: the VM the writer process is */
	size_t nrows;
	const struct cf_metrics_prog *progs;
	size_t nprogs;
	bool bpf_stats;
	bool serving;                 /* the exporter: its own series too */
	unsigned long long events_read; /* the exporter: events drained from the ring buffer */
};

void cf_metrics_write(FILE *f, const struct cf_metrics_in *in);

/* A label value as the exposition format wants it: \ " and newline escaped. */
void cf_prom_label(FILE *f, const char *v);

#endif
