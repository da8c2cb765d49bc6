// SPDX-License-Identifier: GPL-2.0
/* cfgfilter policy check|show|apply */
#include <stdio.h>
#include <unistd.h>
#include <string.h>
#include "commands.h"
#include "common.h"
#include "hw_seed.h"
#include "policy.h"
#include "policy_json.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: cfgfilter policy check FILE    validate FILE, print what each rule compiles to\n"
		   "       cfgfilter policy show [--json] the policy the kernel enforces now\n"
		   "       cfgfilter policy apply [--strict] FILE\n"
		   "                                      replace the live policy, atomically\n");
}

static void print_policy(const struct cf_policy *p)
{
	printf("policy %016llx: %u rules\n", (unsigned long long)p->hash, p->nrules);
	cf_policy_print(stdout, p);
}

static int check(const char *file)
{
	struct cf_policy p;
	char err[512];

	if (cf_policy_load_file(file, &p, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	print_policy(&p);
	return 0;
}

static int show(int json)
{
	struct cf_live live;

	if (cf_need_root())
		return 1;
	if (!cf_is_loaded()) {
		cf_err("not loaded; no policy is enforced");
		return CF_EXIT_NOT_LOADED;
	}
	if (cf_read_live(&live))
		return 1;
	if (json) {
		json_t *o = cf_policy_json(&live.policy);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(o);
	} else {
		print_policy(&live.policy);
	}
	return 0;
}

static int apply(const char *file, bool strict)
{
	struct cf_policy p;
	struct cf_live live;
	char err[512];
	bool rewrite;
	int seed;

	if (cf_policy_load_file(file, &p, err, sizeof(err))) {
		fprintf(stderr, "%s\nnothing changed: the live policy stays\n", err);
		return 1;
	}
	if (cf_need_root() || cf_lock_pins())
		return 1;
	if (!cf_is_loaded()) {
		cf_err("not loaded; run 'cfgfilter load --policy %s'", file);
		return CF_EXIT_NOT_LOADED;
	}
	if (cf_read_live(&live))
		return 1;
	if (cf_fit_policy(&p, strict, &rewrite))
		return cf_err("nothing changed: the live policy stays");
	/* New rules may cover registers no rule covered: read every vfio
	 * device's config space again, so they are judged against it. */
	seed = cf_pinned_fd(CF_PIN_HW_SEED);
	if (seed < 0 || cf_hw_seed(seed) < 0) {
		if (seed >= 0)
			close(seed);
		return cf_err("nothing changed: the live policy stays");
	}
	close(seed);
	/* The hook for new deny rules goes in before the switch; with the old
	 * policy it denies nothing. */
	if ((p.flags & CF_POL_DENY) && cf_deny_attach())
		return cf_err("nothing changed: the live policy stays");
	if (cf_policy_install(&p)) {
		if (!(live.policy.flags & CF_POL_DENY))
			cf_deny_detach();
		return 1;
	}
	if (!(p.flags & CF_POL_DENY))
		cf_deny_detach();
	cf_info("applied: %u rules (policy %016llx), replacing %016llx", p.nrules,
		(unsigned long long)p.hash, (unsigned long long)live.policy.hash);
	return 0;
}

int cmd_policy(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (!strcmp(sub, "check") && argc == 3)
		return check(argv[2]);
	if (!strcmp(sub, "apply") && argc == 3)
		return apply(argv[2], false);
	if (!strcmp(sub, "apply") && argc == 4 && !strcmp(argv[2], "--strict"))
		return apply(argv[3], true);
	if (!strcmp(sub, "show") && (argc == 2 || (argc == 3 && (!strcmp(argv[2], "--json") ||
								  !strcmp(argv[2], "-j")))))
		return show(argc == 3);
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
		usage(stdout);
		return 0;
	}
	cf_err("policy: expected check FILE, show [--json] or apply FILE");
	usage(stderr);
	return CF_EXIT_USAGE;
}
