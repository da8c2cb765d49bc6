/* SPDX-License-Identifier: GPL-2.0 */
/* The engine: place the policy's rules on a device, gather them per
 * register, decide (mask, virtualize, deny, audit, verify) against the
 * device's value, report. And the handlers of vfio's config path that run
 * it: writes, reads (virtualize), close. */
#ifndef CF_ENGINE_BPF_H
#define CF_ENGINE_BPF_H

static __always_inline struct cf_stats *stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cfgf_stats, &zero);
}

static __always_inline const struct cf_policy *live_policy(void)
{
	__u32 zero = 0;
	void *inner = bpf_map_lookup_elem(&cfgf_policy, &zero);

	return inner ? bpf_map_lookup_elem(inner, &zero) : NULL;
}

/* The window length as the verifier must see it, 1..4. Clang knows the
 * caller checked the range and may hand the helper a register whose bounds
 * the verifier lost ("invalid zero-sized read"); hiding the value from clang
 * makes it compute the bounds right at the call. */
static __always_inline __u32 len_1_4(__u32 len)
{
	__u32 n = len - 1;

	barrier_var(n);
	return (n & 3) + 1;
}

static __always_inline __u32 rd_kernel(__u64 addr, __u32 len)
{
	__u32 v = 0;

	bpf_probe_read_kernel(&v, len_1_4(len), (void *)addr);
	return v;
}

/* The device's bytes [first, first + len) as last seen on the bus, and
 * which of their bits are known (seen since the device's last reset). */
/* The view's entry for the dword holding config byte `where`, if any. */
static __always_inline struct cf_hw_entry *hw_entry(__u64 bus, __u32 devfn, __u32 where)
{
	struct cf_hw_key k = { .bus = bus, .devfn = devfn, .off = where & ~3u };

	return bpf_map_lookup_elem(&cfgf_hw, &k);
}

static __always_inline __u32 hw_window(const struct cf_access *a, __u32 first, __u32 len,
				       __u32 *known)
{
	struct cf_hw_entry *e;
	__u32 lv = 0, lk = 0, hv = 0, hk = 0, shift = first & 3;

	e = hw_entry(a->d.bus, a->d.devfn, first);
	if (e && e->gen == a->hw_gen) {
		lv = e->v.value;
		lk = e->v.known;
	}
	if (shift + len > 4) {
		e = hw_entry(a->d.bus, a->d.devfn, first + 4);
		if (e && e->gen == a->hw_gen) {
			hv = e->v.value;
			hk = e->v.known;
		}
	}
	*known = cf_hw_bytes(lk, hk, shift, len);
	return cf_hw_bytes(lv, hv, shift, len);
}

/* Walk vfio's view of the capability list (what the writer sees). */
__noinline int cf_find_cap(__u64 vconfig, __u32 cfg_size, __u32 id, __u32 ext)
{
	__u32 pos, hdr;
	int i;

	if (ext) {
		pos = CF_PCI_EXT_CAP_START;
		for (i = 0; i < 96; i++) {
			if (pos < CF_PCI_EXT_CAP_START || pos + 4 > cfg_size)
				return 0;
			hdr = rd_kernel(vconfig + pos, 4);
			if (!hdr || hdr == 0xffffffff)
				return 0;
			if ((hdr & 0xffff) == id)
				return pos;
			pos = (hdr >> 20) & 0xffc;
		}
		return 0;
	}
	if (!(rd_kernel(vconfig + 0x06, 2) & 0x10)) /* Status: Capabilities List */
		return 0;
	pos = rd_kernel(vconfig + 0x34, 1) & 0xfc;
	for (i = 0; i < 48; i++) {
		if (pos < 0x40 || pos + 2 > 256)
			return 0;
		hdr = rd_kernel(vconfig + pos, 2);
		if ((hdr & 0xff) == id)
			return pos;
		pos = (hdr >> 8) & 0xfc;
	}
	return 0;
}

