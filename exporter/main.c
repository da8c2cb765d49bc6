// SPDX-License-Identifier: GPL-2.0
/* cfgfilter-exporter: the filter's metrics over HTTP and its events as JSON
 * lines. A binary of its own, so that the root-only cfgfilter links
 * neither the HTTP server, the journal nor the capability library. */
#include <stdio.h>
#include "cfgfilter.h"
#include "cli.h"
#include "entry.h"
#include "exporter.h"
#include "log.h"
#include "result.h"

static const struct cf_option exporter_opts[] = {
	{ "listen", 'l', "IP:PORT", "serve /metrics there (default 127.0.0.1:9862: this host only)" },
	{ "user", 'u', "USER", "run as USER once the filter's maps are open (default nobody)" },
	{ NULL, 0, NULL, NULL },
};

static const struct cf_command exporter = {
	"cfgfilter-exporter", NULL, 0, 0, exporter_opts,
	"serve the filter's /metrics over HTTP; its events as JSON lines",
	"Opens the filter as root, then runs as --user with only CAP_BPF. Every event goes to\n"
	"stdout as a JSON line, and to the journal with CFGFILTER_* fields under systemd.\n"
	"Exit 3 when the filter is not loaded.\n",
	cf_exporter_run, NULL
};

int main(int argc, char **argv)
{
	struct cf_globals g;
	struct cf_parsed p;
	char err[256];

	cf_opts.prog = exporter.name;
	if (cf_cli_parse_tool(&exporter, argc - 1, argv + 1, &p, &g, err, sizeof(err))) {
		char msg[320];

		cf_opts.json = g.json;
		cf_opts.pretty = g.pretty;
		/* err starts with the tool's name already */
		snprintf(msg, sizeof(msg), "%s; 'cfgfilter-exporter --help' for usage", err);
		cf_err_as_is(msg);
		return cf_result_end(cf_result_new("cfgfilter-exporter"), CF_EXIT_USAGE);
	}
	return cf_entry_run(exporter.name, &exporter, &p, &g);
}
