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

/* Counted where it happens, looked up only then: the lookup is a helper
 * call, which a write that changes nothing should not pay. */
#define cf_stat_inc(field)                              \
	do {                                            \
		struct cf_stats *__st = stats();        \
		if (__st)                               \
			__st->field++;                  \
	} while (0)

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

/* The device's bytes [first, first + len) as last seen on the bus, and
 * which of their bits are known (seen in generation a->hw_gen); none
 * without a record. */
static __always_inline __u32 hw_window(const struct cf_access *a, struct cf_hw_device *hd,
				       __u32 first, __u32 len, __u32 *known)
{
	*known = 0;
	return hd ? cf_dev_bytes(hd, a->hw_gen, first, len, known) : 0;
}

/* What include/cf_caps.h walks: the device's dwords seen on the bus since
 * vfio opened it (vfio's open reads every capability header, the ones it
 * then hides too; the loader's seed reads all of config space). */
struct cf_caps_src {
	struct cf_hw_device *hd;
};

static __always_inline __u32 cf_caps_read(const struct cf_caps_src *s, __u32 off, __u32 *known)
{
	__u64 x = cf_read_once(*cf_dev_word(s->hd, off));
	struct cf_hw_val v;

	*known = 0;
	if (!cf_hw_seen_since(x, s->hd->open_gen))
		return 0; /* not seen since this open: maybe another device */
	cf_hw_unpack(x, cf_hw_word_gen(x), &v);
	*known = v.known;
	return v.value;
}

/* The device's capability directory, built if this open has none yet. */
static __noinline int build_caps(struct cf_hw_device *hd, __u32 cfg_size)
{
	struct cf_caps_src s = { .hd = hd };

	if (!hd)
		return 0;
	if (hd->caps.state == CF_CAPS_BUILT)
		return 0;
	cf_caps_build(&hd->caps, &s, cfg_size);
	if (hd->caps.state != CF_CAPS_BUILT)
		cf_stat_inc(caps_partial);
	return 0;
}

/* Where the rule's capability starts on the device: 0 if the device has
 * none, -1 if its directory cannot tell. The PCIe capability comes with
 * the device (the kernel's pcie_cap). */
static __noinline int cap_base(const struct cf_hw_device *hd, __u32 pcie, __u32 id, __u32 ext)
{
	if (!ext && id == CF_PCI_CAP_ID_EXP)
		return pcie;
	if (!hd)
		return -1; /* no hardware view of the device */
	return cf_caps_find(&hd->caps, id, ext);
}