static __always_inline __u32 cap_base(struct cf_access *a, __u32 id, __u32 ext)
{
	struct cf_cap_key k = { .vconfig = a->d.vconfig, .id = id, .ext = ext };
	__u32 *cached, off;

	if (!ext && id == CF_PCI_CAP_ID_EXP)
		return a->d.pcie;
	cached = bpf_map_lookup_elem(&cfgf_caps, &k);
	if (cached)
		return *cached;
	off = cf_find_cap(a->d.vconfig, a->d.cfg_size, id, ext);
	bpf_map_update_elem(&cfgf_caps, &k, &off, BPF_ANY);
	return off;
}

static __always_inline int selector_match(struct cf_access *a, const struct cf_rule *r)
{
	switch (r->selector) {
	case CF_SEL_ALL:
		return 1;
	case CF_SEL_ID:
		return (a->d.id & r->sel_mask) == r->sel_value;
	case CF_SEL_CLASS:
		return (a->d.class & r->sel_mask) == r->sel_value;
	case CF_SEL_BDF:
		if (!a->dev_loaded) {
			if (bpf_probe_read_kernel_str(a->dev, sizeof(a->dev), (void *)a->d.name) < 0)
				return 0;
			a->dev_loaded = 1;
		}
		for (int i = 0; i < CF_DEV_LEN; i++) {
			if (a->dev[i] != r->sel_bdf[i])
				return 0;
			if (!a->dev[i])
				break;
		}
		return 1;
	}
	return 0;
}

static __always_inline void emit(struct cf_access *a, const struct cf_window *w, __u32 req,
				 __u32 applied, __u32 bits, __u32 action, __u32 flags)
{
	struct cf_stats *st = stats();
	struct cf_event *e = bpf_ringbuf_reserve(&cfgf_events, sizeof(*e), 0);

	if (!e) {
		if (st)
			st->events_lost++;
		return;
	}
	e->ts_boot_ns = bpf_ktime_get_boot_ns();
	e->policy_hash = a->policy_hash;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->rules = a->g_rules;
	e->requested = req;
	e->applied = applied;
	e->bits = bits;
	e->write_offset = a->pos;
	e->write_len = a->count;
	e->offset = w->first;
	e->reg_offset = a->g_reg;
	e->vendor = a->d.id >> 16;
	e->device = a->d.id & 0xffff;
	e->width = w->len;
	e->reg_width = a->g_width;
	e->action = action;
	e->flags = flags;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (bpf_probe_read_kernel_str(e->dev, sizeof(e->dev), (void *)a->d.name) < 0)
		e->dev[0] = 0;
	bpf_ringbuf_submit(e, 0);
}

