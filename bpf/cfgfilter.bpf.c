// SPDX-License-Identifier: GPL-2.0
/* Data plane. On every config access through vfio-pci:
 *  - write (fentry vfio_pci_config_rw): mask/virtualize bits are rewritten in
 *    the writer's buffer to the value vfio holds, before vfio copies it in;
 *    virtualized values go to a shadow; audit bits are reported;
 *  - read (fexit vfio_pci_config_rw): virtualized bits are replaced by the
 *    shadow, so the writer reads back what it wrote;
 *  - deny (fmod_ret security_file_permission, which reads the write's
 *    offset and data through the task's system call, plus fentry io_write
 *    for io_uring; attached only while the policy has deny rules): the
 *    write fails with EPERM;
 *  - hardware (fexit on the x86 bus accessors pci_read/pci_write, which
 *    every config access of every device ends in: vfio's, sysfs', the
 *    kernel's own save/restore): the device's config space as last seen
 *    on the bus, the value every decision above is judged against;
 *  - races (the same pci_write hook, inside a vfio write): a protected bit
 *    that changes in hardware anyway is reported with what really went in.
 * The policy is looked up once per access through an array-of-maps, so
 * `cfgfilter policy apply` swaps it atomically. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "vfio_types.h"
#include "cfgfilter.h"
#include "cf_mask.h"
#include "cf_hw.h"

char LICENSE[] SEC("license") = "GPL"; /* bpf_probe_write_user is GPL-only */

#define EPERM 1
#define MAY_WRITE 0x2
#define CF_VFIO_CONFIG_REGION 7 /* VFIO_PCI_CONFIG_REGION_INDEX */

/* Writable, unlike .rodata: `policy apply` updates the hash. bpftool shows
 * the bpf_metadata_* of the first map whose name contains ".rodata", so all
 * metadata lives here. */
volatile char bpf_metadata_cfgfilter_version[] SEC(".data.rodata") = CF_VERSION;
volatile char bpf_metadata_policy_hash[17] SEC(".data.rodata") = "";

/* Set by the loader: false where the kernel forbids bpf_probe_write_user
 * (lockdown). The verifier then drops those calls as dead code, so the
 * object still loads; the loader turns mask and virtualize into deny. */
const volatile bool cf_can_rewrite = true;

/* Set by the loader from /proc/kallsyms: what a vfio-pci device fd is. */
const volatile __u64 cf_vfio_device_fops = 0;
const volatile __u64 cf_pci_bus_type = 0;

struct cf_policy_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cf_policy);
} cfgf_policy_0 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct cf_policy_map);
} cfgf_policy SEC(".maps") = {
	.values = { [0] = &cfgf_policy_0 },
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} cfgf_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cf_stats);
} cfgf_stats SEC(".maps");

/* virtualize: what the writer wrote, per open device and register. vconfig
 * is reallocated on every open, as vfio's own virtualization restarts. */
struct cf_shadow_key {
	__u64 vconfig;
	__u32 reg;
	__u32 pad;
};
struct cf_shadow {
	__u32 mask;  /* register bits held here */
	__u32 value;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct cf_shadow_key);
	__type(value, struct cf_shadow);
} cfgf_shadow SEC(".maps");

/* Capability offsets found by walking vfio's view of config space. */
struct cf_cap_key {
	__u64 vconfig;
	__u16 id;
	__u16 ext;
	__u32 pad;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct cf_cap_key);
	__type(value, __u32); /* offset, 0: the device lacks it */
} cfgf_caps SEC(".maps");

/* deny for io_uring: io_write's hook decides, the fmod_ret enforces. */
struct cf_verdict {
	__u64 file;
	__u32 armed;
	__u32 pad;
};
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cf_verdict);
} cfgf_deny_verdict SEC(".maps");

/* The device's config space as the bus last carried it (include/cf_hw.h).
 * Entries of a device count only while their generation is the device's:
 * a reset bumps it, so nothing seen before the reset decides a write. */
