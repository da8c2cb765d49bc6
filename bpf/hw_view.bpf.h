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

/* The device's entry if (bus, devfn) is watched. A device the seeding
 * cfgfilter process reads becomes watched, followed whole: the seed reads
 * every dword, so every entry is current once it is done. */
static __always_inline struct cf_watch *watched(__u64 bus, __u32 devfn)
{
	struct cf_dev_key k = { .bus = bus, .devfn = devfn };
	struct cf_watch *w = bpf_map_lookup_elem(&cfgf_watch, &k);
	struct cf_seed *seed;
	__u32 zero = 0;

	seed = bpf_map_lookup_elem(&cfgf_seed, &zero);
	if (!seed || !seed->tgid || seed->tgid != bpf_get_current_pid_tgid() >> 32)
		return w;
	if (!bus_hooked((struct pci_bus *)bus))
		return w; /* not seen: the loader names the device as unfollowed */
	w = watch_get(&k);
	if (!w)
		return NULL;
	seed->seen = 1; /* this device's bus is followed */
	w->pcie = seed->pcie;
	w->pm = seed->pm;
	w->narrowed = 0;
	w->caps.state = CF_CAPS_NONE; /* rebuilt from what the seed reads */
	return w;
}

/* Is the dword holding `where` followed? */
static __always_inline int follows(const struct cf_watch *w, __u32 where)
{
	__u32 dw = where >> 2;

	return !w->narrowed || (w->track[cf_dword_word(dw)] >> (dw & 63)) & 1;
}

/* Out of line: the stats key on the stack would push the verify path's
 * chain of calls past 512 bytes. */
static __noinline int hw_full_inc(void)
{
	cf_stat_inc(hw_full);
	return 0;
}

/* Record an access in the view. *old is the entry it lands in, if any. */
static __always_inline void hw_note(__u64 bus, __u32 devfn, __u32 gen, __u32 where, __u32 size,
				    __u32 value, int is_read, struct cf_hw_entry *old)
{
	struct cf_hw_key k = { .bus = bus, .devfn = devfn, .off = where & ~3u };
	struct cf_hw_entry e = {};

	if (old && old->gen == gen) {
		/* in place: the common case, and no LRU update */
		struct cf_hw_val v = old->v;

		cf_hw_record(&v, where & 3, size, value, is_read);
		if (v.value != old->v.value || v.known != old->v.known)
			old->v = v;
		return;
	}
	e.gen = gen;
	cf_hw_record(&e.v, where & 3, size, value, is_read);
	if (bpf_map_update_elem(&cfgf_hw, &k, &e, BPF_ANY))
		hw_full_inc(); /* stays unknown: its protected bits are refused */
}

/* Does [where, where + size) write `bit` of the byte at `at`? */
static __always_inline int writes_bit(__u32 where, __u32 size, __u32 value, __u32 at, __u32 bit)
{
	if (at < where || at >= where + size)
		return 0;
	return (value >> (8 * (at - where))) & bit;
}

static long bump_gen(struct bpf_map *map, struct cf_dev_key *k, struct cf_watch *w, void *ctx)
{
	w->gen++;
	return 0;
}

/* Secondary Bus Reset in a bridge's Bridge Control (0x3e bit 6): every
 * device below the bridge. The bridge itself is no followed device, so
 * every followed device's view goes. */
static __always_inline int starts_bus_reset(__u32 where, __u32 size, __u32 value)
{
	return writes_bit(where, size, value, 0x3e, 0x40);
}

static __always_inline void void_every_view(void)
{
	bpf_for_each_map_elem(&cfgf_watch, bump_gen, NULL, 0);
}

enum cf_reset { CF_RESET_NONE = 0, CF_RESET_DEVICE = 1, CF_RESET_BUS = 2 };

/* Resets change the device without a config write the hooks could see,
 * but the kernel starts each with one of these writes. Judged before the
 * write is recorded: a power state change needs the state before it. */
static __always_inline int reset_by(__u64 bus, __u32 devfn, const struct cf_watch *w,
				    __u32 where, __u32 size, __u32 value)
{
	struct cf_hw_entry *e;
	__u32 pmcsr, old = 3;

	if (starts_bus_reset(where, size, value))
		return CF_RESET_BUS;
	/* Function Level Reset: Device Control bit 15 (high byte, bit 7) */
	if (w->pcie && writes_bit(where, size, value, w->pcie + 0x09, 0x80))
		return CF_RESET_DEVICE;
	/* PMCSR (pm + 4, dword-aligned) set to D0 from another state, or from
	 * a state not seen: D3hot -> D0 resets a device without No_Soft_Reset */
	pmcsr = w->pm + 4;
	if (!w->pm || where != pmcsr || (value & 3))
		return CF_RESET_NONE;
	e = hw_entry(bus, devfn, pmcsr);
	if (e && e->gen == w->gen && (e->v.known & 0xff))
		old = e->v.value & 3;
	return old ? CF_RESET_DEVICE : CF_RESET_NONE;
}

