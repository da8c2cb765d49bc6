// SPDX-License-Identifier: GPL-2.0
/* cfgfilter load: check, load, attach, pin; enforcement outlives us. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <bpf/btf.h>
#include "commands.h"
#include "common.h"
#include "hw_seed.h"
#include "policy.h"
#include "cfgfilter.skel.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: cfgfilter load [--policy FILE] [--strict] [--wait SECONDS]\n"
		   "Load the filter, attach it to %s and pin it under %s.\n"
		   "Without --policy the seed policy is enforced (policy/default.policy).\n"
		   "Where the kernel forbids rewriting the writer's buffer (lockdown), mask and\n"
		   "virtualize rules are enforced as deny; --strict refuses instead.\n"
		   "--wait waits up to SECONDS for module %s to be loaded.\n",
		   CF_ATTACH_POINT, CF_PIN_DIR, CF_MODULE);
}

/* For boot scripts that start cfgfilter before vfio-pci is probed. */
static int wait_for_module(double seconds)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };

	for (double t = 0; t < seconds; t += 0.1) {
		if (access("/sys/kernel/btf/" CF_MODULE, R_OK) == 0)
			return 0;
		nanosleep(&tick, NULL);
	}
	return access("/sys/kernel/btf/" CF_MODULE, R_OK) == 0 ? 0 : -1;
}

/* Is fn a function in vmlinux's BTF, or in module's when given? */
static bool kernel_has_func(struct btf *vmlinux, const char *fn, const char *module)
{
	struct btf *btf = vmlinux;
	bool found;

	if (!vmlinux)
		return false;
	if (module)
		btf = btf__load_module_btf(module, vmlinux);
	found = btf && btf__find_by_name_kind(btf, fn, BTF_KIND_FUNC) > 0;
	if (btf != vmlinux)
		btf__free(btf);
	return found;
}

struct pin {
	const char *name;
	struct bpf_map *map;
	struct bpf_program *prog;
	struct bpf_link *link;
};

static int pin_all(const struct pin *pins, size_t n)
{
	char p[256];
	int err = 0;

	/* Links last: once the write link is pinned, the filter is loaded. */
	for (size_t i = 0; i < n && !err; i++) {
		cf_pin_path(p, sizeof(p), pins[i].name);
		if (pins[i].map)
			err = bpf_map__pin(pins[i].map, p);
		else if (pins[i].prog)
			err = bpf_program__pin(pins[i].prog, p);
		else if (pins[i].link)
			err = bpf_link__pin(pins[i].link, p);
	}
	return err ? cf_err("cannot pin %s: %s", p, strerror(-err)) : 0;
}