static __always_inline void load_dev_name(struct cf_access *a)
{
	if (a->dev_loaded)
		return;
	if (bpf_probe_read_kernel_str(a->dev, sizeof(a->dev), (void *)a->d.name) < 0)
		a->dev[0] = 0;
	a->dev_loaded = 1;
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
		load_dev_name(a);
		if (!a->dev[0])
			return 0;
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

/* Report one decision; 0 if the ring buffer had no room for it. */
static __always_inline int emit(struct cf_access *a, const struct cf_window *w, __u32 req,
				__u32 applied, __u32 bits, __u32 action, __u32 flags)
{
	struct cf_stats *st = stats();
	struct cf_event *e = bpf_ringbuf_reserve(&cfgf_events, sizeof(*e), 0);

	if (!e) {
		if (st)
			st->events_lost++;
		return 0;
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
	if (st)
		st->events++;
	return 1;
}

enum cf_count_kind {
	CF_CNT_DONE,           /* by the rule's action: filtered, virtualized, audited */
	CF_CNT_REWRITE_FAILED, /* audit rules still count as audited */
	CF_CNT_DENIED,
	CF_CNT_RACE,
	CF_CNT_UNVERIFIED,
	CF_CNT_REFUSED,        /* the refusing hook could not judge the rule's bits */
};

static __always_inline __u64 *count_field(struct cf_counts *c, __u32 kind, __u32 action)
{
	switch (kind) {
	case CF_CNT_DENIED:
		return &c->denied;
	case CF_CNT_RACE:
		return &c->races;
	case CF_CNT_UNVERIFIED:
		return &c->unverified;
	case CF_CNT_REFUSED:
		return &c->refused;
	}
	if (action == CF_ACT_AUDIT)
		return &c->audited;
	if (kind == CF_CNT_REWRITE_FAILED)
		return &c->rewrite_failed;
	return action == CF_ACT_VIRTUALIZE ? &c->virtualized : &c->filtered;
}

/* The bits of m that belong to `action` after precedence. */
static __always_inline __u32 owned_by(const struct cf_masks *m, __u32 action)
{
	switch (action) {
	case CF_ACT_DENY:
		return m->deny;
	case CF_ACT_VIRTUALIZE:
		return m->virt;
	case CF_ACT_MASK:
		return m->mask;
	}
	return m->audit;
}

/* Keep a decision for cf_count: `changed` is window-relative. */
static __always_inline void note_count(struct cf_access *a, __u32 slot,
				       const struct cf_window *w, __u32 changed, __u32 kind,
				       int sent)
{
	slot &= 1;
	a->c_kind[slot] = kind;
	a->c_sent[slot] = sent;
	a->c_changed[slot] = w->reg_pos < 4 ? changed << (8 * w->reg_pos) : 0;
}

/* Writer rows created so far; past CF_COUNT_WRITER_ROWS new writers count
 * in their device's "other" row, for which the map keeps room. */
__u64 cf_count_writer_rows;

/* A new row for k. A writer past the writers' share becomes its device's
 * "other" row (k is changed), so per-device sums stay exact. */
static __always_inline struct cf_counts *count_row_new(struct cf_count_key *k)
{
	static const struct cf_counts zero;
	struct cf_counts *c;

	if (k->tgid && __sync_fetch_and_add(&cf_count_writer_rows, 1) >= CF_COUNT_WRITER_ROWS) {
		/* a static const string here broke the object's BTF on 6.1 */
		__builtin_memset(k->comm, 0, sizeof(k->comm));
		k->comm[0] = 'o';
		k->comm[1] = 't';
		k->comm[2] = 'h';
		k->comm[3] = 'e';
		k->comm[4] = 'r';
		k->tgid = 0;
		cf_stat_inc(counts_other);
		c = bpf_map_lookup_elem(&cfgf_counts, k);
		if (c)
			return c;
	}
	bpf_map_update_elem(&cfgf_counts, k, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&cfgf_counts, k);
}

_Static_assert((CF_MAX_RULES & (CF_MAX_RULES - 1)) == 0, "rule indexes are masked with CF_MAX_RULES - 1");

/* Count what cf_flush decided on rule i, if it owns one of the changed
 * bits. A function of its own: verified once, not once per rule. The key
 * is built here, on this frame: a lookup takes no key passed in on 6.1. */
__noinline int cf_count_rule(struct cf_access *a, const struct cf_policy *pol,
			     const struct cf_masks *m, __u32 i)
{
	const struct cf_rule *r;
	struct cf_count_key k = {}; /* bpf_get_current_comm on 6.1 writes up to the NUL only */
	struct cf_stats *st;
	struct cf_counts *c;
	__u32 own, b0, b1;

	if (!a || !pol || !m)
		return 0;
	r = &pol->rules[i & (CF_MAX_RULES - 1)]; /* i < CF_MAX_RULES, bounded for the verifier */
	own = r->mask & owned_by(m, r->action);
	b0 = own & a->c_changed[0];
	b1 = own & a->c_changed[1];
	if (!b0 && !b1)
		return 0;
	load_dev_name(a);
	__builtin_memcpy(k.dev, a->dev, sizeof(k.dev));
	bpf_get_current_comm(k.comm, sizeof(k.comm));
	k.tgid = bpf_get_current_pid_tgid() >> 32;
	k.pad = 0;
	__builtin_memcpy(k.rule, r->name, sizeof(k.rule));
	c = bpf_map_lookup_elem(&cfgf_counts, &k);
	if (!c)
		c = count_row_new(&k);
	if (!c) {
		st = stats();
		if (st)
			st->counts_full++;
		return 0;
	}
	if (b0) {
		__sync_fetch_and_add(count_field(c, a->c_kind[0], r->action), 1);
		if (!a->c_sent[0])
			__sync_fetch_and_add(&c->events_lost, 1);
	}
	if (b1) {
		__sync_fetch_and_add(count_field(c, a->c_kind[1], r->action), 1);
		if (!a->c_sent[1])
			__sync_fetch_and_add(&c->events_lost, 1);
	}
	return 0;
}

/* Count what cf_flush decided on every rule owning one of the changed
 * bits: exact, whether or not its event found room in the ring buffer. */
__noinline int cf_count(struct cf_access *a, const struct cf_policy *pol)
{
	struct cf_masks m;

	if (!a || !pol)
		return 0;
	cf_precedence(a->g_mask[CF_ACT_DENY], a->g_mask[CF_ACT_VIRTUALIZE], a->g_mask[CF_ACT_MASK],
		      a->g_mask[CF_ACT_AUDIT], &m);
	for (__u32 i = 0; i < CF_MAX_RULES; i++)
		if (a->g_rules & (1u << i))
			cf_count_rule(a, pol, &m, i);
	return 0;
}

/* Apply the rules gathered for one register to the current access, on
 * the device whose record is hd (NULL: none, nothing of it is known). */
__noinline int cf_flush(struct cf_access *a, const struct cf_policy *pol, struct cf_hw_device *hd)
{
	struct cf_decision d, u;
	struct cf_window w;
	struct cf_masks m;
	__u32 len, req = 0, cur, hw = 0, known = 0;
	long err = 0;
	int sent;

	if (!a || !pol || !a->g_active)
		return 0;
	a->g_active = 0;
	if (cf_register_window(a->g_mask, a->pos, a->count, a->g_reg, a->g_width, a->mode, &w, &m))
		return 0;
	len = w.len;

	if (a->mode != CF_MODE_READ)
		hw = hw_window(a, hd, w.first, len, &known);
	if (a->mode == CF_MODE_VERIFY) {
		/* A vfio write reaching the device: vfio read the register just
		 * before (its read-merge-write), so `hw` is what the device held. */
		req = (w.buf_pos < 4 ? a->value >> (8 * w.buf_pos) : 0) & cf_bytes_mask(len);
		cf_decide_verify(&m, req, hw, known, &d, &u);
		if (d.changed) {
			cf_stat_inc(races);
			/* SIGKILL, queued from here (interrupts may be off), is
			 * pending before the writer's call returns */
			if (pol->flags & CF_POL_KILL)
				bpf_send_signal(9);
			sent = emit(a, &w, req, d.applied, d.changed, d.action, d.flags);
			note_count(a, 0, &w, d.changed, CF_CNT_RACE, sent);
		}
		if (u.changed) {
			cf_stat_inc(hw_unknown);
			sent = emit(a, &w, req, u.applied, u.changed, u.action, u.flags);
			note_count(a, 1, &w, u.changed, CF_CNT_UNVERIFIED, sent);
		}
		return 0;
	}
	if (bpf_probe_read_user(&req, len_1_4(len), (void *)(a->buf + w.buf_pos))) {
		/* Not mapped in the writer (probe reads fault nothing in), yet
		 * vfio's copy_from_user would fault it in and write it: the
		 * refusing hook refuses a write whose enforced bits it cannot
		 * read, in either pass (the mask pass reads the buffer again: a
		 * writer may unmap it in between). On vfio's path (the buffer
		 * went since) the bus check judges what reaches the device. */
		__u32 enforced = cf_protected(&m);

		if ((a->mode != CF_MODE_DENY && a->mode != CF_MODE_MASK) || !enforced)
			return 0;
		if (!a->denied)
			a->denied = CF_REFUSED_UNREADABLE;
		sent = emit(a, &w, 0, 0, enforced, cf_top_action(enforced, &m),
			    CF_EV_REFUSED | CF_EV_UNREADABLE);
		note_count(a, 0, &w, enforced, CF_CNT_REFUSED, sent);
		return 0;
	}

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
							 len_1_4(len)))
			cf_stat_inc(virt_reads);
		return 0;
	}

	/* Judged against the device only: bits whose value is not known are
	 * refused by the refusing hook, never taken from vfio's copy. */
	cur = hw & known;
	if (a->mode == CF_MODE_DENY) {
		cf_decide_deny(&m, req, cur, known, &d);
		if (d.changed) {
			int unknown = d.flags & CF_EV_HW_UNKNOWN;

			if (unknown)
				cf_stat_inc(hw_unknown);
			if (!a->denied)
				a->denied = unknown ? CF_REFUSED_VALUE : CF_DENIED;
			sent = emit(a, &w, req, d.applied & cf_bytes_mask(len), d.changed, d.action,
				    d.flags);
			note_count(a, 0, &w, d.changed, unknown ? CF_CNT_REFUSED : CF_CNT_DENIED,
				   sent);
		}
		return 0;
	}

	/* CF_MODE_WRITE, CF_MODE_MASK (m.virt and m.audit are 0) */
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
	if ((d.flags & CF_EV_HW_UNKNOWN))
		cf_stat_inc(hw_unknown);
	if (!d.changed)
		return 0;
	if (d.rewrite) {
		err = cf_can_rewrite ? bpf_probe_write_user((void *)(a->buf + w.buf_pos), &d.applied,
							     len_1_4(len))
				     : -1;
		if (err)
			cf_stat_inc(rewrite_failed);
		else
			cf_stat_inc(filtered);
		if (err) {
			d.applied = req;
			d.flags |= CF_EV_REWRITE_FAILED;
		}
		if (err && a->mode == CF_MODE_MASK) {
			/* the buffer cannot be masked (read-only): the
			 * refusing hook refuses the write whole */
			if (!a->denied)
				a->denied = CF_REFUSED_UNWRITABLE;
			d.applied = cur;
			d.flags |= CF_EV_REFUSED;
		}
	} else {
		cf_stat_inc(audited);
	}
	if (d.flags & CF_EV_DENY_FALLBACK)
		cf_stat_inc(deny_fallback);
	sent = emit(a, &w, req, d.applied, d.changed, d.action, d.flags);
	note_count(a, 0, &w, d.changed,
		   d.flags & CF_EV_REFUSED ? CF_CNT_REFUSED
		   : err		   ? CF_CNT_REWRITE_FAILED
					   : CF_CNT_DONE,
		   sent);
	return 0;
}

