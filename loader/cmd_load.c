// SPDX-License-Identifier: GPL-2.0
/* cfgfilter load: parse, preflight, configure, load and attach, pin;
 * enforcement outlives us. Any failure leaves nothing behind. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bus_ops.h"
#include "commands.h"
#include "hw_seed.h"
#include "kallsyms.h"
#include "live.h"
#include "landing.h"
#include "log.h"
#include "methods.h"
#include "pins.h"
#include "policy.h"
#include "policy_json.h"
#include "probes.h"
#include "result.h"
#include "cfgfilter.skel.h"

/* What the steps hand each other. */
struct load {
	/* parse */
	const char *policy_file;
	bool strict;
	double wait;
	struct cf_policy policy;
	/* preflight */
	struct cf_kallsyms ksyms;
	bool rewrite, uring, lsm, restores;
	unsigned long long vfio_device_fops, pci_bus_type;
	struct cf_bus_ops bus_ops[CF_BUS_OPS_MAX];
	int nbus_ops;
	/* load and attach */
	struct cfgfilter_bpf *skel;
	int seeded;
};

static int parse(const struct cf_parsed *p, struct load *l)
{
	const char *wait = cf_cli_opt(p, "wait");
	char err[512], *end;

	l->policy_file = cf_cli_opt(p, "policy");
	l->strict = cf_cli_opt(p, "strict") != NULL;
	if (wait) {
		l->wait = strtod(wait, &end);
		if (*end || l->wait < 0) {
			cf_err("load: --wait takes seconds, not '%s'", wait);
			return CF_EXIT_USAGE;
		}
	}
	/* The policy first: a bad file is reported whoever runs this. */
	if (l->policy_file ? cf_policy_load_file(l->policy_file, &l->policy, err, sizeof(err))
			   : cf_policy_parse(cf_default_policy, strlen(cf_default_policy),
					     "<built-in default policy>", &l->policy, err, sizeof(err))) {
		cf_err_as_is(err);
		return 1;
	}
	return 0;
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

/* Everything the kernel and host must allow, asked before anything loads. */
static int preflight(struct load *l)
{
	if (cf_need_root() || cf_need_bpffs())
		return 1;
	if (l->wait > 0 && wait_for_module(l->wait))
		return cf_err("module %s did not appear within %.0f s; run 'modprobe vfio-pci'",
			      CF_MODULE, l->wait);
	if (cf_need_btf() || cf_fit_policy(&l->policy, l->strict, &l->rewrite))
		return 1;
	/* The bus hooks go where the devices' config accesses really go. */
	if (cf_kallsyms_read(&l->ksyms))
		return cf_err("cannot read /proc/kallsyms: %s; nothing loaded", strerror(errno));
	l->nbus_ops = cf_find_bus_ops(&l->ksyms, l->bus_ops, CF_BUS_OPS_MAX);
	if (l->nbus_ops < 0)
		return 1;
	for (int i = 0; i < l->nbus_ops; i++) {
		const struct cf_bus_ops *o = &l->bus_ops[i];
		const char *mod = o->module[0] ? o->module : NULL;

		if (cf_fentry_can_attach(o->read_fn, mod) && cf_fentry_can_attach(o->write_fn, mod))
			continue;
		if (!o->vfio_devices) { /* only a bus no vfio device is on: go on without it */
			cf_info("fexit cannot attach to %s/%s (the config accessors of %s's bus, in "
				"%s): a device bound to vfio later on such a bus is not followed",
				o->read_fn, o->write_fn, o->device, mod ? mod : "vmlinux");
			l->bus_ops[i--] = l->bus_ops[--l->nbus_ops];
			continue;
		}
		return cf_err("fexit cannot attach to %s/%s (the config accessors of %s's bus, in "
			      "%s): cfgfilter cannot follow the devices' config space on this "
			      "kernel; nothing loaded", o->read_fn, o->write_fn, o->device,
			      mod ? mod : "vmlinux");
	}
	if (!l->nbus_ops)
		return cf_err("no bus's config accessors can be traced here, so cfgfilter cannot "
			      "follow any device's config space; nothing loaded");
	if (!cf_fentry_can_attach("vfio_pci_config_rw", CF_MODULE))
		return cf_err("fentry cannot attach to vfio_pci_config_rw in module %s; nothing "
			      "loaded (rerun with -v for detail)", CF_MODULE);
	l->uring = cf_fentry_can_attach("io_write", NULL);
	if (!l->uring && (l->policy.flags & CF_POL_ENFORCE))
		cf_info("fentry cannot attach to io_write here: io_uring writes to devices an "
			"enforcing rule lands on are refused (undecodable_call)");
	l->restores = cf_fentry_can_attach("pci_try_reset_function", NULL) &&
		      cf_fentry_can_attach("pci_restore_state", NULL);
	if (!l->restores)
		cf_info("fentry cannot attach to pci_try_reset_function/pci_restore_state here: "
			"what the kernel restores after a reset inside a vfio write may be "
			"reported as the writer's (race, unverified)");
	/* The refusing hook as a BPF LSM program: the kernel never skips one
	 * for recursion (since 6.2), while an fmod_ret program is skipped
	 * when another task was preempted inside it on the same CPU. */
	l->lsm = cf_bpf_lsm_active();
	if (!l->lsm && (l->policy.flags & CF_POL_ENFORCE))
		cf_info("the bpf LSM is not running (not in /sys/kernel/security/lsm): the refusing "
			"hook goes on fmod_ret security_file_permission, which a preemptible kernel "
			"skips while another writer is preempted inside it (status: skipped); boot "
			"with bpf in lsm= to avoid that");
	/* The deny hook recognises vfio-pci device files by these addresses. */
	l->vfio_device_fops = cf_kallsyms_addr(&l->ksyms, "vfio_device_fops", "vfio");
	l->pci_bus_type = cf_kallsyms_addr(&l->ksyms, "pci_bus_type", NULL);
	if ((l->policy.flags & CF_POL_ENFORCE) && (!l->vfio_device_fops || !l->pci_bus_type))
		return cf_err("deny, mask and virtualize rules need vfio_device_fops and pci_bus_type from /proc/kallsyms, "
			      "not found (is module vfio loaded? does kernel.kptr_restrict hide "
			      "addresses from root?)");
	return 0;
}

/* Open the object and set what load decides: constants, which programs
 * load and which attach with the skeleton. */
static int configure(struct load *l)
{
	struct cfgfilter_bpf *skel = cfgfilter_bpf__open();
	char hash[17];

	if (!skel)
		return cf_err("cannot open the BPF object: %s", strerror(errno));
	l->skel = skel;
	skel->rodata->cf_can_rewrite = l->rewrite;
	skel->rodata->cf_has_rdonly_cast = cf_kernel_has_func("bpf_rdonly_cast");
	skel->rodata->cf_vfio_device_fops = l->vfio_device_fops;
	skel->rodata->cf_pci_bus_type = l->pci_bus_type;
	for (int i = 0; i < l->nbus_ops; i++) {
		skel->rodata->cf_bus_read_fn[i] = l->bus_ops[i].read;
		skel->rodata->cf_bus_write_fn[i] = l->bus_ops[i].write;
	}
	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)l->policy.hash);
	memcpy((void *)skel->data_rodata->bpf_metadata_policy_hash, hash, sizeof(hash));
	memcpy((void *)&skel->data_rodata->cf_live_policy, &l->policy, sizeof(l->policy));
	/* A hook on every process's file I/O: attached only for enforcing rules. */
	bpf_program__set_autoattach(skel->progs.cfgfilter_deny, false);
	/* one program, one pin: its type says where it runs (bpftool shows
	 * "lsm"); the body reads the same (file, mask, ret) either way */
	if (l->lsm && (bpf_program__set_type(skel->progs.cfgfilter_deny, BPF_PROG_TYPE_LSM) ||
		       bpf_program__set_expected_attach_type(skel->progs.cfgfilter_deny,
							     BPF_LSM_MAC) ||
		       bpf_program__set_attach_target(skel->progs.cfgfilter_deny, 0,
						      "file_permission")))
		return cf_err("cannot make the refusing hook a BPF LSM program (lsm/file_permission): "
			      "%s", strerror(errno));
	bpf_program__set_autoattach(skel->progs.cfgfilter_deny_uring, false);
	bpf_program__set_autoload(skel->progs.cfgfilter_deny_uring, l->uring);
	bpf_program__set_autoattach(skel->progs.cfgfilter_deny_uring_done, false);
	bpf_program__set_autoload(skel->progs.cfgfilter_deny_uring_done, l->uring);
	bpf_program__set_autoload(skel->progs.cfgfilter_reset, l->restores);
	bpf_program__set_autoload(skel->progs.cfgfilter_reset_done, l->restores);
	bpf_program__set_autoload(skel->progs.cfgfilter_restore, l->restores);
	bpf_program__set_autoload(skel->progs.cfgfilter_restore_done, l->restores);
	/* The hardware view goes in first, and is seeded, before any program
	 * decides on it. */
	{
		struct bpf_program *hooks[CF_BUS_OPS_MAX][2] = {
			{ skel->progs.cfgfilter_hw_read, skel->progs.cfgfilter_hw_write },
			{ skel->progs.cfgfilter_hw_read2, skel->progs.cfgfilter_hw_write2 },
		};

		for (int i = 0; i < CF_BUS_OPS_MAX; i++) {
			const struct cf_bus_ops *o = &l->bus_ops[i];

			for (int rw = 0; rw < 2; rw++) {
				bpf_program__set_autoattach(hooks[i][rw], false);
				bpf_program__set_autoload(hooks[i][rw], i < l->nbus_ops);
				if (i < l->nbus_ops &&
				    bpf_program__set_attach_target(hooks[i][rw], 0,
								   rw ? o->write_fn : o->read_fn))
					return cf_err("cannot aim the bus hooks at %s: %s",
						      rw ? o->write_fn : o->read_fn, strerror(errno));
			}
		}
	}
	return 0;
}