/* Apply the rules gathered for one register to the current access. */
__noinline int cf_flush(struct cf_access *a)
{
	struct cf_stats *st = stats();
	struct cf_decision d, u;
	struct cf_window w;
	struct cf_masks m;
	__u32 len, req = 0, cur, hw = 0, known = 0;
	long err = 0;

	if (!a || !a->g_active)
		return 0;
	a->g_active = 0;
	cf_window(a->pos, a->count, a->g_reg, a->g_width, &w);
	len = w.len;
	if (len == 0 || len > 4)
		return 0;
	cf_precedence(a->g_mask[CF_ACT_DENY], a->g_mask[CF_ACT_VIRTUALIZE], a->g_mask[CF_ACT_MASK],
		      a->g_mask[CF_ACT_AUDIT], &m);
	m.deny = cf_window_mask(m.deny, &w);
	m.virt = cf_window_mask(m.virt, &w);
	m.mask = cf_window_mask(m.mask, &w);
	m.audit = cf_window_mask(m.audit, &w);

	if (a->mode != CF_MODE_READ)
		hw = hw_window(a, w.first, len, &known);
	if (a->mode == CF_MODE_VERIFY) {
		/* A vfio write reaching the device: vfio read the register just
		 * before (its read-merge-write), so `hw` is what the device held. */
		req = (w.buf_pos < 4 ? a->value >> (8 * w.buf_pos) : 0) & cf_bytes_mask(len);
		cf_decide_verify(&m, req, hw, known, &d, &u);
		if (d.changed) {
			if (st)
				st->races++;
			emit(a, &w, req, d.applied, d.changed, d.action, d.flags);
		}
		if (u.changed) {
			if (st)
				st->hw_unknown++;
			emit(a, &w, req, u.applied, u.changed, u.action, u.flags);
		}
		return 0;
	}
	if (bpf_probe_read_user(&req, len_1_4(len), (void *)(a->buf + w.buf_pos)))
		return 0;

	if (a->mode == CF_MODE_READ) {
		/* req holds what vfio returned; put the writer's own bits back */
		struct cf_shadow_key k = { .vconfig = a->d.vconfig, .reg = a->g_reg };
		struct cf_shadow *sh = bpf_map_lookup_elem(&cfgf_shadow, &k);
		__u32 back;

		if (!sh || !cf_can_rewrite)
			return 0;
		back = cf_decide_read(&m, req, cf_window_mask(sh->value, &w),
				      cf_window_mask(sh->mask, &w));
		if (back != req && !bpf_probe_write_user((void *)(a->buf + w.buf_pos), &back,
							 len_1_4(len)) && st)
			st->virt_reads++;
		return 0;
	}

	/* Judged against the device; where its value is not known (no access
	 * seen since the device's reset), against vfio's copy, and said so. */
	cur = cf_hw_current(hw, known, rd_kernel(a->d.vconfig + w.first, len));
	if (a->mode == CF_MODE_DENY) {
		cf_decide_deny(&m, req, cur, known, &d);
		if (d.flags && st)
			st->hw_unknown++;
		if (d.changed) {
			a->denied = 1;
			emit(a, &w, req, d.applied & cf_bytes_mask(len), d.changed, d.action, d.flags);
		}
		return 0;
	}

	/* CF_MODE_WRITE */
	if (m.virt) {
		struct cf_shadow_key k = { .vconfig = a->d.vconfig, .reg = a->g_reg };
		struct cf_shadow sh = {}, *old = bpf_map_lookup_elem(&cfgf_shadow, &k);
		__u32 rmask = w.reg_pos < 4 ? m.virt << (8 * w.reg_pos) : 0;
		__u32 rval = w.reg_pos < 4 ? req << (8 * w.reg_pos) : 0;

		if (old)
			sh = *old;
		sh.mask |= rmask;
		sh.value = (sh.value & ~rmask) | (rval & rmask);
		bpf_map_update_elem(&cfgf_shadow, &k, &sh, BPF_ANY);
	}
	cf_decide_write(&m, req, cur, known, &d);
	if ((d.flags & CF_EV_HW_UNKNOWN) && st)
		st->hw_unknown++;
	if (!d.changed)
		return 0;
	if (d.rewrite) {
		err = cf_can_rewrite ? bpf_probe_write_user((void *)(a->buf + w.buf_pos), &d.applied,
							     len_1_4(len))
				     : -1;
		if (st) {
			if (err)
				st->rewrite_failed++;
			else
				st->filtered++;
		}
		if (err) {
			d.applied = req;
			d.flags |= CF_EV_REWRITE_FAILED;
		}
	} else if (st) {
		st->audited++;
	}
	if (st && (d.flags & CF_EV_DENY_FALLBACK))
		st->deny_fallback++;
	emit(a, &w, req, d.applied, d.changed, d.action, d.flags);
	return 0;
}

/* Rule i against the current access: gather rules per register and flush
 * when the register changes (rules arrive sorted by register). */