static const struct cf_hw_device cf_hw_device_zero;

/* Out of line: the stats key on the stack would push the verify path's
 * chain of calls past 512 bytes. */
static __noinline int hw_full_inc(void)
{
	cf_stat_inc(hw_full);
	return 0;
}

/* The device's record in cfgf_hw_devices, created (following every dword)
 * if missing. None if the map is full: the device is not followed. */
static __always_inline struct cf_hw_device *hw_device_get(const struct cf_dev_key *k)
{
	struct cf_hw_device *hd = bpf_map_lookup_elem(&cfgf_hw_devices, k);

	if (hd)
		return hd;
	bpf_map_update_elem(&cfgf_hw_devices, k, &cf_hw_device_zero, BPF_NOEXIST);
	hd = bpf_map_lookup_elem(&cfgf_hw_devices, k);
	if (!hd)
		hw_full_inc();
	return hd;
}

/* The device's record for access `a`, once per access: hd where the
 * caller has it (the bus write hook), else looked up; with its capability
 * offsets recorded for reset detection, and its generation in a->hw_gen.
 * Only vfio's open and the loader's seed make a device followed, after
 * checking both of its bus's accessors are hooked: a device without a
 * record has no known value, and its protected bits are refused. */
static __always_inline struct cf_hw_device *hw_device_of(struct cf_access *a,
							 struct cf_hw_device *hd)
{
	struct cf_dev_key k = { .bus = a->d.bus, .devfn = a->d.devfn };

