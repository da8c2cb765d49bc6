/* SPDX-License-Identifier: GPL-2.0 */
/* A followed device's record (map hw_devices): its config space as the
 * bus last carried it, which dwords the bus hooks follow, its generation
 * (moved on by each reset) and the capability offsets its resets are
 * recognised by. Pure: the BPF programs change a record only through
 * these, and the unit tests drive the same functions against a model of
 * what the device holds (tests/unit/test_device.c).
 *
 * The rules every function keeps: a byte the record calls known, in a
 * dword it follows, is what the device holds; a dword it does not follow
 * is not known. Hence a reset moves the generation on (everything seen
 * before is void), and a device narrowed to some dwords forgets the
 * others, as does every write to one of them while it is not followed, so
 * a dword that joins the followed ones later, or all of them when the
 * seed follows the device whole again, brings nothing stale: one store,
 * not a loop where interrupts are off. */
#ifndef CF_DEVICE_H
#define CF_DEVICE_H

#include "cf_hw.h"
#include "cf_plan.h"
#include "cf_caps.h"

#ifndef cf_read_once
#define cf_read_once(x) (*(volatile typeof(x) *)&(x))
#endif

struct cf_hw_device {
	__u32 gen;  /* moved on by each reset of the device */
	__u16 pcie; /* PCIe capability offset, 0 until a vfio hook saw the device */
	__u16 pm;   /* power management capability offset, likewise */
	/* 0: every dword is followed. 1: only those in `followed`: the dwords
	 * of the device's plans and its reset registers. A compile sets it;
	 * vfio's open and the loader's seed (which reads every dword) clear it. */
	__u32 followed_only;
	__u32 open_gen; /* gen when vfio last opened it: what was seen since is this device */
	/* Accesses deciding from `plan`, 2 each, plus 1 while a compile
	 * writes it (cf_dev_plan_enter and cf_dev_plan_publish). */
	__u32 plan_users;
	__u32 pad;
	struct cf_plan plan; /* the live policy compiled for this open, once published */
	__u64 followed[CF_CFG_DWORDS / 64];
	struct cf_caps caps; /* its capability lists as the device holds them */
	/* a word per dword (include/cf_hw.h): it counts only while its
	 * generation is the device's */
	__u64 hw[CF_CFG_DWORDS];
};

/* tests/vm/guest/tests/plan.sh finds the plan in bpftool's dump here */
_Static_assert(__builtin_offsetof(struct cf_hw_device, plan) == 24 &&
		       __builtin_offsetof(struct cf_plan, open_gen) == 28 &&
		       __builtin_offsetof(struct cf_plan, dwords) == 48,
	       "plan.sh reads the plan at these offsets");

/* The plan is published in place, not by a map update: an update swaps
 * the element, and a replaced element is handed to the next update (of
 * any device) while a reader may still be deciding from it. So a compile
 * writes the plan only while no access is deciding from it, and an access
 * never decides from a plan being written: it compiles its own instead.
 * Nobody waits. The atomics are fully ordered (BPF_FETCH and cmpxchg), so
 * a reader's loads of the plan stay between its enter and its leave on
 * any architecture. */
#ifndef cf_plan_copy
#define cf_plan_copy(dst, src) __builtin_memcpy((dst), (src), sizeof(struct cf_plan))
#endif

/* Start deciding from d->plan: 0, or -1 while a compile writes it. */
static __always_inline int cf_dev_plan_enter(struct cf_hw_device *d)
{
	__u32 old = __sync_fetch_and_add(&d->plan_users, 2);

	if (!(old & 1))
		return 0;
	old = __sync_fetch_and_sub(&d->plan_users, 2);
	cf_hide(old); /* the fetch form: ordered */
	return -1;
}

/* Done deciding from d->plan. */
static __always_inline void cf_dev_plan_leave(struct cf_hw_device *d)
{
	__u32 old = __sync_fetch_and_sub(&d->plan_users, 2);

	cf_hide(old);
}

/* Is the plan in d the one p is (same policy, open and device)? */
static __always_inline int cf_dev_plan_is(const struct cf_hw_device *d, const struct cf_plan *p)
{
	return d->plan.hash == p->hash && d->plan.vconfig == p->vconfig &&
	       d->plan.open_gen == p->open_gen && d->plan.bus == p->bus &&
	       d->plan.devfn == p->devfn;
}

