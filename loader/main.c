// SPDX-License-Identifier: GPL-2.0
/* cfgfilter: filter what VFIO users write to PCI config space. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "common.h"

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "load", cmd_load, "load, attach and pin the filter [--policy FILE]" },
	{ "unload", cmd_unload, "detach the filter and remove its pins" },
	{ "status", cmd_status, "show what is attached, the policy, counters [--json]" },
	{ "policy", cmd_policy, "check FILE | show [--json] | apply FILE (atomic replace)" },
	{ "events", cmd_events, "print filtered writes [--json] [--follow] [--count N] [--timeout S]" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: cfgfilter [-v] [--version] COMMAND [ARGS]\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(f, "  %-8s %s\n", c->name, c->help);
	fprintf(f, "\n-v shows libbpf and verifier detail. 'cfgfilter COMMAND --help' for more.\n");
}

int main(int argc, char **argv)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			cf_opts.verbose = 1;
		} else if (!strcmp(argv[i], "--version")) {
			printf("cfgfilter %s\n", CF_VERSION);
			return 0;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			cf_err("unknown option '%s'", argv[i]);
			usage(stderr);
			return CF_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return CF_EXIT_USAGE;
	}
	cf_libbpf_setup();
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(argv[i], c->name)) {
			optind = 1; /* each command parses its own options from argv[i] on */
			return c->fn(argc - i, argv + i);
		}
	cf_err("unknown command '%s'", argv[i]);
	usage(stderr);
	return CF_EXIT_USAGE;
}
