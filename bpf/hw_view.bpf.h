/* SPDX-License-Identifier: GPL-2.0 */
/* The hardware view: the devices' config space as the PCI bus carries it
 * (include/cf_hw.h), resets seen by the writes that start them, and the
 * check of every vfio write that reaches a device. */
#ifndef CF_HW_VIEW_BPF_H
#define CF_HW_VIEW_BPF_H

/* --- The hardware view ------------------------------------------------ */

/* Do both of the bus's accessors carry a bus hook? A bus whose read is
 * hooked but whose write is not (another pci_ops sharing the read) would
 * look followed while its writes went unseen. */
static __noinline bool bus_hooked(struct pci_bus *bus)
{
	struct pci_ops *ops = NULL;
	__u64 rd = 0, wr = 0;

	/* a call of its own: its stack is not on the hooks' deepest path */
	if (!bus || bpf_core_read(&ops, sizeof(ops), &bus->ops) || !ops ||
	    bpf_core_read(&rd, sizeof(rd), &ops->read) ||
	    bpf_core_read(&wr, sizeof(wr), &ops->write) || !rd)
		return false;
	return (rd == cf_bus_read_fn[0] && wr == cf_bus_write_fn[0]) ||
	       (rd == cf_bus_read_fn[1] && wr == cf_bus_write_fn[1]);
}

/* The device's record if (bus, devfn) is followed. A device the seeding
 * cfgfilter process reads becomes followed, whole: the seed reads every
 * dword, so every one is current once it is done. */
static __always_inline struct cf_hw_device *followed_device(__u64 bus, __u32 devfn)
{
	struct cf_dev_key k = { .bus = bus, .devfn = devfn };
	struct cf_hw_device *hd = bpf_map_lookup_elem(&cfgf_hw_devices, &k);
	struct cf_seed *seed;
	__u32 zero = 0;

	seed = bpf_map_lookup_elem(&cfgf_hw_seed, &zero);
	if (!seed || !seed->tgid || seed->tgid != bpf_get_current_pid_tgid() >> 32)
		return hd;
	if (!bus_hooked((struct pci_bus *)bus))
		return hd; /* not seen: the loader names the device as unfollowed */
	hd = hw_device_get(&k);
	if (!hd)
		return NULL;
	seed->seen = 1; /* this device's bus is followed */
	hd->pcie = seed->pcie;
	hd->pm = seed->pm;
	cf_dev_follow_all(hd);
	hd->caps.state = CF_CAPS_NONE; /* rebuilt from what the seed reads */
	return hd;
}

static long bump_gen(struct bpf_map *map, struct cf_dev_key *k, struct cf_hw_device *hd,
		     void *ctx)
{
	cf_dev_reset(hd);
	return 0;
}

/* Secondary Bus Reset: the bridge itself is no followed device, so every
 * followed device's view goes. */
static __always_inline void void_every_view(void)
{
	bpf_for_each_map_elem(&cfgf_hw_devices, bump_gen, NULL, 0);
}

/* The bus hooks take the program's context, not the arguments: the
 * program itself then needs no stack frame, which the verify path's chain
 * of calls (512 bytes at most) has no room for. Arguments: pci_ops
 * read/write(bus, devfn, where, size, value), ret. The budget: one lookup
 * (the device in cfgf_hw_devices) and a bitmap test, for an access no rule
 * covers. */
static __noinline int bus_read_seen(unsigned long long *ctx)
{
	struct pci_bus *bus = (void *)ctx[0];
	__u32 devfn = ctx[1], size = ctx[3];
	int where = ctx[2];
	u32 *value = (void *)ctx[4];
	struct cf_hw_device *hd;
	u32 v = 0;

	if (where < 0 || where >= 4096)
		return 0;
	hd = followed_device((__u64)bus, devfn);
	if (!hd || !cf_dev_follows(hd, where))
		return 0;
	if (kernel_u32(value, &v))
		return 0;
	cf_dev_bus_read(hd, where, size, v);
	return 0;
}

/* The bus's config read accessor (pci_ops.read), which vfio's and sysfs'
 * user accessors, the kernel's own reads and vfio's read at open end in. */
static __always_inline int on_bus_read(unsigned long long *ctx, struct pci_bus *bus,
				       unsigned int devfn, int where, int ret)
{
	if (ret || where < 0 || where >= 4096)
		return 0;
	return bus_read_seen(ctx);
}

/* Is this bus write inside a vfio write the VFIO user's own? vfio writes
 * the user's bytes where the user put them; what it writes elsewhere (the
 * BARs it restores, the Command a reset clears) and what the kernel's
 * reset and restore write are the kernel's (hooks below). */
static __always_inline int users_write(const struct cf_in_write *in_write, __u32 where,
				       __u32 size)
{
	return !in_write->kernel && where < in_write->pos + in_write->count &&
	       in_write->pos < where + size;
}

/* A vfio write that reached the device, under a policy applied since it
 * was judged, with no plan compiled for it yet: not checked, and said so. */