/* Publish plan p if no access is deciding from d->plan: 0, or -1 (the
 * caller decides from p either way, and a later access compiles again). A
 * plan already there is not written again, so a device whose plan is
 * current sees no write: an access finds its plan being written only
 * after an apply or an open. The check before taking the plan may read a
 * publish half done (it only skips a write the same plan makes); the one
 * after decides. */
static __always_inline int cf_dev_plan_publish(struct cf_hw_device *d, const struct cf_plan *p)
{
	__u32 old;
	int same;

	if (cf_dev_plan_is(d, p))
		return 0;
	if (__sync_val_compare_and_swap(&d->plan_users, 0, 1) != 0)
		return -1;
	same = cf_dev_plan_is(d, p);
	if (!same)
		cf_plan_copy(&d->plan, p);
	old = __sync_fetch_and_sub(&d->plan_users, 1);
	cf_hide(old);
	return 0;
}

/* Is the published plan the one for this policy and open? Only inside
 * cf_dev_plan_enter and leave. */
static __always_inline int cf_dev_plan_fits(const struct cf_hw_device *d, __u64 hash,
					    __u64 vconfig)
{
	return d->plan.hash == hash && d->plan.vconfig == vconfig &&
	       d->plan.open_gen == cf_read_once(d->open_gen);
}

/* The word holding config byte `where`. */
static __always_inline __u64 *cf_dev_word(struct cf_hw_device *d, __u32 where)
{
	return &d->hw[(where >> 2) & (CF_CFG_DWORDS - 1)];
}

/* Is dword `dw`'s bit set in `followed`? */
static __always_inline int cf_dev_in_followed(const struct cf_hw_device *d, __u32 dw)
{
	return (d->followed[cf_dword_word(dw)] >> (dw & 63)) & 1;
}

/* Set dword `dw`'s bit in `followed`, keeping any another CPU sets. */
static __always_inline void cf_dev_add_followed(struct cf_hw_device *d, __u32 dw)
{
	__sync_fetch_and_or(&d->followed[cf_dword_word(dw)], 1ull << (dw & 63));
}

/* Is the dword holding `where` followed? */
static __always_inline int cf_dev_follows(const struct cf_hw_device *d, __u32 where)
{
	return !cf_read_once(d->followed_only) || cf_dev_in_followed(d, where >> 2);
}

/* Record an access of generation `gen`. Config accesses to one device may
 * run on several CPUs at once (x86's are lockless): the word is replaced
 * by compare-and-swap, and a word another CPU keeps changing is forgotten
 * rather than left with a lost update. */
static __always_inline void cf_dev_note(struct cf_hw_device *d, __u32 gen, __u32 where,
					__u32 size, __u32 value, int is_read)
{
	__u64 *word = cf_dev_word(d, where), old, new;

	for (int i = 0; i < 2; i++) {
		old = cf_read_once(*word);
		new = cf_hw_word_record(old, gen, where & 3, size, value, is_read);
		if (new == old)
			return;
		if (__sync_val_compare_and_swap(word, old, new) == old) {
			/* narrowed meanwhile (cf_dev_narrow): the narrowing CPU
			 * may have forgotten the word before this store */
			if (!cf_dev_follows(d, where))
				__sync_lock_test_and_set(word, 0);
			return;
		}
	}
	__sync_lock_test_and_set(word, 0);
}

/* The dword holding `where` as seen in generation `gen`. */
static __always_inline void cf_dev_dword(struct cf_hw_device *d, __u32 gen, __u32 where,
					 struct cf_hw_val *v)
{
	cf_hw_unpack(cf_read_once(*cf_dev_word(d, where)), gen, v);
}

/* The device's bytes [first, first + len) (len 1..4) as seen in generation
 * `gen`, and in *known which of their bits were seen. */