	a->hw_gen = 0;
	if (!hd)
		hd = bpf_map_lookup_elem(&cfgf_hw_devices, &k);
	if (!hd)
		return NULL;
	if (hd->pcie != a->d.pcie || hd->pm != a->d.pm) {
		hd->pcie = a->d.pcie;
		hd->pm = a->d.pm;
	}
	a->hw_gen = hd->gen;
	return hd;
}

/* Add rule i to the plan if it lands on the device of `a`. A function of
 * its own: verified once, not once per rule. */
__noinline int cf_compile_rule(struct cf_access *a, const struct cf_policy *pol,
			       struct cf_plan *p, const struct cf_hw_device *hd, __u32 i)
{
	const struct cf_rule *r;
	int base = 0;

	if (!a || !pol || !p)
		return 0;
	r = &pol->rules[i & (CF_MAX_RULES - 1)]; /* i < CF_MAX_RULES, bounded for the verifier */
	if (!selector_match(a, r))
		return 0;
	if (r->anchor != CF_ANCHOR_HDR) {
		base = cap_base(hd, a->d.pcie, r->cap_id, r->anchor == CF_ANCHOR_ECAP);
		if (base < 0 && r->action != CF_ACT_AUDIT)
			p->flags |= CF_PLAN_LAYOUT_UNKNOWN | CF_PLAN_ENFORCES;
		if (base <= 0)
			return 0; /* the device lacks this capability, or cannot tell */
	}
	cf_plan_add(p, base + r->offset, r->width, r->action, i, r->mask);
	return 0;
}