__noinline int cf_rule_step(struct cf_access *a, const struct cf_policy *pol, __u32 i)
{
	const struct cf_rule *r;
	__u32 base, reg, width, action;

	if (!a || !pol || i >= CF_MAX_RULES)
		return 0;
	r = &pol->rules[i];
	action = r->action;
	if (a->mode == CF_MODE_DENY && action != CF_ACT_DENY)
		return 0;
	if (a->mode == CF_MODE_READ && action != CF_ACT_VIRTUALIZE)
		return 0;
	if (a->mode == CF_MODE_VERIFY && action == CF_ACT_AUDIT)
		return 0;
	if (!selector_match(a, r))
		return 0;
	if (r->anchor == CF_ANCHOR_HDR) {
		base = 0;
	} else {
		base = cap_base(a, r->cap_id, r->anchor == CF_ANCHOR_ECAP);
		if (!base)
			return 0; /* the device lacks this capability */
	}
	reg = base + r->offset;
	width = r->width;
	if (a->g_active && (a->g_reg != reg || a->g_width != width)) {
		cf_flush(a);
		a->g_rules = 0;
		__builtin_memset(a->g_mask, 0, sizeof(a->g_mask));
	}
	if (a->pos >= reg + width || a->pos + a->count <= reg)
		return 0;
	a->g_active = 1;
	a->g_reg = reg;
	a->g_width = width;
	a->g_rules |= 1u << i;
	a->g_mask[action & 7] |= r->mask;
	return 0;
}

static __always_inline int run_policy(struct cf_access *a, const struct cf_policy *pol)
{
	__u32 n = pol->nrules;

	a->policy_hash = pol->hash;
	for (__u32 i = 0; i < CF_MAX_RULES; i++) {
		if (i >= n)
			break;
		cf_rule_step(a, pol, i);
	}
	cf_flush(a);
	return 0;
}

/* From a trusted BTF pointer (fentry/fexit argument): plain loads. */
static __always_inline void dev_info_direct(struct vfio_pci_core_device *vdev,
					    struct cf_dev_info *d)
{
	struct pci_dev *pdev = vdev->pdev;

	d->vconfig = (__u64)vdev->vconfig;
	d->name = (__u64)pdev->dev.kobj.name;
	d->bus = (__u64)pdev->bus;
	d->devfn = pdev->devfn;
	d->cfg_size = pdev->cfg_size;
	d->pcie = pdev->pcie_cap;
	d->pm = pdev->pm_cap;
	d->id = (__u32)pdev->vendor << 16 | pdev->device;
	d->class = pdev->class;
}

/* From a pointer computed out of file->private_data: probe reads. */
static __always_inline void dev_info_read(struct vfio_pci_core_device *vdev,
					  struct cf_dev_info *d)
{
	struct pci_dev *pdev = BPF_CORE_READ(vdev, pdev);

	d->vconfig = (__u64)BPF_CORE_READ(vdev, vconfig);
	d->name = (__u64)BPF_CORE_READ(pdev, dev.kobj.name);
	d->bus = (__u64)BPF_CORE_READ(pdev, bus);
	d->devfn = BPF_CORE_READ(pdev, devfn);
	d->cfg_size = BPF_CORE_READ(pdev, cfg_size);
	d->pcie = BPF_CORE_READ(pdev, pcie_cap);
	d->pm = BPF_CORE_READ(pdev, pm_cap);
	d->id = (__u32)BPF_CORE_READ(pdev, vendor) << 16 | BPF_CORE_READ(pdev, device);
	d->class = BPF_CORE_READ(pdev, class);
}

/* The device's generation in the hardware view; the device is watched
 * from here on (its capability offsets recorded for reset detection). */
static __always_inline __u32 watch_device(const struct cf_dev_info *d)
{
	struct cf_dev_key k = { .bus = d->bus, .devfn = d->devfn };
	struct cf_watch *w = bpf_map_lookup_elem(&cfgf_watch, &k), nw = {};

	if (w && w->pcie == d->pcie && w->pm == d->pm)
		return w->gen;
	if (w)
		nw.gen = w->gen;
	nw.pcie = d->pcie;
	nw.pm = d->pm;
	bpf_map_update_elem(&cfgf_watch, &k, &nw, BPF_ANY);
	return nw.gen;
}

/* Start an access on the device already in a->d. The device info is
 * filled in place, not copied: the deny hook's stack has no room for two. */
