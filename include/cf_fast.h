/* SPDX-License-Identifier: GPL-2.0 */
/* The hot paths' state (bpf/fast.bpf.h): one page of the data plane's
 * .bss, which the loader maps to set the live hash and the seeding flag.
 * One page, so an access no rule covers touches one page of ours: under
 * TCG the cost of a program follows the memory it touches and the helpers
 * it calls more than its instructions (bench: the building blocks). */
#ifndef CF_FAST_H
#define CF_FAST_H

#include "cf_plan.h"

#define CF_FAST_SLOTS 32    /* per array; a power of two */
#define CF_FAST_DWORDS 256  /* the copies cover config bytes 0..1023 */

enum cf_fast_res { CF_FAST_MISS = 0, CF_FAST_SKIP, CF_FAST_GO };

/* A device's plan, as far as the write path needs it: which dwords it
 * covers. Valid while seq is even and unchanged, epoch is plan_epoch and
 * hash is live_hash. Keyed by the vfio device (every open and close moves
 * plan_epoch on, so a device freed and another allocated at its address
 * finds no copy). */
struct cf_fast_plan {
	__u32 seq;
	__u32 epoch;
	__u64 vdev;     /* struct vfio_pci_core_device * */
	__u64 hash;
	__u64 dwords[CF_FAST_DWORDS / 64];
};

enum cf_fast_watch_state { CF_FW_UNWATCHED = 1, CF_FW_WHOLE, CF_FW_NARROWED };

/* A device's entry in hw_devices, as far as the bus hooks need it. */
struct cf_fast_watch {
	__u32 seq;
	__u32 epoch;
	__u64 bus;   /* struct pci_bus * */
	__u32 devfn;
	__u32 state; /* enum cf_fast_watch_state */
	__u64 track[CF_FAST_DWORDS / 64];
};

struct cf_fast {
	__u64 live_hash;   /* the live policy's hash: set by the loader */
	__u64 writes;      /* config writes seen through vfio */
	__u64 in_writes;   /* tasks inside a vfio write whose bus writes are checked */
	__u32 plan_epoch;
	__u32 watch_epoch;
	__u32 seeding;     /* nonzero while a cfgfilter process reads sysfs config */
	__u32 pad;
	struct cf_fast_plan plans[CF_FAST_SLOTS];
	struct cf_fast_watch watches[CF_FAST_SLOTS];
};

_Static_assert(sizeof(struct cf_fast) <= 4096, "the hot paths' state fits one page");

/* ... of a copy's bitmap (cf_plan.h) */
static __always_inline __u32 cf_fast_word(__u64 dw)
{
	return cf_bitmap_word(dw, CF_FAST_DWORDS / 64);
}

/* What a plan's copy (`dwords`: the plan's first CF_FAST_DWORDS bits) says
 * of the write [pos, pos + count): SKIP if it touches no dword of the plan;
 * GO if it does, or if the copy cannot tell (past its range, over more than
 * two dwords, empty), for the map path to decide. */
static __always_inline int cf_fast_plan_answer(const __u64 *dwords, __u64 pos, __u64 count)
{
	__u64 first = pos >> 2, last = (pos + count - 1) >> 2, bits;

	if (!count || pos >= 4 * CF_FAST_DWORDS || last >= CF_FAST_DWORDS || last - first >= 2)
		return CF_FAST_GO;
	bits = dwords[cf_fast_word(first)] >> (first & 63) | dwords[cf_fast_word(last)] >> (last & 63);
	return bits & 1 ? CF_FAST_GO : CF_FAST_SKIP;
}

/* What a device's copy (state, `track`) says of an access at config byte
 * `where`: SKIP if the bus hooks need not see it (the device is not
 * watched, or is narrowed to dwords that do not include it), else GO. */
static __always_inline int cf_fast_watch_answer(__u32 state, const __u64 *track, __u32 where)
{
	__u32 dw = where >> 2;

	if (state == CF_FW_UNWATCHED)
		return CF_FAST_SKIP;
	if (state == CF_FW_NARROWED && dw < CF_FAST_DWORDS && !((track[cf_fast_word(dw)] >> (dw & 63)) & 1))
		return CF_FAST_SKIP;
	return CF_FAST_GO;
}

#endif