static __always_inline __u32 cf_dev_bytes(struct cf_hw_device *d, __u32 gen, __u32 first,
					  __u32 len, __u32 *known)
{
	struct cf_hw_val lo = {}, hi = {};
	__u32 shift = first & 3;

	cf_dev_dword(d, gen, first, &lo);
	if (shift + len > 4 && first + 4 < 4 * CF_CFG_DWORDS)
		cf_dev_dword(d, gen, first + 4, &hi);
	*known = cf_hw_bytes(lo.known, hi.known, shift, len);
	return cf_hw_bytes(lo.value, hi.value, shift, len);
}

/* Follow dword `dw` of a narrowed device from now on. It is forgotten
 * first: a narrowing still running on another CPU may not have reached
 * it, and writes to it went unseen since that narrowing began. */
static __always_inline void cf_dev_follow_dword(struct cf_hw_device *d, __u32 dw)
{
	if (cf_dev_in_followed(d, dw))
		return;
	__sync_lock_test_and_set(cf_dev_word(d, dw * 4), 0);
	cf_dev_add_followed(d, dw);
}

/* The dwords whose writes start a reset (Device Control, PMCSR). */
static __always_inline __u32 cf_dev_devctl_dword(__u32 pcie)
{
	return (pcie + 8) >> 2;
}

static __always_inline __u32 cf_dev_pmcsr_dword(__u32 pm)
{
	return (pm + 4) >> 2;
}

/* Forget dword `dw` unless it is followed. */
static __always_inline void cf_dev_forget_if_unfollowed(struct cf_hw_device *d, __u32 dw)
{
	if (!cf_dev_in_followed(d, dw))
		__sync_lock_test_and_set(cf_dev_word(d, dw * 4), 0);
}

/* ... for every dword. The BPF side defines cf_dev_forget_unfollowed as
 * the same step under bpf_loop, which the verifier checks once rather than
 * once per dword. */
#ifndef cf_dev_forget_unfollowed
static __always_inline void cf_dev_forget_unfollowed(struct cf_hw_device *d)
{
	for (__u32 dw = 0; dw < CF_CFG_DWORDS; dw++)
		cf_dev_forget_if_unfollowed(d, dw);
}
#endif

/* Follow only the dwords in `followed` from now on, and forget the
 * others: they are not seen while the device is narrowed. A bus hook that
 * stored a word just before is caught by cf_dev_note's second look. */
static __always_inline void cf_dev_narrow(struct cf_hw_device *d)
{
	__sync_lock_test_and_set(&d->followed_only, 1);
	cf_dev_forget_unfollowed(d);
}

/* Before a plan decides, the device follows its dwords and its reset
 * registers: a device followed whole is narrowed to them (every dword was
 * followed, so none is stale), one followed in part gains them. Runs
 * where a plan is compiled: vfio's write path and the refusing hook, where
 * interrupts are on. */
static __always_inline void cf_dev_follow_plan(struct cf_hw_device *d, const struct cf_plan *p,
					       __u32 pcie, __u32 pm)
{
	__u32 n = p->nregs;

	if (!cf_read_once(d->followed_only)) {
		/* OR-ing in keeps any bit another compile set meanwhile. One
		 * set after another compile narrowed the device is of a dword
		 * that every write since forgot (cf_dev_bus_write): it is
		 * current or unknown, never stale, so nothing is forgotten
		 * here (forgetting on a guess refused a burst of good writes). */
		for (int i = 0; i < CF_CFG_DWORDS / 64; i++)
			__sync_fetch_and_or(&d->followed[i], p->dwords[i]);
		if (pcie)
			cf_dev_add_followed(d, cf_dev_devctl_dword(pcie));
		if (pm)
			cf_dev_add_followed(d, cf_dev_pmcsr_dword(pm));
		cf_dev_narrow(d);
		return;
	}
	for (__u32 i = 0; i < CF_MAX_RULES; i++) {
		if (i >= n)
			break;
		cf_dev_follow_dword(d, p->regs[i].reg >> 2);
	}
	if (pcie)
		cf_dev_follow_dword(d, cf_dev_devctl_dword(pcie));
	if (pm)
		cf_dev_follow_dword(d, cf_dev_pmcsr_dword(pm));
}

/* Follow every dword again (the loader's seed, which reads them all).
 * Those not followed until now were forgotten when the device was
 * narrowed, so they are unknown until the bus carries them. */