/* Compile the policy for the device of `a` (record hd, or NULL) into the
 * task's build buffer and publish it in the record for the next accesses
 * where no access is deciding from the one there (include/cf_device.h).
 * The caller decides from the build buffer, valid for this program run. */
__noinline int cf_compile(struct cf_access *a, const struct cf_policy *pol,
			  struct cf_hw_device *hd)
{
	struct cf_stats *st = stats();
	struct cf_plan *p;

	if (!a || !pol)
		return -1;
	p = bpf_task_storage_get(&cfgf_plan_build, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!p)
		return -1;
	cf_plan_init(p);
	/* before anything is read: an open meanwhile voids this plan */
	if (hd)
		p->open_gen = cf_read_once(hd->open_gen);
	build_caps(hd, a->d.cfg_size);
	for (__u32 i = 0; i < CF_MAX_RULES; i++) {
		if (i >= pol->nrules)
			break;
		cf_compile_rule(a, pol, p, hd, i);
	}
	p->hash = pol->hash;
	p->vconfig = a->d.vconfig;
	p->id = a->d.id;
	p->bus = a->d.bus;
	p->devfn = a->d.devfn;
	if (st)
		st->plans++;
	if (!hd) {
		if (st)
			st->plan_unpublished++;
		return 0;
	}
	/* before the plan decides, the device follows its dwords */
	cf_dev_follow_plan(hd, p, a->d.pcie, a->d.pm);
	if (cf_dev_plan_publish(hd, p) && st)
		st->plan_unpublished++;
	return 0;
}

/* The device's record, or NULL: not followed (no room, or its bus is not
 * hooked), and then no plan is kept for it either. */
static __always_inline struct cf_hw_device *record_of(__u64 bus, __u32 devfn)
{
	struct cf_dev_key k = { .bus = bus, .devfn = devfn };

	return bpf_map_lookup_elem(&cfgf_hw_devices, &k);
}

/* The plan published in record hd if it is the one for this policy and
 * open, entered: the caller leaves it (plan_done) once decided. Else NULL. */
static __always_inline const struct cf_plan *published_plan(struct cf_hw_device *hd, __u64 hash,
							    __u64 vconfig)
{
	if (!hd || cf_dev_plan_enter(hd))
		return NULL;
	if (cf_dev_plan_fits(hd, hash, vconfig))
		return &hd->plan;
	cf_dev_plan_leave(hd);
	return NULL;
}

/* The device's plan for the live policy: the record's, or compiled now
 * into the task's build buffer. a->plan_held says which. */
static __always_inline const struct cf_plan *plan_of(struct cf_access *a,
						     const struct cf_policy *pol,
						     struct cf_hw_device *hd)
{
	const struct cf_plan *p;

	a->policy_hash = pol->hash;
	p = published_plan(hd, pol->hash, a->d.vconfig);
	a->plan_held = p != NULL;
	if (p)
		return p;
	if (cf_compile(a, pol, hd))
		return NULL;
	return bpf_task_storage_get(&cfgf_plan_build, bpf_get_current_task_btf(), 0, 0);
}