/* Everything seen of the device before is void (its generation moves on);
 * what the kernel then restores, and what anyone reads, is seen again. */
static __always_inline void note_reset(struct cf_watch *w, int how)
{
	if (how == CF_RESET_BUS)
		void_every_view();
	else if (how == CF_RESET_DEVICE)
		__sync_fetch_and_add(&w->gen, 1);
}

/* The bus hooks take the program's context, not the arguments: the
 * program itself then needs no stack frame, which the verify path's chain
 * of calls (512 bytes at most) has no room for. Arguments: pci_ops
 * read/write(bus, devfn, where, size, value), ret. The budget: one lookup
 * (the device in cfgf_watch) and a bitmap test, for an access no rule
 * covers. */
static __noinline int bus_read_seen(unsigned long long *ctx)
{
	struct pci_bus *bus = (void *)ctx[0];
	__u32 devfn = ctx[1], size = ctx[3];
	int where = ctx[2];
	u32 *value = (void *)ctx[4];
	struct cf_watch *w;
	u32 v = 0;

	if (where < 0 || where >= 4096)
		return 0;
	w = watched((__u64)bus, devfn);
	if (!w || !follows(w, where))
		return 0;
	if (bpf_probe_read_kernel(&v, sizeof(v), value))
		return 0;
	hw_note((__u64)bus, devfn, w->gen, where, size, v, 1, hw_entry((__u64)bus, devfn, where));
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

/* A vfio write that reached the device: check it (CF_MODE_VERIFY). A
 * function of its own: verified once, not once per path into it. */
__noinline int cf_verify_write(struct cf_in_write *in_write, __u32 where, __u32 size,
			       __u32 value)
{
	const struct cf_policy *pol = live_policy();
	struct cf_access *a;

	if (!in_write || !pol || pol->nrules > CF_MAX_RULES || in_write->checking)
		return 0;
	in_write->checking = 1;
	a = &in_write->check;
	a->d = in_write->d;
	if (!start_access(a, 0, where, size, CF_MODE_VERIFY)) {
		a->value = value;
		run_policy(a, pol);
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
	struct cf_hw_entry *old;
	struct cf_watch *w;
	int reset;

	if (where >= 4096)
		return 0;
	w = watched((__u64)bus, devfn);
	if (!w) {
		/* a bridge above followed devices */
		if (starts_bus_reset(where, size, value))
			void_every_view();
		return 0;
	}
	reset = reset_by((__u64)bus, devfn, w, where, size, value);
	if (!follows(w, where)) {
		/* no rule covers this dword: nothing to check or keep */
		if (reset)
			note_reset(w, reset);
		return 0;
	}
	gen = w->gen;
	old = hw_entry((__u64)bus, devfn, where);
	/* A write of what the device already holds changes no bit: nothing to
	 * check (vfio's read-merge-write of an unchanged register) */
	if (cf_read_once(cf_in_writes) &&
	    (!old || old->gen != gen || !cf_hw_same(&old->v, where & 3, size, value))) {
		in_write = bpf_task_storage_get(&cfgf_in_write, bpf_get_current_task_btf(), 0, 0);
		/* not another device, written by the kernel meanwhile */
		if (in_write && in_write->active && users_write(in_write, where, size) &&
		    in_write->d.bus == (__u64)bus && in_write->d.devfn == devfn)
			cf_verify_write(in_write, where, size, value);
	}
	if (!failed)
		hw_note((__u64)bus, devfn, gen, where, size, value, 0, old);
	if (reset)
		note_reset(w, reset);
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
	struct cf_watch *w;

	dev_info_direct(vdev, &d);
	k.bus = d.bus;
	k.devfn = d.devfn;
	if (!bus_hooked((struct pci_bus *)d.bus)) {
		/* not followed: its protected bits are refused (value_unknown) */
		bpf_map_delete_elem(&cfgf_watch, &k);
		drop_plan(vdev);
		return 0;
	}
	w = watch_get(&k);
	if (w) {
		w->narrowed = 0; /* followed whole until its plan narrows it */
		for (int i = 0; i < CF_CFG_DWORDS / 64; i++)
			w->track[i] = 0;
		w->pcie = d.pcie;
		w->pm = d.pm;
		w->open_gen = __sync_add_and_fetch(&w->gen, 1);
		w->caps.state = CF_CAPS_NONE; /* rebuilt from what vfio reads now */
	}
	drop_plan(vdev);
	return 0;
}

#endif
