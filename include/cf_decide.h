/* SPDX-License-Identifier: GPL-2.0 */
/* The decision for one window of one access: given the protected bits by
 * action, what the writer sent and what the device holds, what goes on,
 * which bits changed, which action an event names and with what flags.
 * Pure: the BPF engine (cf_flush) decides through these, and the unit
 * tests check them against a bit-by-bit reference. All values are
 * window-relative (bit 0 is the window's first byte). */
#ifndef CF_DECIDE_H
#define CF_DECIDE_H

#include "cfgfilter.h"
#include "cf_mask.h"

/* Each protected bit belongs to its strongest action only (enum
 * cf_action is numbered by precedence). */
struct cf_masks {
	__u32 deny, virt, mask, audit;
};

static __always_inline void cf_precedence(__u32 deny, __u32 virt, __u32 mask, __u32 audit,
					  struct cf_masks *m)
{
	m->deny = deny;
	m->virt = virt & ~deny;
	m->mask = mask & ~(deny | virt);
	m->audit = audit & ~(deny | virt | mask);
}

/* What one pass acts on, after precedence: the refusing hook's mask pass
 * only the mask bits (and deny bits, unchanged once its deny pass let the
 * write on); virtualize and audit stay with vfio's write path, which
 * keeps the shadow. Precedence is taken first, so a bit that a
 * virtualize rule owns is never masked here. */
static __always_inline void cf_masks_for_mode(struct cf_masks *m, __u32 mode)
{
	if (mode == CF_MODE_MASK) {
		m->virt = 0;
		m->audit = 0;
	}
}

/* The bits whose change a filter undoes (deny bits too: one reaching
 * vfio came by a path the deny hook does not see, and is masked). */
static __always_inline __u32 cf_protected(const struct cf_masks *m)
{
	return m->deny | m->virt | m->mask;
}

/* The action an event names: the strongest among `bits`. */
static __always_inline __u32 cf_top_action(__u32 bits, const struct cf_masks *m)
{
	if (bits & m->deny)
		return CF_ACT_DENY;
	if (bits & m->virt)
		return CF_ACT_VIRTUALIZE;
	if (bits & m->mask)
		return CF_ACT_MASK;
	return CF_ACT_AUDIT;
}

/* One register met by one access: `g_mask` its protected bits by action
 * (indexed by enum cf_action), the access [pos, pos + count) in `mode`.
 * *w: the bytes they share; *m: the masks after precedence, window-
 * relative, as the mode acts on them. -1 if the access misses the
 * register. cf_flush decides every register through this. */
static __always_inline int cf_register_window(const __u32 *g_mask, __u64 pos, __u64 count,
					      __u32 reg, __u32 width, __u32 mode,
					      struct cf_window *w, struct cf_masks *m)
{
	cf_window(pos, count, reg, width, w);
	if (w->len == 0 || w->len > 4)
		return -1;
	cf_precedence(g_mask[CF_ACT_DENY], g_mask[CF_ACT_VIRTUALIZE], g_mask[CF_ACT_MASK],
		      g_mask[CF_ACT_AUDIT], m);
	m->deny = cf_window_mask(m->deny, w);
	m->virt = cf_window_mask(m->virt, w);
	m->mask = cf_window_mask(m->mask, w);
	m->audit = cf_window_mask(m->audit, w);
	cf_masks_for_mode(m, mode);
	return 0;
}

struct cf_decision {
	__u32 changed; /* protected or audited bits that differ: 0, no event */
	__u32 applied; /* what goes on to vfio */
	__u32 rewrite; /* the writer's buffer must carry `applied` */
	__u32 action;  /* enum cf_action the event names */
	__u32 flags;   /* enum cf_event_flags */
};

/* A write through vfio, after the refusing hook let it through: cur is
 * the device's value, `known` which of its bits are. Only known bits are
 * judged; vfio's copy never stands in for the device. A protected bit not
 * known here (the device was reset between the two hooks) goes on as
 * written, flagged CF_EV_HW_UNKNOWN: the bus check of what reaches the
 * device judges it. */
static __always_inline void cf_decide_write(const struct cf_masks *m, __u32 req, __u32 cur,
					    __u32 known, struct cf_decision *d)
{
	__u32 protect = cf_protected(m) & known;

	d->changed = cf_changed(req, cur, (protect | m->audit) & known);
	d->rewrite = cf_changed(req, cur, protect) != 0;
	d->applied = d->rewrite ? cf_merge(req, cur, protect) : req;
	d->action = cf_top_action(d->changed, m);
	d->flags = ((cf_protected(m) | m->audit) & ~known ? CF_EV_HW_UNKNOWN : 0) |
		   (d->changed & m->deny ? CF_EV_DENY_FALLBACK : 0);
}

/* The refusing hook, before vfio sees the write: refuse it (changed != 0)
 * if it would change a deny bit, or if the device's value of any enforced
 * bit (deny, virtualize, mask) is not known: such a write cannot be
 * judged, and is refused rather than judged against a stale copy. The
 * event's applied value is what the device keeps. */
static __always_inline void cf_decide_deny(const struct cf_masks *m, __u32 req, __u32 cur,
					   __u32 known, struct cf_decision *d)
{
	__u32 unknown = cf_protected(m) & ~known;

	d->rewrite = 0;
	d->applied = cur;
	if (unknown) {
		d->changed = unknown;
		d->action = cf_top_action(unknown, m);
		d->flags = CF_EV_REFUSED | CF_EV_HW_UNKNOWN;
		return;
	}
	d->changed = cf_changed(req, cur, m->deny);
	d->action = CF_ACT_DENY;
	d->flags = 0;
}

/* A vfio write reaching the device (`written`), against the device's value
 * just before (`hw`, `known`): protected bits that change got past the
 * filter (race); protected bits over an unknown value cannot be judged
 * (unverified). Two findings, as two decisions. */
static __always_inline void cf_decide_verify(const struct cf_masks *m, __u32 written, __u32 hw,
					     __u32 known, struct cf_decision *race,
					     struct cf_decision *unverified)
{
	__u32 protect = cf_protected(m);

	race->changed = cf_changed(written, hw, protect & known);
	race->applied = written;
	race->rewrite = 0;
	race->action = cf_top_action(race->changed, m);
	race->flags = CF_EV_RACE;
	unverified->changed = protect & ~known;
	unverified->applied = written;
	unverified->rewrite = 0;
	unverified->action = cf_top_action(unverified->changed, m);
	unverified->flags = CF_EV_RACE | CF_EV_HW_UNKNOWN;
}

/* A read through vfio under virtualize: the writer's own bits (the shadow,
 * `held` of them) replace what vfio returned. */
static __always_inline __u32 cf_decide_read(const struct cf_masks *m, __u32 returned,
					    __u32 shadow, __u32 held)
{
	return cf_merge(returned, shadow, held & m->virt);
}

#endif