static __noinline void report_unchecked(struct cf_access *a)
{
	struct cf_window w = { .first = a->pos, .len = a->count < 4 ? a->count : 4 };

	cf_stat_inc(hw_unknown);
	emit(a, &w, a->value & cf_bytes_mask(w.len), a->value & cf_bytes_mask(w.len), 0,
	     CF_ACT_AUDIT, CF_EV_RACE | CF_EV_HW_UNKNOWN);
}

/* A vfio write that reached the device hd: check it (CF_MODE_VERIFY),
 * with the plan compiled for the live policy; never compiling one here. A
 * function of its own: verified once, not once per path into it. */
__noinline int cf_verify_write(struct cf_in_write *in_write, __u32 where, __u32 size,
			       __u32 value, struct cf_hw_device *hd)
{
	const struct cf_policy *pol = live_policy();
	const struct cf_plan *p;
	struct cf_access *a;

	if (!in_write || !pol || pol->nrules > CF_MAX_RULES || in_write->checking)
		return 0;
	in_write->checking = 1;
	a = &in_write->check;
	a->d = in_write->d;
	if (!start_access(a, 0, where, size, CF_MODE_VERIFY)) {
		a->value = value;
		p = compiled_plan(a, pol, hd);
		if (!p)
			report_unchecked(a);
		else if (cf_plan_touches(p, a->pos, a->count))
			cf_run_plan(a, pol, p, hd);
		plan_done(a, hd);
	}
	in_write->checking = 0;
	return 0;
}

static __noinline int bus_write_seen(unsigned long long *ctx)
{
	struct pci_bus *bus = (void *)ctx[0];
	__u32 devfn = ctx[1], where = ctx[2], size = ctx[3], value = ctx[4], gen;
	int failed = ctx[5];
	struct cf_in_write *in_write;
	struct cf_hw_device *hd;
	struct cf_hw_val old;
	int reset;

	if (where >= 4096)
		return 0;
	hd = followed_device((__u64)bus, devfn);
	if (!hd) {
		/* a bridge above followed devices */
		if (cf_starts_bus_reset(where, size, value))
			void_every_view();
		return 0;
	}
	reset = cf_dev_reset_by(hd, where, size, value);
	gen = hd->gen;
	/* Only a followed dword has a rule to check, and only while a vfio
	 * write is in flight somewhere */
	if (cf_dev_follows(hd, where) && cf_read_once(cf_in_writes)) {
		cf_dev_dword(hd, gen, where, &old);
		/* a write of what the device already holds changes no bit:
		 * nothing to check (vfio's read-merge-write of an unchanged
		 * register) */
		in_write = cf_hw_same(&old, where & 3, size, value) ? NULL :
			   bpf_task_storage_get(&cfgf_in_write, bpf_get_current_task_btf(), 0, 0);
		/* not another device, written by the kernel meanwhile */
		if (in_write && in_write->active && users_write(in_write, where, size) &&
		    in_write->d.bus == (__u64)bus && in_write->d.devfn == devfn)
			cf_verify_write(in_write, where, size, value, hd);
	}
	cf_dev_bus_write(hd, gen, where, size, value, failed, reset);
	if (reset == CF_RESET_BUS)
		void_every_view();
	return 0;
}

static __always_inline int on_bus_write(unsigned long long *ctx, struct pci_bus *bus,
					unsigned int devfn, int where)
{
	if (where < 0 || where >= 4096)
		return 0;
	return bus_write_seen(ctx);
}

/* The kernel's reset of a device inside a vfio write (pci_try_reset_function,
 * for FLR through the virtual DEVCTL or AF) and its restore of config space
 * (pci_restore_state, also after a D3hot -> D0 reset vfio's PMCSR write
 * makes): `delta` +1 on entry, -1 on exit. */
static __always_inline int on_kernel_section(int delta)
{
	struct cf_in_write *in_write;

	if (!cf_read_once(cf_in_writes))
		return 0;
	in_write = bpf_task_storage_get(&cfgf_in_write, bpf_get_current_task_btf(), 0, 0);
	if (!in_write || !in_write->active || (delta < 0 && !in_write->kernel))
		return 0;
	in_write->kernel += delta;
	return 0;
}

/* vfio opens the device: it then resets it (where it can) and reads all
 * of config space into vconfig. Nothing seen before counts: the device at
 * this (bus, devfn) may not even be the one seen then (hot-plug); what
 * vfio reads now rebuilds the view. */
static __always_inline int on_device_open(struct vfio_pci_core_device *vdev)
{
	struct cf_dev_key k = {};
	struct cf_dev_info d;
	struct cf_hw_device *hd;

	dev_info_direct(vdev, &d);
	k.bus = d.bus;
	k.devfn = d.devfn;
	if (!bus_hooked((struct pci_bus *)d.bus)) {
		/* not followed: its protected bits are refused (value_unknown) */
		bpf_map_delete_elem(&cfgf_hw_devices, &k);
		return 0;
	}
	hd = hw_device_get(&k);
	if (hd)
		cf_dev_opened(hd, d.pcie, d.pm);
	return 0;
}

#endif