struct cf_hw_entry {
	struct cf_hw_val v;
	__u32 gen;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 32768); /* 32 devices' whole 4 KiB config space */
	__type(key, struct cf_hw_key);
	__type(value, struct cf_hw_entry);
} cfgf_hw SEC(".maps");

/* Devices whose config traffic is followed: vfio-pci devices, added when
 * vfio opens one, when it is first written through vfio, and by the
 * loader's reads of sysfs `config` (cfgf_seed) at load and apply. */
struct cf_watch {
	__u32 gen;  /* bumped by a reset of the device */
	__u16 pcie; /* PCIe capability offset, 0 until a vfio hook saw the device */
	__u16 pm;   /* power management capability offset, likewise */
};
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct cf_dev_key);
	__type(value, struct cf_watch);
} cfgf_watch SEC(".maps");

/* A cfgfilter process reading sysfs `config` to seed the hardware view
 * (include/cfgfilter.h): the device it reads becomes watched, with the
 * capability offsets it found in the bytes. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cf_seed);
} cfgf_seed SEC(".maps");

enum cf_mode { CF_MODE_WRITE = 0, CF_MODE_DENY = 1, CF_MODE_READ = 2, CF_MODE_VERIFY = 3 };

/* One access, as scalars: global BPF functions are verified once, apart
 * from their callers, and take no kernel pointers. */
/* What an access needs to know about the device. */
struct cf_dev_info {
	__u64 vconfig, name, bus;
	__u32 cfg_size, pcie, id, class, devfn, pm;
};

/* Set while a task is inside a vfio config write: its bus writes are the
 * VFIO user's, checked against the policy on the device kept here. */
struct cf_in_write {
	struct cf_dev_info d;
	__u32 active;
	__u32 pad;
};
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cf_in_write);
} cfgf_in_write SEC(".maps");

