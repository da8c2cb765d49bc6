// SPDX-License-Identifier: GPL-2.0
/* cfgfilter load: check, load, attach, pin; enforcement outlives us. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "commands.h"
#include "common.h"
#include "policy.h"
#include "cfgfilter.skel.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: cfgfilter load [--policy FILE]\n"
		   "Load the filter, attach it to %s and pin it under %s.\n"
		   "Without --policy the seed policy is enforced (policy/default.policy).\n",
		   CF_ATTACH_POINT, CF_PIN_DIR);
}

/* mask rewrites the writer's buffer with bpf_probe_write_user, which kernel
 * lockdown (integrity or confidentiality) forbids. */
static int need_no_lockdown(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");

	if (!f)
		return 0; /* no securityfs or no lockdown LSM: the load tells */
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	if (strstr(buf, "[integrity]") || strstr(buf, "[confidentiality]"))
		return cf_err("kernel lockdown is on (%s); it forbids bpf_probe_write_user, "
			      "which the mask action needs; boot with lockdown=none to use cfgfilter",
			      strstr(buf, "[integrity]") ? "integrity" : "confidentiality");
	return 0;
}

static void unpin_all(void)
{
	static const char *const names[] = { CF_PIN_LINK, CF_PIN_PROG, CF_PIN_EVENTS,
					     CF_PIN_STATS, CF_PIN_POLICY };
	char p[256];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		cf_pin_path(p, sizeof(p), names[i]);
		unlink(p);
	}
	rmdir(CF_PIN_DIR);
}

static int pin_all(struct cfgfilter_bpf *skel)
{
	char p[256];
	int err;

	cf_pin_path(p, sizeof(p), CF_PIN_EVENTS);
	if ((err = bpf_map__pin(skel->maps.cfgf_events, p)))
		goto fail;
	cf_pin_path(p, sizeof(p), CF_PIN_STATS);
	if ((err = bpf_map__pin(skel->maps.cfgf_stats, p)))
		goto fail;
	cf_pin_path(p, sizeof(p), CF_PIN_POLICY);
	if ((err = bpf_map__pin(skel->maps.rodata, p)))
		goto fail;
	cf_pin_path(p, sizeof(p), CF_PIN_PROG);
	if ((err = bpf_program__pin(skel->progs.cfgfilter_write, p)))
		goto fail;
	/* The link last: once it is pinned, the filter is loaded. */
	cf_pin_path(p, sizeof(p), CF_PIN_LINK);
	if ((err = bpf_link__pin(skel->links.cfgfilter_write, p)))
		goto fail;
	return 0;
fail:
	return cf_err("cannot pin %s: %s", p, strerror(-err));
}

int cmd_load(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *policy_file = NULL;
	struct cfgfilter_bpf *skel = NULL;
	struct cf_policy policy;
	char err[512];
	int c, ret = 1;

	while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			policy_file = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return CF_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cf_err("load: unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return CF_EXIT_USAGE;
	}

	/* The policy first: a bad file is reported whoever runs this. */
	if (policy_file ? cf_policy_load_file(policy_file, &policy, err, sizeof(err))
			: cf_policy_parse(cf_default_policy, strlen(cf_default_policy),
					  "<built-in default policy>", &policy, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (cf_need_root() || cf_need_bpffs() || cf_need_btf() || need_no_lockdown())
		return 1;

	if (mkdir(CF_PIN_DIR, 0700)) {
		if (errno != EEXIST)
			return cf_err("cannot create %s: %s", CF_PIN_DIR, strerror(errno));
		if (cf_is_loaded())
			return cf_err("already loaded (%s/%s exists); nothing changed. Run "
				      "'cfgfilter unload' first to load another policy",
				      CF_PIN_DIR, CF_PIN_LINK);
		return cf_err("%s exists but holds no filter (an interrupted load?); run "
			      "'cfgfilter unload' to clear it", CF_PIN_DIR);
	}

	skel = cfgfilter_bpf__open();
	if (!skel) {
		cf_err("cannot open the BPF object: %s", strerror(errno));
		goto out;
	}
	memcpy((void *)&skel->rodata->cf_policy, &policy, sizeof(policy));
	snprintf((char *)skel->rodata->bpf_metadata_policy_hash,
		 sizeof(skel->rodata->bpf_metadata_policy_hash), "%016llx",
		 (unsigned long long)policy.hash);

	if (cfgfilter_bpf__load(skel)) {
		cf_err("cannot load the BPF program: %s; rerun with -v for libbpf and verifier detail",
		       strerror(errno));
		goto out;
	}
	if (cfgfilter_bpf__attach(skel)) {
		cf_err("cannot attach to %s in module %s: %s; rerun with -v for detail",
		       CF_ATTACH_POINT, CF_MODULE, strerror(errno));
		goto out;
	}
	if (pin_all(skel))
		goto out;
	cf_info("loaded: %u rules (policy %016llx) on %s, pinned in %s", policy.nrules,
		(unsigned long long)policy.hash, CF_ATTACH_POINT, CF_PIN_DIR);
	ret = 0;
out:
	if (ret)
		unpin_all(); /* nothing half-loaded stays behind */
	else
		bpf_link__disconnect(skel->links.cfgfilter_write);
	cfgfilter_bpf__destroy(skel);
	return ret;
}
