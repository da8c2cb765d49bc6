// SPDX-License-Identifier: GPL-2.0
/* cfgfilter policy check|lint|show|apply */
#include <stdio.h>
#include <unistd.h>
#include <string.h>
#include "commands.h"
#include "hw_seed.h"
#include "landing.h"
#include "lint.h"
#include "live.h"
#include "log.h"
#include "methods.h"
#include "pins.h"
#include "policy.h"
#include "policy_json.h"
#include "probes.h"
#include "result.h"

static void print_policy(const struct cf_policy *p)
{
	printf("policy %016llx: %u rules\n", (unsigned long long)p->hash, p->nrules);
	cf_policy_print(stdout, p);
}

/* The policy in FILE, or a message (FILE:LINE:COL: ...) and -1. */
static int read_policy_file(const char *file, struct cf_policy *p)
{
	char err[512];

	if (!cf_policy_load_file(file, p, err, sizeof(err)))
		return 0;
	cf_err_as_is(err);
	return -1;
}

/* lint's findings as warnings on stderr (check, apply); how many. */
static int warn_lint(const struct cf_policy *p)
{
	static struct cf_lint w[CF_LINT_MAX];
	int n = cf_policy_lint(p, w, CF_LINT_MAX);

	for (int i = 0; i < n; i++)
		cf_warn("rule %u (%s %s): %s: %s", w[i].rule, cf_action_name(p->rules[w[i].rule].action),
			p->rules[w[i].rule].name, cf_lint_kind_name(w[i].kind), w[i].why);
	return n;
}

int cmd_policy_check(const struct cf_parsed *a)
{
	json_t *res = cf_result_new("policy check");
	const char *dev = cf_cli_opt(a, "device");
	static struct cf_landing l[CF_LAND_MAX];
	struct cf_policy p;

	json_object_set_new(res, "file", json_string(a->pos[0]));
	if (read_policy_file(a->pos[0], &p))
		return cf_result_end(res, 1);
	if (cf_opts.json)
		cf_policy_json_into(res, &p);
	else
		print_policy(&p);
	if (dev) {
		if (cf_land_device(&p, dev, &l[0]))
			return cf_result_end(res, 1);
		if (cf_opts.json)
			json_object_set_new(res, "landing", cf_landing_json(&p, &l[0]));
		else
			cf_landing_print(stdout, &p, &l[0]);
		cf_warn_unmatched(&p, l, 1);
	} else {
		cf_land_and_warn(&p, l, CF_LAND_MAX);
	}
	warn_lint(&p);
	return cf_result_end(res, 0);
}

int cmd_policy_lint(const struct cf_parsed *a)
{
	json_t *res = cf_result_new("policy lint");
	static struct cf_landing l[CF_LAND_MAX];
	static struct cf_lint w[CF_LINT_MAX];
	struct cf_policy p;
	int n, unmatched = 0, devices = -1;

	json_object_set_new(res, "file", json_string(a->pos[0]));
	if (read_policy_file(a->pos[0], &p))
		return cf_result_end(res, 1);
	n = cf_policy_lint(&p, w, CF_LINT_MAX);
	if (cf_opts.json)
		json_object_set_new(res, "warnings", cf_lint_json(&p, w, n));
	else
		cf_lint_print(stdout, &p, w, n, "");
	/* as root: rules no bound device matches (sysfs shows others 64 bytes) */
	if (!geteuid()) {
		devices = cf_land_vfio_devices(&p, l, CF_LAND_MAX);
		unmatched = cf_warn_unmatched(&p, l, devices);
	}
	if (cf_opts.json) {
		json_object_set_new(res, "unmatched_rules", json_integer(unmatched));
		/* null: not root, or the devices could not be listed */
		json_object_set_new(res, "vfio_devices", devices < 0 ? json_null() : json_integer(devices));
	} else if (!n && !unmatched) {
		printf("%s: no warnings (%u rules%s)\n", a->pos[0], p.nrules,
		       geteuid() ? "; not root: bound devices not checked" :
		       devices < 0 ? "; bound devices not checked" : "");
	}
	if (n || unmatched) {
		cf_err("%s: %d warning%s", a->pos[0], n + unmatched, n + unmatched == 1 ? "" : "s");
		return cf_result_end(res, CF_EXIT_LINT);
	}
	return cf_result_end(res, 0);
}

int cmd_policy_show(const struct cf_parsed *a)
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
	if (cf_opts.json)
		cf_json_print(cf_policy_json(&live.policy));
	else
		print_policy(&live.policy);
	return 0;
}

static void unchanged(void)
{
	fprintf(stderr, "cfgfilter: nothing changed: the live policy stays\n");
}

static int apply(const char *file, bool strict, json_t *res)
{
	struct cf_live live;
	struct cf_policy p;
	bool rewrite;
	int seed, seeded, unfollowed = 0;

	if (read_policy_file(file, &p)) {
		unchanged();
		return 1;
	}
	/* the rules as written, before lockdown may turn mask into deny */
	warn_lint(&p);
	if (cf_need_root() || cf_lock_pins())
		return 1;
	if (!cf_is_loaded()) {
		cf_err("not loaded; run 'cfgfilter load --policy %s'", file);
		return CF_EXIT_NOT_LOADED;
	}
	if (cf_read_live(&live))
		return 1;
	if (cf_fit_policy(&p, strict, &rewrite)) {
		unchanged();
		return 1;
	}
	/* New rules may cover registers no rule covered: read every vfio
	 * device's config space again, so they are judged against it. */
	seed = cf_pinned_fd(CF_PIN_HW_SEED);
	seeded = seed < 0 ? -1 : cf_hw_seed(seed, &unfollowed);
	/* every bus or none: no device silently judged blind */
	if (seeded >= 0 && unfollowed && (p.flags & CF_POL_ENFORCE)) {
		cf_err("%d vfio device%s not followed on the bus (named above): their protected "
		       "bits could not be judged", unfollowed, unfollowed == 1 ? " is" : "s are");
		seeded = -1;
	}
	if (seeded < 0) {
		if (seed >= 0)
			close(seed);
		unchanged();
		return 1;
	}
	close(seed);
	/* The refusing hook for new enforcing rules goes in before the switch;
	 * with the old policy it refuses nothing. */
	if ((p.flags & CF_POL_ENFORCE) && cf_deny_attach()) {
		unchanged();
		return 1;
	}
	if (cf_policy_install(&p)) {
		if (!(live.policy.flags & CF_POL_ENFORCE))
			cf_deny_detach();
		return 1;
	}
	if (!(p.flags & CF_POL_ENFORCE))
		cf_deny_detach();
	cf_info("applied: %u rules (policy %016llx), replacing %016llx", p.nrules,
		(unsigned long long)p.hash, (unsigned long long)live.policy.hash);
	{
		static struct cf_landing l[CF_LAND_MAX];

		cf_land_and_warn(&p, l, CF_LAND_MAX);
	}
	if (cf_opts.json) {
		char h[24];

		snprintf(h, sizeof(h), "%016llx", (unsigned long long)live.policy.hash);
		json_object_set_new(res, "replaced_hash", json_string(h));
		cf_policy_json_into(res, &p);
		if (!cf_read_live(&live))
			cf_methods_json_into(res, &live);
	}
	return 0;
}

int cmd_policy_apply(const struct cf_parsed *a)
{
	json_t *res = cf_result_new("policy apply");

	json_object_set_new(res, "file", json_string(a->pos[0]));
	return cf_result_end(res, apply(a->pos[0], cf_cli_opt(a, "strict") != NULL, res));
}