int cmd_load(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "strict", no_argument, NULL, 's' },
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *policy_file = NULL;
	struct cfgfilter_bpf *skel = NULL;
	struct bpf_link *deny = NULL, *deny_uring = NULL, *hw_read = NULL, *hw_write = NULL;
	bool uring, rewrite, strict = false;
	double wait = 0;
	char *end;
	struct cf_ksym ksyms[] = { { "vfio_device_fops", "vfio", 0 }, { "pci_bus_type", NULL, 0 } };
	struct btf *vmlinux;
	struct cf_policy policy;
	char err[512], hash[17];
	__u32 zero = 0;
	int c, ret = 1, fd, seeded;

	while ((c = getopt_long(argc, argv, "p:sw:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			policy_file = optarg;
			break;
		case 's':
			strict = true;
			break;
		case 'w':
			wait = strtod(optarg, &end);
			if (*end || wait < 0) {
				cf_err("load: --wait takes seconds, not '%s'", optarg);
				return CF_EXIT_USAGE;
			}
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
	if (cf_need_root() || cf_need_bpffs())
		return 1;
	if (wait > 0 && wait_for_module(wait))
		return cf_err("module %s did not appear within %.0f s; run 'modprobe vfio-pci'",
			      CF_MODULE, wait);
	if (cf_need_btf() || cf_fit_policy(&policy, strict, &rewrite))
		return 1;
	/* The deny hook recognises vfio-pci device files by these addresses. */
	cf_kallsyms(ksyms, 2);
	if ((policy.flags & CF_POL_DENY) && (!ksyms[0].addr || !ksyms[1].addr))
		return cf_err("deny rules need vfio_device_fops and pci_bus_type from /proc/kallsyms, "
			      "not found (is module vfio loaded? does kernel.kptr_restrict hide "
			      "addresses from root?)");

	/* A load running now holds the lock until its pins are in place. */
	if (cf_lock_pins())
		return 1;
	/* Root only: the pins give the policy, the events and the counters. */
	if (mkdir(CF_PIN_DIR, 0700) && errno != EEXIST)
		return cf_err("cannot create %s: %s", CF_PIN_DIR, strerror(errno));
	if (cf_is_loaded())
		return cf_err("already loaded (%s/%s exists); nothing changed. Use "
			      "'cfgfilter policy apply FILE' to change the policy",
			      CF_PIN_DIR, CF_PIN_LINK);

	skel = cfgfilter_bpf__open();
	if (!skel) {
		cf_err("cannot open the BPF object: %s", strerror(errno));
		goto out;
	}
	skel->rodata->cf_can_rewrite = rewrite;
	skel->rodata->cf_vfio_device_fops = ksyms[0].addr;
	skel->rodata->cf_pci_bus_type = ksyms[1].addr;
	/* A hook on every process's file I/O: attached only for deny rules. */
	bpf_program__set_autoattach(skel->progs.cfgfilter_deny, false);
	bpf_program__set_autoattach(skel->progs.cfgfilter_deny_uring, false);
	/* The hardware view goes in first, and is seeded, before any program
	 * decides on it. */
	bpf_program__set_autoattach(skel->progs.cfgfilter_hw_read, false);
	bpf_program__set_autoattach(skel->progs.cfgfilter_hw_write, false);
	vmlinux = btf__load_vmlinux_btf();
	uring = kernel_has_func(vmlinux, "io_write", NULL);
	if (!kernel_has_func(vmlinux, "pci_read", NULL) || !kernel_has_func(vmlinux, "pci_write", NULL)) {
		btf__free(vmlinux);
		cf_err("pci_read/pci_write (x86's PCI config accessors) are not in this kernel's BTF: "
		       "cfgfilter cannot follow the devices' config space here; nothing loaded");
		goto out;
	}
	btf__free(vmlinux);
	bpf_program__set_autoload(skel->progs.cfgfilter_deny_uring, uring);
	if (!uring && (policy.flags & CF_POL_DENY))
		cf_info("io_write is not in this kernel's BTF: deny bits written through io_uring "
			"are masked instead of refused");

	if (cfgfilter_bpf__load(skel)) {
		cf_err("cannot load the BPF programs: %s; rerun with -v for libbpf and verifier detail",
		       strerror(errno));
		goto out;
	}
	fd = bpf_map__fd(skel->maps.cfgf_policy_0);
	if (bpf_map_update_elem(fd, &zero, &policy, BPF_ANY) || bpf_map_freeze(fd)) {
		cf_err("cannot store the policy: %s", strerror(errno));
		goto out;
	}
	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)policy.hash);
	memcpy((void *)skel->data_rodata->bpf_metadata_policy_hash, hash, sizeof(hash));

	hw_read = bpf_program__attach(skel->progs.cfgfilter_hw_read);
	hw_write = hw_read ? bpf_program__attach(skel->progs.cfgfilter_hw_write) : NULL;
	if (!hw_write) {
		cf_err("cannot attach to pci_read/pci_write (fexit): %s; rerun with -v for detail",
		       strerror(errno));
		goto out;
	}
	seeded = cf_hw_seed(bpf_map__fd(skel->maps.cfgf_seed));
	if (seeded < 0)
		goto out;
	if (cfgfilter_bpf__attach(skel)) {
		cf_err("cannot attach to %s in module %s: %s; rerun with -v for detail",
		       CF_ATTACH_POINT, CF_MODULE, strerror(errno));
		goto out;
	}
	if (policy.flags & CF_POL_DENY) {
		if (uring) {
			deny_uring = bpf_program__attach(skel->progs.cfgfilter_deny_uring);
			if (!deny_uring) {
				cf_err("cannot attach the io_uring deny hook (fentry/io_write): %s",
				       strerror(errno));
				goto out;
			}
		}
		deny = bpf_program__attach(skel->progs.cfgfilter_deny);
		if (!deny) {
			cf_err("cannot attach the deny hook (fmod_ret/security_file_permission): %s",
			       strerror(errno));
			goto out;
		}
	}
	{
		const struct pin pins[] = {
			{ .name = CF_PIN_EVENTS, .map = skel->maps.cfgf_events },
			{ .name = CF_PIN_STATS, .map = skel->maps.cfgf_stats },
			{ .name = CF_PIN_POLICY, .map = skel->maps.cfgf_policy_0 },
			{ .name = CF_PIN_POLICY_SLOT, .map = skel->maps.cfgf_policy },
			{ .name = CF_PIN_META, .map = skel->maps.data_rodata },
			{ .name = CF_PIN_SHADOW, .map = skel->maps.cfgf_shadow },
			{ .name = CF_PIN_CAPS, .map = skel->maps.cfgf_caps },
			{ .name = CF_PIN_HW, .map = skel->maps.cfgf_hw },
			{ .name = CF_PIN_HW_DEVICES, .map = skel->maps.cfgf_watch },
			{ .name = CF_PIN_HW_SEED, .map = skel->maps.cfgf_seed },
			{ .name = CF_PIN_PROG, .prog = skel->progs.cfgfilter_write },
			{ .name = CF_PIN_PROG_READ, .prog = skel->progs.cfgfilter_read },
			{ .name = CF_PIN_PROG_CLOSE, .prog = skel->progs.cfgfilter_close },
			{ .name = CF_PIN_PROG_DENY, .prog = skel->progs.cfgfilter_deny },
			{ .name = CF_PIN_LINK_HW_READ, .link = hw_read },
			{ .name = CF_PIN_LINK_HW_WRITE, .link = hw_write },
			{ .name = CF_PIN_LINK_OPEN, .link = skel->links.cfgfilter_open },
			{ .name = CF_PIN_PROG_DENY_URING, .prog = uring ? skel->progs.cfgfilter_deny_uring : NULL },
			{ .name = CF_PIN_LINK_READ, .link = skel->links.cfgfilter_read },
			{ .name = CF_PIN_LINK_CLOSE, .link = skel->links.cfgfilter_close },
			{ .name = CF_PIN_LINK_DENY_URING, .link = deny_uring },
			{ .name = CF_PIN_LINK_DENY, .link = deny },
			{ .name = CF_PIN_LINK, .link = skel->links.cfgfilter_write },
		};
		if (pin_all(pins, sizeof(pins) / sizeof(pins[0])))
			goto out;
	}
	cf_info("loaded: %u rules (policy %016llx) on %s%s, pinned in %s; %d vfio devices' "
		"config space read", policy.nrules, (unsigned long long)policy.hash,
		CF_ATTACH_POINT, policy.flags & CF_POL_DENY ? " and the deny hook" : "", CF_PIN_DIR,
		seeded);
	ret = 0;
out:
	if (ret)
		cf_remove_pins(); /* nothing half-loaded stays behind */
	/* Pinned links stay attached when our fds close. */
	bpf_link__destroy(deny);
	bpf_link__destroy(deny_uring);
	bpf_link__destroy(hw_read);
	bpf_link__destroy(hw_write);
	cfgfilter_bpf__destroy(skel);
	return ret;
}