static __always_inline int start_access(struct cf_access *a, __u64 buf, __u64 pos, __u64 count,
					__u32 mode)
{
	/* vfio fails such an access whole with -EFAULT: nothing to do */
	if (pos >= a->d.cfg_size || count > a->d.cfg_size - pos)
		return -1;
	__builtin_memset((char *)a + sizeof(a->d), 0, sizeof(*a) - sizeof(a->d));
	a->buf = buf;
	a->pos = pos;
	a->count = count;
	a->mode = mode;
	if (mode != CF_MODE_READ)
		a->hw_gen = watch_device(&a->d);
	return 0;
}

static __always_inline int on_config_write(struct vfio_pci_core_device *vdev, char *buf,
					   size_t count, loff_t *ppos, bool iswrite)
{
	const struct cf_policy *pol;
	struct cf_in_write *in_write;
	struct cf_access a;
	struct cf_stats *st;
	loff_t off;

	if (!iswrite)
		return 0;
	st = stats();
	if (st)
		st->writes++;
	pol = live_policy();
	if (!pol || pol->nrules > CF_MAX_RULES) {
		/* never taken; the read binds the metadata map to the program,
		 * which is how bpftool finds bpf_metadata_policy_hash */
		char c = bpf_metadata_policy_hash[0];
		barrier_var(c);
		return 0;
	}
	if (bpf_probe_read_kernel(&off, sizeof(off), ppos))
		return 0;
	dev_info_direct(vdev, &a.d);
	if (start_access(&a, (__u64)buf, (__u64)off & CF_VFIO_OFFSET_MASK, count, CF_MODE_WRITE))
		return 0;
	in_write = bpf_task_storage_get(&cfgf_in_write, bpf_get_current_task_btf(), 0,
					BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (in_write) {
		in_write->d = a.d;
		in_write->active = 1;
	}
	return run_policy(&a, pol);
}

static __always_inline int on_config_rw_exit(struct vfio_pci_core_device *vdev, char *buf,
					     size_t count, loff_t *ppos, bool iswrite, ssize_t ret)
{
	const struct cf_policy *pol;
	struct cf_access a;
	loff_t off;

	if (iswrite) {
		struct cf_in_write *in_write = bpf_task_storage_get(
			&cfgf_in_write, bpf_get_current_task_btf(), 0, 0);

		if (in_write)
			in_write->active = 0;
		return 0;
	}
	if (ret <= 0)
		return 0;
	pol = live_policy();
	if (!pol || !(pol->flags & CF_POL_VIRTUALIZE))
		return 0;
	if (bpf_probe_read_kernel(&off, sizeof(off), ppos))
		return 0;
	/* vfio has advanced *ppos by what it read */
	dev_info_direct(vdev, &a.d);
	if (start_access(&a, (__u64)buf, ((__u64)off & CF_VFIO_OFFSET_MASK) - ret, ret,
			 CF_MODE_READ))
		return 0;
	return run_policy(&a, pol);
}

struct cf_shadow_drop {
	__u64 vconfig;
};

static long drop_shadow(struct bpf_map *map, struct cf_shadow_key *k, struct cf_shadow *v,
			struct cf_shadow_drop *ctx)
{
	if (k->vconfig == ctx->vconfig)
		bpf_map_delete_elem(map, k);
	return 0;
}

static long drop_caps(struct bpf_map *map, struct cf_cap_key *k, __u32 *v,
		      struct cf_shadow_drop *ctx)
{
	if (k->vconfig == ctx->vconfig)
		bpf_map_delete_elem(map, k);
	return 0;
}

/* vfio drops its virtual config space when the device is closed; so does
 * virtualize, so a new open starts from hardware as vfio's own does. The
 * capability cache goes too: the allocator may hand the same vconfig
 * address to another device next (seen: e1000e's to nvme). */
static __always_inline int on_device_close(struct vfio_pci_core_device *vdev)
{
	struct cf_shadow_drop drop = { .vconfig = (__u64)BPF_CORE_READ(vdev, vconfig) };

	bpf_for_each_map_elem(&cfgf_shadow, drop_shadow, &drop, 0);
	bpf_for_each_map_elem(&cfgf_caps, drop_caps, &drop, 0);
	return 0;
}

#endif
