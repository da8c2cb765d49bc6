// SPDX-License-Identifier: GPL-2.0
/* The end of main() in cfgfilter and cfgfilter-exporter, once the words
 * are parsed: the global options, then --version, --help or the command. */
#include <stdio.h>
#include "cfgfilter.h"
#include "entry.h"
#include "log.h"

int cf_entry_run(const char *prog, const struct cf_command *help, const struct cf_parsed *p,
		 const struct cf_globals *g)
{
	cf_opts.verbose = g->verbose;
	cf_opts.json = g->json;
	cf_opts.pretty = g->pretty;
	if (g->version) {
		printf("%s %s\n", prog, CF_VERSION);
		return 0;
	}
	if (g->help) {
		cf_cli_help(stdout, help, p);
		return 0;
	}
	cf_libbpf_setup();
	return p->cmd->run(p);
}