static int attach_one(struct bpf_program *prog, struct bpf_link **link, const char *what)
{
	*link = bpf_program__attach(prog);
	if (!*link)
		return cf_err("cannot attach %s: %s; rerun with -v for detail", what, strerror(errno));
	return 0;
}

static int load_and_attach(struct load *l)
{
	struct cfgfilter_bpf *skel = l->skel;
	__u32 zero = 0;
	int fd, unfollowed = 0;

	if (cfgfilter_bpf__load(skel))
		return cf_err("cannot load the BPF programs: %s; rerun with -v for libbpf and "
			      "verifier detail", strerror(errno));
	fd = bpf_map__fd(skel->maps.cfgf_policy_0);
	if (bpf_map_update_elem(fd, &zero, &l->policy, BPF_ANY) || bpf_map_freeze(fd))
		return cf_err("cannot store the policy: %s", strerror(errno));
	if (attach_one(skel->progs.cfgfilter_hw_read, &skel->links.cfgfilter_hw_read,
		       l->bus_ops[0].read_fn) ||
	    attach_one(skel->progs.cfgfilter_hw_write, &skel->links.cfgfilter_hw_write,
		       l->bus_ops[0].write_fn))
		return 1;
	if (l->nbus_ops > 1 &&
	    (attach_one(skel->progs.cfgfilter_hw_read2, &skel->links.cfgfilter_hw_read2,
			l->bus_ops[1].read_fn) ||
	     attach_one(skel->progs.cfgfilter_hw_write2, &skel->links.cfgfilter_hw_write2,
			l->bus_ops[1].write_fn)))
		return 1;
	l->seeded = cf_hw_seed(bpf_map__fd(skel->maps.cfgf_hw_seed), &unfollowed);
	if (l->seeded < 0)
		return 1;
	/* every bus or none: no device silently judged blind */
	if (unfollowed && (l->policy.flags & CF_POL_ENFORCE))
		return cf_err("%d vfio device%s not followed on the bus (named above): their "
			      "protected bits could not be judged; nothing loaded", unfollowed,
			      unfollowed == 1 ? " is" : "s are");
	if (cfgfilter_bpf__attach(skel))
		return cf_err("cannot attach to %s in module %s: %s; rerun with -v for detail",
			      CF_ATTACH_POINT, CF_MODULE, strerror(errno));
	if (!(l->policy.flags & CF_POL_ENFORCE))
		return 0;
	if (l->uring && attach_one(skel->progs.cfgfilter_deny_uring_done,
				   &skel->links.cfgfilter_deny_uring_done, "the end of io_uring's "
				   "write verdict (fexit/io_write)"))
		return 1;
	if (l->uring && attach_one(skel->progs.cfgfilter_deny_uring,
				   &skel->links.cfgfilter_deny_uring, "the io_uring deny hook "
				   "(fentry/io_write)"))
		return 1;
	return attach_one(skel->progs.cfgfilter_deny, &skel->links.cfgfilter_deny,
			  l->lsm ? "the refusing hook (lsm/file_permission)"
				 : "the refusing hook (fmod_ret/security_file_permission)");
}

