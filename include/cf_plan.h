/* SPDX-License-Identifier: GPL-2.0 */
/* A policy compiled for one device: its rules placed on the device's
 * registers (selectors matched, capability offsets resolved), gathered per
 * register, with a bitmap of the dwords they live in. The data plane builds
 * one per device on its first access under a policy, keeps it in the
 * device's record, and then decides a write with one bit test per dword
 * the write touches. Pure: the BPF
 * compiler and the unit tests build plans through these. */
#ifndef CF_PLAN_H
#define CF_PLAN_H

#include "cfgfilter.h"
#include "cf_mask.h"

#define CF_CFG_DWORDS 1024 /* 4 KiB of PCIe config space */

/* Which word of a dword bitmap of `nwords` words (a power of two) holds
 * dword dw. clang drops the mask where it can prove dw small; the BPF
 * verifier cannot, so hide the value. */
#ifdef __BPF__
#define cf_hide(x) barrier_var(x)
#else
#define cf_hide(x) ((void)(x))
#endif
static __always_inline __u32 cf_bitmap_word(__u64 dw, __u32 nwords)
{
	__u32 w = dw >> 6;

	cf_hide(w);
	return w & (nwords - 1);
}

/* ... of a bitmap over the whole config space */
static __always_inline __u32 cf_dword_word(__u64 dw)
{
	return cf_bitmap_word(dw, CF_CFG_DWORDS / 64);
}

/* One register of the device with its rules, by action (index action - 1). */
struct cf_plan_reg {
	__u16 reg;   /* config offset; aligned to width, so within one dword */
	__u8 width;
	__u8 pad;
	__u32 mask[CF_ACT_MAX];  /* protected bits per action, before precedence */
	__u32 rules[CF_ACT_MAX]; /* bitmap of policy rules per action */
};

enum cf_plan_flags {
	CF_PLAN_FULL = 1,     /* more registers than CF_MAX_RULES: never, rules are bounded */
	CF_PLAN_ENFORCES = 2, /* a deny, mask or virtualize rule landed on the device:
			       * a write the refusing hook cannot decode is refused */
	CF_PLAN_LAYOUT_UNKNOWN = 4, /* an enforcing rule's capability could not be
				     * placed (the device's lists were not all seen):
				     * writes past the header are refused */
};

/* Decides for device (bus, devfn) while hash is the live policy's, vconfig
 * the open device's and open_gen its record's (include/cf_device.h): the
 * allocator may hand a new open the same vconfig, never the same open_gen. */
struct cf_plan {
	__u64 hash;     /* cf_policy.hash it was compiled from */
	__u64 vconfig;  /* vfio's copy of config space it was compiled against */
	__u32 id;       /* vendor << 16 | device */
	__u32 nregs;
	__u32 flags;    /* enum cf_plan_flags */
	__u32 open_gen; /* the device record's open_gen when compiled */
	__u64 bus;      /* the device it was compiled for (a task's build */
	__u32 devfn;    /* buffer may hold another device's) */
	__u32 pad;
	__u64 dwords[CF_CFG_DWORDS / 64]; /* bit n: dword at 4n holds a register */
	struct cf_plan_reg regs[CF_MAX_RULES];
};

/* An empty plan, reusing a buffer: registers are cleared as they are added. */
static __always_inline void cf_plan_init(struct cf_plan *p)
{
	p->hash = 0;
	p->vconfig = 0;
	p->id = 0;
	p->nregs = 0;
	p->flags = 0;
	p->open_gen = 0;
	p->bus = 0;
	p->devfn = 0;
	for (int i = 0; i < CF_CFG_DWORDS / 64; i++)
		p->dwords[i] = 0;
}

/* Add rule `idx` at config offset `reg`. Rules of one register arrive
 * adjacent (the loader sorts them), so they join the last register. */
static __always_inline int cf_plan_add(struct cf_plan *p, __u32 reg, __u32 width, __u32 action,
				       __u32 idx, __u32 mask)
{
	struct cf_plan_reg *r;
	__u32 n = p->nregs, dw = reg >> 2;

	if (action < 1 || action > CF_ACT_MAX || reg + width > 4 * CF_CFG_DWORDS || idx >= 32)
		return -1;
	if (n > 0 && n <= CF_MAX_RULES && p->regs[n - 1].reg == reg &&
	    p->regs[n - 1].width == width) {
		r = &p->regs[n - 1];
	} else {
		if (n >= CF_MAX_RULES) {
			p->flags |= CF_PLAN_FULL;
			return -1;
		}
		r = &p->regs[n];
		*r = (struct cf_plan_reg){ .reg = reg, .width = width };
		p->nregs = n + 1;
	}
	r->mask[(action - 1) & 3] |= mask;
	r->rules[(action - 1) & 3] |= 1u << idx;
	if (action != CF_ACT_AUDIT && mask)
		p->flags |= CF_PLAN_ENFORCES;
	p->dwords[cf_dword_word(dw)] |= 1ull << (dw & 63);
	return 0;
}

/* Does the write [pos, pos + len) touch a dword set in the bitmap `dwords`
 * (CF_CFG_DWORDS bits)? One bit test per 64 dwords of the write. */
static __always_inline int cf_dwords_touch(const __u64 *dwords, __u64 pos, __u64 len)
{
	__u64 first, last, lo, hi, bits;

	if (!len || pos >= 4 * CF_CFG_DWORDS)
		return 0;
	first = pos >> 2;
	last = (pos + len - 1) >> 2;
	if (last >= CF_CFG_DWORDS)
		last = CF_CFG_DWORDS - 1;
	if (last - first < 2) /* the common write: one or two dwords */
		return (dwords[cf_dword_word(first)] >> (first & 63) |
			dwords[cf_dword_word(last)] >> (last & 63)) & 1;
	for (__u32 i = 0; i < CF_CFG_DWORDS / 64; i++) {
		if (i < first >> 6)
			continue;
		if (i > last >> 6)
			break;
		lo = i == first >> 6 ? first & 63 : 0;
		hi = i == last >> 6 ? last & 63 : 63;
		bits = (hi == 63 ? ~0ull : (1ull << (hi + 1)) - 1) & ~((1ull << lo) - 1);
		if (dwords[i] & bits)
			return 1;
	}
	return 0;
}

/* Does the write [pos, pos + len) touch a dword holding a register? */
static __always_inline int cf_plan_touches(const struct cf_plan *p, __u64 pos, __u64 len)
{
	return cf_dwords_touch(p->dwords, pos, len);
}

/* The register's rules and masks as one access in `mode` sees them: the
 * refusing hook (both passes) and the check of a write reaching the
 * device all but audit, the read path only virtualize rules. */
static __always_inline __u32 cf_plan_rules_for(const struct cf_plan_reg *r, __u32 mode,
					       __u32 *mask)
{
	__u32 rules = 0;

	for (__u32 a = CF_ACT_AUDIT; a <= CF_ACT_MAX; a++) {
		int on = mode == CF_MODE_READ ? a == CF_ACT_VIRTUALIZE
			 : mode == CF_MODE_DENY || mode == CF_MODE_VERIFY || mode == CF_MODE_MASK
				 ? a != CF_ACT_AUDIT
				 : 1;
		mask[a] = on ? r->mask[(a - 1) & 3] : 0;
		rules |= on ? r->rules[(a - 1) & 3] : 0;
	}
	return rules;
}

#endif