/* ... without compiling one: the record's, or the one this task compiled
 * for its write and could not publish; else NULL (the live policy changed
 * since the task's write was judged). For the bus write hook, which runs
 * under pci_lock with interrupts off. */
static __always_inline const struct cf_plan *compiled_plan(struct cf_access *a,
							   const struct cf_policy *pol,
							   struct cf_hw_device *hd)
{
	const struct cf_plan *p;

	a->policy_hash = pol->hash;
	p = published_plan(hd, pol->hash, a->d.vconfig);
	a->plan_held = p != NULL;
	if (p)
		return p;
	/* the task's last compile: this device's, for this policy and open */
	p = bpf_task_storage_get(&cfgf_plan_build, bpf_get_current_task_btf(), 0, 0);
	if (p && p->hash == pol->hash && p->vconfig == a->d.vconfig && p->bus == a->d.bus &&
	    p->devfn == a->d.devfn && hd && p->open_gen == cf_read_once(hd->open_gen))
		return p;
	return NULL;
}

/* Done with the plan plan_of or compiled_plan gave. */
static __always_inline void plan_done(struct cf_access *a, struct cf_hw_device *hd)
{
	if (a->plan_held && hd)
		cf_dev_plan_leave(hd);
	a->plan_held = 0;
}

/* Register i of the plan against the access, decided if it touches it. */
static __always_inline int cf_plan_step(struct cf_access *a, const struct cf_policy *pol,
					const struct cf_plan *p, struct cf_hw_device *hd, __u32 i)
{
	const struct cf_plan_reg *r;

	if (!a || !pol || !p || i >= CF_MAX_RULES)
		return 0;
	r = &p->regs[i];
	if (a->pos >= r->reg + r->width || a->pos + a->count <= r->reg)
		return 0;
	a->g_rules = cf_plan_rules_for(r, a->mode, a->g_mask);
	if (!a->g_rules)
		return 0;
	a->g_reg = r->reg;
	a->g_width = r->width;
	a->g_active = 1;
	a->c_changed[0] = 0;
	a->c_changed[1] = 0;
	cf_flush(a, pol, hd);
	if (a->c_changed[0] | a->c_changed[1])
		cf_count(a, pol);
	return 0;
}

/* Decide the access register by register (registers lie within one
 * dword; in policy order), against the device's record: hd, or NULL to
 * look it up (a read needs none). A function of its own: verified once,
 * not once per path into it. */
__noinline int cf_run_plan(struct cf_access *a, const struct cf_policy *pol,
			   const struct cf_plan *p, struct cf_hw_device *hd)
{
	__u32 n;

	if (!a || !pol || !p)
		return 0;
	n = p->nregs;
	hd = a->mode != CF_MODE_READ ? hw_device_of(a, hd) : NULL;
	for (__u32 i = 0; i < CF_MAX_RULES; i++) {
		if (i >= n)
			break;
		cf_plan_step(a, pol, p, hd, i);
	}
	return 0;
}

/* A read through vfio (virtualize). */
static __always_inline int run_policy(struct cf_access *a, const struct cf_policy *pol)
{
	struct cf_hw_device *hd = record_of(a->d.bus, a->d.devfn);
	const struct cf_plan *p = plan_of(a, pol, hd);

	if (p && cf_plan_touches(p, a->pos, a->count))
		cf_run_plan(a, pol, p, hd);
	plan_done(a, hd);
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
	return 0;
}

/* A vfio write: decided by the device's plan for the live policy. The
 * budget, for a write no rule covers: the policy (an array-of-maps,
 * which the verifier inlines), one lookup (the device's record, holding
 * the plan) and the offset read (kernel_s64). Out of line, so the program
 * itself needs no frame. */