/* Everything in the pin table that this load made; the write link last:
 * once it is pinned, the filter is loaded. */
static int pin(struct load *l)
{
	char path[256];

	for (size_t i = 0; i < cf_npins; i++) {
		const struct cf_pin *p = &cf_pins[i];
		void *obj = *(void **)((char *)l->skel + p->skel_off);
		int err = 0;

		if (!obj)
			continue; /* not loaded or not attached for this policy and kernel */
		cf_pin_path(path, sizeof(path), p->name);
		if (p->kind == CF_PIN_KIND_MAP)
			err = bpf_map__pin(obj, path);
		else if (p->kind == CF_PIN_KIND_PROG)
			err = bpf_program__fd(obj) >= 0 ? bpf_program__pin(obj, path) : 0;
		else
			err = bpf_link__pin(obj, path);
		if (err)
			return cf_err("cannot pin %s: %s", path, strerror(-err));
	}
	return 0;
}

static void result(json_t *res, const struct load *l)
{
	struct cf_live live;

	if (!cf_opts.json || cf_read_live(&live))
		return;
	json_object_set_new(res, "pin_dir", json_string(CF_PIN_DIR));
	json_object_set_new(res, "policy_file", l->policy_file ? json_string(l->policy_file)
							       : json_null());
	cf_policy_json_into(res, &live.policy);
	cf_methods_json_into(res, &live);
	json_object_set_new(res, "devices_seeded", json_integer(l->seeded));
	json_object_set_new(res, "prog_id", json_integer(live.prog_id));
}