struct cf_access {
	struct cf_dev_info d; /* id: vendor << 16 | device */
	__u64 buf;
	__u64 pos;
	__u64 count;
	__u64 policy_hash;
	__u32 mode;  /* enum cf_mode */
	__u32 denied;
	__u32 value; /* CF_MODE_VERIFY: the bytes written to the device */
	__u32 hw_gen; /* the device's generation in cfgf_watch */
	__u32 g_reg, g_width, g_rules, g_active;
	__u32 g_mask[8]; /* by enum cf_action */
	char dev[CF_DEV_LEN];
	__u32 dev_loaded;
	__u32 pad;
};

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
static __always_inline __u32 hw_window(const struct cf_access *a, __u32 first, __u32 len,
				       __u32 *known)
{
	struct cf_hw_key k = { .bus = a->d.bus, .devfn = a->d.devfn, .off = first & ~3u };
	struct cf_hw_entry *e;
	__u32 lv = 0, lk = 0, hv = 0, hk = 0, shift = first & 3;

	e = bpf_map_lookup_elem(&cfgf_hw, &k);
	if (e && e->gen == a->hw_gen) {
		lv = e->v.value;
		lk = e->v.known;
	}
	if (shift + len > 4) {
		k.off += 4;
		e = bpf_map_lookup_elem(&cfgf_hw, &k);
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

/* The strongest action among `bits`, by the precedence in enum cf_action. */
static __always_inline __u32 top_action(__u32 bits, __u32 deny, __u32 virt, __u32 mask)
{
	if (bits & deny)
		return CF_ACT_DENY;
	if (bits & virt)
		return CF_ACT_VIRTUALIZE;
	if (bits & mask)
		return CF_ACT_MASK;
	return CF_ACT_AUDIT;
}

/* Apply the rules gathered for one register to the current access. */
__noinline int cf_flush(struct cf_access *a)
{
	struct cf_stats *st = stats();
	struct cf_window w;
	__u32 deny, virt, mask, audit, len, req = 0, cur, changed, protect, applied, hw = 0, known = 0;
	__u32 unknown, flags;
	long err = 0;

	if (!a || !a->g_active)
		return 0;
	a->g_active = 0;
	cf_window(a->pos, a->count, a->g_reg, a->g_width, &w);
	len = w.len;
	if (len == 0 || len > 4)
		return 0;
	/* Precedence: a bit belongs to its strongest action only. */
	deny = a->g_mask[CF_ACT_DENY];
	virt = a->g_mask[CF_ACT_VIRTUALIZE] & ~deny;
	mask = a->g_mask[CF_ACT_MASK] & ~(deny | virt);
	audit = a->g_mask[CF_ACT_AUDIT] & ~(deny | virt | mask);
	deny = cf_window_mask(deny, &w);
	virt = cf_window_mask(virt, &w);
	mask = cf_window_mask(mask, &w);
	audit = cf_window_mask(audit, &w);

	if (a->mode != CF_MODE_READ)
		hw = hw_window(a, w.first, len, &known);
	if (a->mode == CF_MODE_VERIFY) {
		/* A vfio write reaching the device: vfio read the register just
		 * before (its read-merge-write), so `hw` is what the device held.
		 * A protected bit that changes here got past the filter: the
		 * writer changed its buffer after the check, or the filter
		 * judged against a value it did not know. */
		protect = deny | virt | mask;
		unknown = protect & ~known;
		req = (w.buf_pos < 4 ? a->value >> (8 * w.buf_pos) : 0) & cf_bytes_mask(len);
		changed = cf_changed(req, hw, protect & known);
		if (changed) {
			if (st)
				st->races++;
			emit(a, &w, req, req, changed, top_action(changed, deny, virt, mask),
			     CF_EV_RACE);
		}
		if (unknown) {
			if (st)
				st->hw_unknown++;
			emit(a, &w, req, req, unknown, top_action(unknown, deny, virt, mask),
			     CF_EV_RACE | CF_EV_HW_UNKNOWN);
		}
		return 0;
	}
	if (bpf_probe_read_user(&req, len_1_4(len), (void *)(a->buf + w.buf_pos)))
		return 0;

	if (a->mode == CF_MODE_READ) {
		/* req holds what vfio returned; put the writer's own bits back */
		struct cf_shadow_key k = { .vconfig = a->d.vconfig, .reg = a->g_reg };
		struct cf_shadow *sh = bpf_map_lookup_elem(&cfgf_shadow, &k);
		__u32 swin;

		if (!sh || !cf_can_rewrite)
			return 0;
		swin = cf_window_mask(sh->mask, &w) & virt;
		applied = cf_merge(req, cf_window_mask(sh->value, &w), swin);
		if (applied != req && !bpf_probe_write_user((void *)(a->buf + w.buf_pos), &applied,
							    len_1_4(len)) && st)
			st->virt_reads++;
		return 0;
	}

	/* Judged against the device; where its value is not known (no access
	 * seen since the device's reset), against vfio's copy, and said so. */
	cur = cf_hw_current(hw, known, rd_kernel(a->d.vconfig + w.first, len));
	unknown = (deny | virt | mask | audit) & ~known;
	flags = unknown ? CF_EV_HW_UNKNOWN : 0;
	if (unknown && st)
		st->hw_unknown++;
	if (a->mode == CF_MODE_DENY) {
		changed = cf_changed(req, cur, deny);
		if (changed) {
			a->denied = 1;
			emit(a, &w, req, cur & cf_bytes_mask(len), changed, CF_ACT_DENY, flags);
		}
		return 0;
	}

	/* CF_MODE_WRITE. deny bits reaching vfio came by a path the deny hook
	 * does not see (or it is not attached): mask them, and say so. */
	if (virt) {
		struct cf_shadow_key k = { .vconfig = a->d.vconfig, .reg = a->g_reg };
		struct cf_shadow sh = {}, *old = bpf_map_lookup_elem(&cfgf_shadow, &k);
		__u32 rmask = w.reg_pos < 4 ? virt << (8 * w.reg_pos) : 0;
		__u32 rval = w.reg_pos < 4 ? req << (8 * w.reg_pos) : 0;

		if (old)
			sh = *old;
		sh.mask |= rmask;
		sh.value = (sh.value & ~rmask) | (rval & rmask);
		bpf_map_update_elem(&cfgf_shadow, &k, &sh, BPF_ANY);
	}
	protect = deny | virt | mask;
	changed = cf_changed(req, cur, protect | audit);
	if (!changed)
		return 0;
	applied = req;
	if (cf_changed(req, cur, protect)) {
		applied = cf_merge(req, cur, protect);
		err = cf_can_rewrite ? bpf_probe_write_user((void *)(a->buf + w.buf_pos), &applied,
							     len_1_4(len))
				     : -1;
		if (st) {
			if (err)
				st->rewrite_failed++;
			else
				st->filtered++;
		}
		if (err)
			applied = req;
	} else if (st) {
		st->audited++;
	}
	if (st && (changed & deny))
		st->deny_fallback++;
	emit(a, &w, req, applied, changed, top_action(changed, deny, virt, mask),
	     flags | (err ? CF_EV_REWRITE_FAILED : 0) | ((changed & deny) ? CF_EV_DENY_FALLBACK : 0));
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

SEC("fentry/vfio_pci_config_rw")
int BPF_PROG(cfgfilter_write, struct vfio_pci_core_device *vdev, char *buf, size_t count,
	     loff_t *ppos, bool iswrite)
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

SEC("fexit/vfio_pci_config_rw")
int BPF_PROG(cfgfilter_read, struct vfio_pci_core_device *vdev, char *buf, size_t count,
	     loff_t *ppos, bool iswrite, ssize_t ret)
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
SEC("fentry/vfio_pci_core_disable")
int BPF_PROG(cfgfilter_close, struct vfio_pci_core_device *vdev)
{
	struct cf_shadow_drop drop = { .vconfig = (__u64)BPF_CORE_READ(vdev, vconfig) };

	bpf_for_each_map_elem(&cfgf_shadow, drop_shadow, &drop, 0);
	bpf_for_each_map_elem(&cfgf_caps, drop_caps, &drop, 0);
	return 0;
}

/* The vfio_pci_core_device behind a file, if it is a vfio-pci device fd. */
static __always_inline struct vfio_pci_core_device *vfio_pci_of(struct file *file)
{
	struct vfio_device *vd;
	void *priv;

	/* The hot path for every other file: one direct load, one compare
	 * (file is a trusted BTF argument in both callers). */
	if (!file || (__u64)file->f_op != cf_vfio_device_fops || !cf_vfio_device_fops)
		return NULL;
	priv = BPF_CORE_READ(file, private_data);
	if (bpf_core_type_exists(struct vfio_device_file))
		vd = BPF_CORE_READ((struct vfio_device_file *)priv, device);
	else
		vd = priv;
	if (!vd || (__u64)BPF_CORE_READ(vd, dev, bus) != cf_pci_bus_type)
		return NULL;
	return (void *)vd - bpf_core_field_offset(struct vfio_pci_core_device, vdev);
}

/* x86-64 system call numbers of the write calls the deny hook reads. */
#define CF_NR_write 1
#define CF_NR_pwrite64 18
#define CF_NR_writev 20
#define CF_NR_pwritev 296
#define CF_NR_pwritev2 328
#define CF_MAX_IOV 16

struct cf_iovec {
	__u64 base;
	__u64 len;
};

/* IORING_OP_* (include/uapi/linux/io_uring.h) */
#define CF_IORING_OP_WRITEV 2
#define CF_IORING_OP_WRITE_FIXED 5
#define CF_IORING_OP_WRITE 23

/* One buffer of a write: 1 if a deny rule refuses it. */
static __always_inline int deny_segment(const struct cf_policy *pol, struct cf_access *a, __u64 buf,
					 __u64 off, __u64 len)
{
	if ((off >> 40) != CF_VFIO_CONFIG_REGION)
		return 0;
	if (start_access(a, buf, off & CF_VFIO_OFFSET_MASK, len, CF_MODE_DENY))
		return 0;
	run_policy(a, pol);
	return a->denied;
}

/* A write of one buffer, or of cnt iovecs at buf: 1 if a deny rule refuses
 * it. One call site for deny_segment keeps one cf_access on the stack. */
static __always_inline int deny_write(const struct cf_policy *pol, struct cf_access *a,
				      __u64 buf, __u64 cnt, __u64 pos, int vectored)
{
	for (int i = 0; i < CF_MAX_IOV; i++) {
		struct cf_iovec iov = { .base = buf, .len = cnt };

		if (vectored) {
			if (i >= cnt)
				break;
			if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(buf + i * sizeof(iov))))
				break;
		} else if (i) {
			break;
		}
		if (deny_segment(pol, a, iov.base, pos, iov.len))
			return 1;
		pos += iov.len;
	}
	return 0;
}

/* deny: the one hook on every write path that may fail a write. It sees
 * only (file, mask); the offset and the data come from the system call
 * the task is in, read from its saved user registers. Writes that arrive
 * otherwise (io_uring, splice) reach vfio, where the write program masks
 * deny bits and reports masked_deny_fallback. Attached only while the
 * policy has deny rules. */
SEC("fmod_ret/security_file_permission")
int BPF_PROG(cfgfilter_deny, struct file *file, int mask, int ret)
{
	struct vfio_pci_core_device *vdev;
	const struct cf_policy *pol;
	struct cf_access a;
	struct pt_regs *regs;
	__u64 nr, buf, cnt, pos, fpos;
	struct cf_stats *st;
	int denied = 0;

	if (ret || !(mask & MAY_WRITE))
		return ret;
	vdev = vfio_pci_of(file);
	if (!vdev)
		return 0;
	pol = live_policy();
	if (!pol || !(pol->flags & CF_POL_DENY))
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	nr = BPF_CORE_READ(regs, orig_ax);
	buf = BPF_CORE_READ(regs, si);
	cnt = BPF_CORE_READ(regs, dx);
	pos = BPF_CORE_READ(regs, r10);
	fpos = BPF_CORE_READ(file, f_pos);
	if (nr == CF_NR_write || nr == CF_NR_writev || (nr == CF_NR_pwritev2 && pos == (__u64)-1))
		pos = fpos; /* the file position, not an explicit offset */
	dev_info_read(vdev, &a.d);

	if (nr == CF_NR_write || nr == CF_NR_pwrite64 || nr == CF_NR_writev ||
	    nr == CF_NR_pwritev || nr == CF_NR_pwritev2) {
		denied = deny_write(pol, &a, buf, cnt, pos,
				    nr != CF_NR_write && nr != CF_NR_pwrite64);
	} else {
		/* io_uring, inline or on an io-wq worker: io_write's hook decided */
		struct cf_verdict *v = bpf_task_storage_get(&cfgf_deny_verdict,
							    bpf_get_current_task_btf(), 0, 0);
		if (v && v->armed && v->file == (__u64)file) {
			v->armed = 0;
			denied = 1;
		}
	}
	if (!denied)
		return 0;
	st = stats();
	if (st)
		st->denied++;
	return -EPERM;
}

/* deny for io_uring WRITE, WRITE_FIXED and WRITEV: io_write runs in the
 * task that then asks security_file_permission (the submitter inline, an
 * io-wq worker otherwise); decide here on the request's buffer. Every
 * call re-decides, so a retried request is judged again. */
SEC("fentry/io_write")
int BPF_PROG(cfgfilter_deny_uring, struct io_kiocb *req, unsigned int issue_flags)
{
	struct vfio_pci_core_device *vdev;
	const struct cf_policy *pol;
	struct file *file = req->file;
	struct cf_access a;
	struct cf_verdict *v;
	struct io_rw *rw;
	__u64 addr, len, pos;
	__u8 op;
	int denied = 0;

	vdev = vfio_pci_of(file);
	if (!vdev)
		return 0;
	v = bpf_task_storage_get(&cfgf_deny_verdict, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!v)
		return 0;
	v->armed = 0;
	pol = live_policy();
	if (!pol || !(pol->flags & CF_POL_DENY))
		return 0;
	/* the request's command data, an io_rw for reads and writes */
	rw = (void *)req + bpf_core_field_offset(struct io_kiocb, cmd);
	op = BPF_CORE_READ(req, opcode);
	addr = BPF_CORE_READ(rw, addr);
	len = BPF_CORE_READ(rw, len);
	pos = BPF_CORE_READ(rw, kiocb.ki_pos);
	if (pos == (__u64)-1)
		pos = BPF_CORE_READ(file, f_pos);
	dev_info_read(vdev, &a.d);
	if (op == CF_IORING_OP_WRITE || op == CF_IORING_OP_WRITE_FIXED || op == CF_IORING_OP_WRITEV)
		denied = deny_write(pol, &a, addr, len, pos, op == CF_IORING_OP_WRITEV);
	if (denied) {
		v->file = (__u64)file;
		v->armed = 1;
	}
	return 0;
}

/* --- The hardware view ------------------------------------------------ */

/* Is (bus, devfn) watched? Its generation in *gen if so. A device the
 * seeding cfgfilter process reads becomes watched. */
static __always_inline int watched(__u64 bus, __u32 devfn, struct cf_watch *out)
{
	struct cf_dev_key k = { .bus = bus, .devfn = devfn };
	struct cf_watch *w = bpf_map_lookup_elem(&cfgf_watch, &k), nw = {};
	struct cf_seed *seed;
	__u32 zero = 0;

	if (w && (w->pcie || w->pm)) {
		*out = *w;
		return 1;
	}
	seed = bpf_map_lookup_elem(&cfgf_seed, &zero);
	if (!seed || !seed->tgid || seed->tgid != bpf_get_current_pid_tgid() >> 32) {
		if (w)
			*out = *w;
		return w != NULL;
	}
	if (w)
		nw.gen = w->gen;
	nw.pcie = seed->pcie;
	nw.pm = seed->pm;
	bpf_map_update_elem(&cfgf_watch, &k, &nw, BPF_ANY);
	*out = nw;
	return 1;
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
	bpf_map_update_elem(&cfgf_hw, &k, &e, BPF_ANY);
}

static __always_inline struct cf_hw_entry *hw_entry(__u64 bus, __u32 devfn, __u32 where)
{
	struct cf_hw_key k = { .bus = bus, .devfn = devfn, .off = where & ~3u };

	return bpf_map_lookup_elem(&cfgf_hw, &k);
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

enum cf_reset { CF_RESET_NONE = 0, CF_RESET_DEVICE = 1, CF_RESET_BUS = 2 };

/* Resets change the device without a config write the hooks could see,
 * but the kernel starts each with one of these writes. Judged before the
 * write is recorded: a power state change needs the state before it. */
static __always_inline int reset_by(__u64 bus, __u32 devfn, const struct cf_watch *w,
				    __u32 where, __u32 size, __u32 value)
{
	struct cf_hw_key k = { .bus = bus, .devfn = devfn };
	struct cf_hw_entry *e;
	__u32 pmcsr, old = 3;

	/* Secondary Bus Reset in a bridge's Bridge Control (0x3e bit 6):
	 * every device below it */
	if (writes_bit(where, size, value, 0x3e, 0x40))
		return CF_RESET_BUS;
	/* Function Level Reset: Device Control bit 15 (high byte, bit 7) */
	if (w->pcie && writes_bit(where, size, value, w->pcie + 0x09, 0x80))
		return CF_RESET_DEVICE;
	/* PMCSR (pm + 4, dword-aligned) set to D0 from another state, or from
	 * a state not seen: D3hot -> D0 resets a device without No_Soft_Reset */
	pmcsr = w->pm + 4;
	if (!w->pm || where != pmcsr || (value & 3))
		return CF_RESET_NONE;
	k.off = pmcsr;
	e = bpf_map_lookup_elem(&cfgf_hw, &k);
	if (e && e->gen == w->gen && (e->v.known & 0xff))
		old = e->v.value & 3;
	return old ? CF_RESET_DEVICE : CF_RESET_NONE;
}

/* Everything seen of the device before is void (its generation moves on);
 * what the kernel then restores, and what anyone reads, is seen again. */
static __always_inline void note_reset(__u64 bus, __u32 devfn, const struct cf_watch *w, int how)
{
	struct cf_dev_key k = { .bus = bus, .devfn = devfn };
	struct cf_watch nw = *w;

	if (how == CF_RESET_BUS) {
		bpf_for_each_map_elem(&cfgf_watch, bump_gen, NULL, 0);
	} else if (how == CF_RESET_DEVICE) {
		nw.gen++;
		bpf_map_update_elem(&cfgf_watch, &k, &nw, BPF_EXIST);
	}
}

/* x86's config accessor behind every bus (pci_root_ops.read): vfio's and
 * sysfs' user accessors, the kernel's own reads, vfio's read at open. */
SEC("fexit/pci_read")
int BPF_PROG(cfgfilter_hw_read, struct pci_bus *bus, unsigned int devfn, int where, int size,
	     u32 *value, int ret)
{
	struct cf_watch w;
	u32 v = 0;

	if (ret || where < 0 || where >= 4096 || !watched((__u64)bus, devfn, &w))
		return 0;
	if (bpf_probe_read_kernel(&v, sizeof(v), value))
		return 0;
	hw_note((__u64)bus, devfn, w.gen, where, size, v, 1, hw_entry((__u64)bus, devfn, where));
	return 0;
}

/* A vfio write that reached the device: check it (CF_MODE_VERIFY). */
static __always_inline void verify_write(const struct cf_in_write *in_write, __u64 bus,
					 __u32 devfn, __u32 where, __u32 size, __u32 value)
{
	const struct cf_policy *pol = live_policy();
	struct cf_access a;

	if (!pol || pol->nrules > CF_MAX_RULES)
		return;
	a.d = in_write->d;
	if (a.d.bus != bus || a.d.devfn != devfn)
		return; /* another device, written by the kernel meanwhile */
	if (start_access(&a, 0, where, size, CF_MODE_VERIFY))
		return;
	a.value = value;
	run_policy(&a, pol);
}

SEC("fexit/pci_write")
int BPF_PROG(cfgfilter_hw_write, struct pci_bus *bus, unsigned int devfn, int where, int size,
	     u32 value, int ret)
{
	struct cf_in_write *in_write;
	struct cf_hw_entry *old;
	struct cf_watch w;
	int reset;

	if (where < 0 || where >= 4096)
		return 0;
	if (!watched((__u64)bus, devfn, &w)) {
		/* a bridge above followed devices */
		if (writes_bit(where, size, value, 0x3e, 0x40))
			bpf_for_each_map_elem(&cfgf_watch, bump_gen, NULL, 0);
		return 0;
	}
	reset = reset_by((__u64)bus, devfn, &w, where, size, value);
	old = hw_entry((__u64)bus, devfn, where);
	/* A write of what the device already holds changes no bit: nothing to
	 * check (vfio's read-merge-write of an unchanged register) */
	if (!old || old->gen != w.gen || !cf_hw_same(&old->v, where & 3, size, value)) {
		in_write = bpf_task_storage_get(&cfgf_in_write, bpf_get_current_task_btf(), 0, 0);
		if (in_write && in_write->active)
			verify_write(in_write, (__u64)bus, devfn, where, size, value);
	}
	if (!ret)
		hw_note((__u64)bus, devfn, w.gen, where, size, value, 0, old);
	if (reset)
		note_reset((__u64)bus, devfn, &w, reset);
	return 0;
}

/* vfio opens the device: it then resets it (where it can) and reads all
 * of config space into vconfig. Nothing seen before counts: the device at
 * this (bus, devfn) may not even be the one seen then (hot-plug); what
 * vfio reads now rebuilds the view. */
SEC("fentry/vfio_pci_core_enable")
int BPF_PROG(cfgfilter_open, struct vfio_pci_core_device *vdev)
{
	struct cf_dev_key k;
	struct cf_dev_info d;
	struct cf_watch w = {};

	dev_info_direct(vdev, &d);
	w.gen = watch_device(&d) + 1;
	w.pcie = d.pcie;
	w.pm = d.pm;
	k.bus = d.bus;
	k.devfn = d.devfn;
	k.pad = 0;
	bpf_map_update_elem(&cfgf_watch, &k, &w, BPF_ANY);
	return 0;
}
