// SPDX-License-Identifier: GPL-2.0
/* cfgfilter: filter what VFIO users write to PCI config space. Every
 * command and option is declared here; parsing and --help come from these
 * tables (lib/cli.c). */
#include <stdio.h>
#include "cfgfilter.h"
#include "cli.h"
#include "commands.h"
#include "entry.h"
#include "log.h"
#include "pins.h"
#include "result.h"

static const struct cf_option load_opts[] = {
	{ "policy", 0, "FILE", "enforce FILE instead of the seed policy (policy/default.policy)" },
	{ "strict", 0, NULL, "refuse, rather than run mask/virtualize as deny, under lockdown" },
	{ "wait", 0, "SECONDS", "wait up to SECONDS for module vfio_pci_core (boot scripts)" },
	{ NULL, 0, NULL, NULL },
};

static const struct cf_option events_opts[] = {
	{ "follow", 'f', NULL, "wait for more events until --count, --timeout or ^C" },
	{ "count", 'n', "N", "stop after N events" },
	{ "timeout", 't', "SECONDS", "stop after SECONDS (exit 1 if --count N did not arrive)" },
	{ NULL, 0, NULL, NULL },
};

static const struct cf_option apply_opts[] = {
	{ "strict", 0, NULL, "refuse, rather than run mask/virtualize as deny, under lockdown" },
	{ NULL, 0, NULL, NULL },
};

static const struct cf_option check_opts[] = {
	{ "device", 'd', "BDF", "where each rule lands on device BDF, by its own capability lists" },
	{ NULL, 0, NULL, NULL },
};

static const struct cf_command policy_cmds[] = {
	{ "check", "FILE", 1, 1, check_opts, "validate FILE, print what each rule compiles to",
	  "As root, also warns of rules that match nothing on any vfio device bound now.\n",
	  cmd_policy_check, NULL },
	{ "lint", "FILE", 1, 1, NULL, "warn of rules that never act or break guests",
	  "Rules a stronger rule shadows, rules that break guests (deny on decode,\n"
	  "bus master) or that vfio makes moot (BARs, MSI-X control); as root,\n"
	  "rules no vfio device bound now matches. Exit 4 when it warns.\n",
	  cmd_policy_lint, NULL },
	{ "show", NULL, 0, 0, NULL, "the policy the kernel enforces now", NULL, cmd_policy_show,
	  NULL },
	{ "apply", "FILE", 1, 1, apply_opts, "make FILE the live policy, atomically",
	  "Every access sees the old or the new policy. A bad FILE changes nothing.\n",
	  cmd_policy_apply, NULL },
	{ NULL },
};

static const struct cf_command commands[] = {
	{ "load", NULL, 0, 0, load_opts, "load, attach and pin the filter",
	  "Attaches to fentry/vfio_pci_config_rw and pins everything under " CF_PIN_DIR ",\n"
	  "so enforcement outlives cfgfilter. Where the kernel forbids rewriting the\n"
	  "writer's buffer (lockdown), mask and virtualize rules are enforced as deny.\n",
	  cmd_load, NULL },
	{ "unload", NULL, 0, 0, NULL, "detach the filter and remove its pins", NULL, cmd_unload,
	  NULL },
	{ "status", NULL, 0, 0, NULL, "what is attached, the policy, the counters",
	  "Exit 3 when not loaded.\n", cmd_status, NULL },
	{ "events", NULL, 0, 0, events_opts, "print filtered writes",
	  "Without --follow or --timeout, print what is waiting and exit. Reading\n"
	  "consumes: two readers share the events between them.\n",
	  cmd_events, NULL },
	{ "policy", NULL, 0, 0, NULL, "check, lint, show or apply a policy", NULL, NULL, policy_cmds },
	{ "metrics", NULL, 0, 0, NULL, "print the Prometheus metrics once (textfile collector)",
	  "Exit 3 when not loaded (the output then says cfgfilter_up 0).\n", cmd_metrics, NULL },
	{ NULL },
};

int main(int argc, char **argv)
{
	struct cf_globals g;
	struct cf_parsed p;
	char err[256];

	if (cf_cli_parse(commands, argc - 1, argv + 1, &p, &g, err, sizeof(err))) {
		cf_opts.json = g.json;
		cf_opts.pretty = g.pretty;
		cf_err("%s; 'cfgfilter%s%s --help' for usage", err, p.cmd ? " " : "",
		       p.cmd ? p.path : "");
		return cf_result_end(cf_result_new(p.cmd ? p.path : "cfgfilter"), CF_EXIT_USAGE);
	}
	return cf_entry_run("cfgfilter", commands, &p, &g);
}