static __noinline int config_write(unsigned long long *ctx)
{
	/* vfio_pci_config_rw(vdev, buf, count, ppos, iswrite) */
	struct vfio_pci_core_device *vdev = (void *)ctx[0];
	char *buf = (void *)ctx[1];
	size_t count = ctx[2];
	/* bpftool shows the bpf_metadata_* of the first ".rodata" map the
	 * program uses: this read comes before any of .rodata's */
	char c = bpf_metadata_policy_hash[0];
	const struct cf_policy *pol;
	const struct cf_plan *plan;
	struct cf_in_write *in_write;
	struct cf_hw_device *hd;
	struct cf_access a;
	__s64 off;

	barrier_var(c);
	pol = live_policy();
	if (!pol || pol->nrules > CF_MAX_RULES || kernel_s64((void *)ctx[3], &off))
		return 0;
	hd = record_of((__u64)vdev->pdev->bus, vdev->pdev->devfn);
	plan = published_plan(hd, pol->hash, (__u64)vdev->vconfig);
	/* The common write, to a dword no rule covers, ends here */
	if (plan && !cf_plan_touches(plan, off & CF_VFIO_OFFSET_MASK, count)) {
		cf_dev_plan_leave(hd);
		return 0;
	}
	dev_info_direct(vdev, &a.d);
	if (start_access(&a, (__u64)buf, off & CF_VFIO_OFFSET_MASK, count, CF_MODE_WRITE)) {
		if (plan)
			cf_dev_plan_leave(hd);
		return 0;
	}
	a.policy_hash = pol->hash;
	a.plan_held = plan != NULL;
	if (!plan)
		plan = plan_of(&a, pol, hd);
	if (!plan || !cf_plan_touches(plan, a.pos, a.count)) {
		plan_done(&a, hd);
		return 0;
	}
	/* the device's bus writes from here are checked (hw_view.bpf.h) */
	in_write = bpf_task_storage_get(&cfgf_in_write, bpf_get_current_task_btf(), 0,
					BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (in_write) {
		in_write->d = a.d;
		in_write->pos = a.pos;
		in_write->count = a.count;
		in_write->kernel = 0;
		if (!in_write->active) {
			in_write->active = 1;
			__sync_fetch_and_add(&cf_in_writes, 1);
		}
	}
	cf_run_plan(&a, pol, plan, hd);
	plan_done(&a, hd);
	return 0;
}

static __always_inline int on_config_write(unsigned long long *ctx, bool iswrite)
{
	if (!iswrite)
		return 0;
	__sync_fetch_and_add(&cf_writes, 1);
	return config_write(ctx);
}

static __noinline int config_write_done(void)
{
	struct cf_in_write *in_write;

	in_write = bpf_task_storage_get(&cfgf_in_write, bpf_get_current_task_btf(), 0, 0);
	if (in_write && in_write->active) {
		in_write->active = 0;
		__sync_fetch_and_add(&cf_in_writes, -1);
	}
	return 0;
}

static __noinline int config_read_done(struct vfio_pci_core_device *vdev, char *buf,
				       loff_t *ppos, ssize_t ret)
{
	const struct cf_policy *pol;
	struct cf_access a;
	loff_t off;

	pol = live_policy();
	if (!pol || !(pol->flags & CF_POL_VIRTUALIZE))
		return 0;
	if (kernel_s64(ppos, &off))
		return 0;
	/* vfio has advanced *ppos by what it read */
	dev_info_direct(vdev, &a.d);
	if (start_access(&a, (__u64)buf, ((__u64)off & CF_VFIO_OFFSET_MASK) - ret, ret,
			 CF_MODE_READ))
		return 0;
	return run_policy(&a, pol);
}

static __always_inline int on_config_rw_exit(struct vfio_pci_core_device *vdev, char *buf,
					     size_t count, loff_t *ppos, bool iswrite, ssize_t ret)
{
	if (iswrite)
		/* the task's mark goes, if some task is marked at all */
		return cf_read_once(cf_in_writes) ? config_write_done() : 0;
	if (ret <= 0)
		return 0;
	return config_read_done(vdev, buf, ppos, ret);
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

/* vfio drops its virtual config space when the device is closed; so does
 * virtualize, so a new open starts from hardware as vfio's own does. */
static __always_inline int on_device_close(struct vfio_pci_core_device *vdev)
{
	struct cf_shadow_drop drop = { .vconfig = (__u64)BPF_CORE_READ(vdev, vconfig) };

	bpf_for_each_map_elem(&cfgf_shadow, drop_shadow, &drop, 0);
	return 0;
}

#endif