static int run(const struct cf_parsed *p, struct load *l)
{
	int rc = parse(p, l);
	char left[512];

	if (rc || (rc = preflight(l)))
		return rc;
	/* A load running now holds the lock until its pins are in place. */
	if (cf_lock_pins())
		return 1;
	if (cf_is_loaded())
		return cf_err("already loaded (%s/%s exists); nothing changed. Use "
			      "'cfgfilter policy apply FILE' to change the policy",
			      CF_PIN_DIR, CF_PIN_LINK);
	/* a load or unload killed midway left programs running: they go
	 * first, so what runs is what this load pins */
	if (cf_leftover_links(left, sizeof(left))) {
		cf_info("removing what an interrupted load or unload left (%s)", left);
		if (cf_remove_pins())
			return 1;
	}
	/* The pins (mode 0600) are root's alone: they give the policy, the
	 * events and the counters. The directory may be searched, not listed,
	 * so cfgfilter-exporter, no longer root, can still see which links are pinned. */
	if (mkdir(CF_PIN_DIR, 0711) && errno != EEXIST)
		return cf_err("cannot create %s: %s", CF_PIN_DIR, strerror(errno));
	if (chmod(CF_PIN_DIR, 0711))
		return cf_err("cannot set the mode of %s: %s", CF_PIN_DIR, strerror(errno));
	if (configure(l) || load_and_attach(l) || pin(l)) {
		cf_remove_pins(); /* nothing half-loaded stays behind */
		return 1;
	}
	cf_info("loaded: %u rules (policy %016llx) on %s%s, pinned in %s; %d vfio devices' "
		"config space read", l->policy.nrules, (unsigned long long)l->policy.hash,
		CF_ATTACH_POINT, l->policy.flags & CF_POL_ENFORCE ? " and the refusing hook" : "",
		CF_PIN_DIR, l->seeded);
	{
		static struct cf_landing landed[CF_LAND_MAX];

		cf_land_and_warn(&l->policy, landed, CF_LAND_MAX);
	}
	return 0;
}

int cmd_load(const struct cf_parsed *p)
{
	json_t *res = cf_result_new("load");
	struct load l = { 0 };
	int rc = run(p, &l);

	if (!rc)
		result(res, &l);
	json_object_set_new(res, "loaded", json_boolean(!rc));
	/* Pinned links stay attached when our fds close. */
	cfgfilter_bpf__destroy(l.skel);
	cf_kallsyms_free(&l.ksyms);
	return cf_result_end(res, rc);
}
