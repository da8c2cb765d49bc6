// SPDX-License-Identifier: GPL-2.0
/* cfgfilter metrics: the Prometheus exposition once, for node_exporter's
 * textfile collector (write to a temporary file, then rename it). */
#include <stdio.h>
#include "commands.h"
#include "log.h"
#include "metrics_fmt.h"
#include "observer.h"
#include "probes.h"

int cmd_metrics(const struct cf_parsed *p)
{
	struct cf_observer o;
	int rc;

	(void)p;
	if (cf_need_root())
		return 1;
	if (cf_observer_open(&o, false)) {
		/* still an exposition: the textfile collector then reports it down */
		struct cf_metrics_in in = { 0 };

		cf_metrics_write(stdout, &in);
		return CF_EXIT_NOT_LOADED;
	}
	rc = cf_observer_metrics(&o, stdout, false, 0);
	cf_observer_close(&o);
	if (fflush(stdout) || rc)
		return cf_err("cannot write the metrics: %s", "output or map read failed");
	return 0;
}