static __always_inline void cf_dev_follow_all(struct cf_hw_device *d)
{
	if (cf_read_once(d->followed_only))
		__sync_lock_test_and_set(&d->followed_only, 0);
}

/* Does [where, where + size) write `bit` of the byte at `at`? */
static __always_inline int cf_writes_bit(__u32 where, __u32 size, __u32 value, __u32 at,
					 __u32 bit)
{
	if (at < where || at >= where + size)
		return 0;
	return (value >> (8 * (at - where))) & bit;
}

enum cf_reset { CF_RESET_NONE = 0, CF_RESET_DEVICE = 1, CF_RESET_BUS = 2 };

/* Secondary Bus Reset in a bridge's Bridge Control (0x3e bit 6): every
 * device below the bridge. */
static __always_inline int cf_starts_bus_reset(__u32 where, __u32 size, __u32 value)
{
	return cf_writes_bit(where, size, value, 0x3e, 0x40);
}

/* Resets change the device without a config write the hooks could see,
 * but the kernel starts each with one of these writes. Judged before the
 * write is recorded: a power state change needs the state before it. */
static __always_inline int cf_dev_reset_by(struct cf_hw_device *d, __u32 where, __u32 size,
					   __u32 value)
{
	struct cf_hw_val v;
	__u32 pmcsr, old = 3;

	if (cf_starts_bus_reset(where, size, value))
		return CF_RESET_BUS;
	/* Function Level Reset: Device Control bit 15 (high byte, bit 7) */
	if (d->pcie && cf_writes_bit(where, size, value, d->pcie + 0x09, 0x80))
		return CF_RESET_DEVICE;
	/* PMCSR (pm + 4, dword-aligned) set to D0 from another state, or from
	 * a state not seen: D3hot -> D0 resets a device without No_Soft_Reset */
	pmcsr = d->pm + 4;
	if (!d->pm || where != pmcsr || (value & 3))
		return CF_RESET_NONE;
	cf_dev_dword(d, d->gen, pmcsr, &v);
	if (v.known & 0xff)
		old = v.value & 3;
	return old ? CF_RESET_DEVICE : CF_RESET_NONE;
}

/* The device was reset: everything seen of it before is void; what the
 * kernel then restores, and what anyone reads, is seen again. */
static __always_inline void cf_dev_reset(struct cf_hw_device *d)
{
	__sync_fetch_and_add(&d->gen, 1);
}

/* A config read the bus carried (not all ones by a failed access: the
 * caller passes only reads that succeeded). */
static __always_inline void cf_dev_bus_read(struct cf_hw_device *d, __u32 where, __u32 size,
					    __u32 value)
{
	if (cf_dev_follows(d, where))
		cf_dev_note(d, d->gen, where, size, value, 1);
}

/* A config write the bus carried, after the caller judged it: `gen` and
 * `reset` (cf_dev_reset_by) as they were before it. A bus reset is the
 * caller's to apply, to every device. A dword not followed changes
 * unseen: it is forgotten, so that a compile following it later finds it
 * current or unknown. */
static __always_inline void cf_dev_bus_write(struct cf_hw_device *d, __u32 gen, __u32 where,
					     __u32 size, __u32 value, int failed, int reset)
{
	__u64 *word = cf_dev_word(d, where);

	if (!cf_dev_follows(d, where)) {
		if (cf_read_once(*word))
			__sync_lock_test_and_set(word, 0);
	} else if (!failed) {
		cf_dev_note(d, gen, where, size, value, 0);
	}
	if (reset == CF_RESET_DEVICE)
		cf_dev_reset(d);
}

/* vfio opens the device: nothing seen before counts (after a hot-plug it
 * may be another device); it is followed whole until its plan narrows it,
 * and its capability directory is rebuilt from what vfio reads now. The
 * new open_gen voids the published plan. */
static __always_inline void cf_dev_opened(struct cf_hw_device *d, __u32 pcie, __u32 pm)
{
	d->open_gen = __sync_add_and_fetch(&d->gen, 1);
	for (int i = 0; i < CF_CFG_DWORDS / 64; i++)
		d->followed[i] = 0;
	d->followed_only = 0;
	d->pcie = pcie;
	d->pm = pm;
	d->caps.state = CF_CAPS_NONE;
}

#endif
