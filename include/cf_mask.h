/* SPDX-License-Identifier: GPL-2.0 */
/* The mask arithmetic of a filtered write, shared by the BPF program and
 * the unit tests so the tested code is the code that runs in the kernel. */
#ifndef CF_MASK_H
#define CF_MASK_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* The bytes a write [pos, pos+len) shares with a register [reg, reg+width). */
struct cf_window {
	__u32 first;   /* config offset of the first shared byte */
	__u32 len;     /* shared bytes, 0 when they do not overlap */
	__u32 reg_pos; /* index of the first shared byte within the register */
	__u32 buf_pos; /* index of the first shared byte within the write */
};

static __always_inline void cf_window(__u64 pos, __u64 len, __u32 reg, __u32 width,
				      struct cf_window *w)
{
	__u64 lo = pos > reg ? pos : reg;
	__u64 end = pos + len;
	__u64 hi = end < (__u64)reg + width ? end : (__u64)reg + width;

	w->first = (__u32)lo;
	w->len = hi > lo ? (__u32)(hi - lo) : 0;
	w->reg_pos = (__u32)(lo - reg);
	w->buf_pos = (__u32)(lo - pos);
}

/* All-ones over the low n bytes, n in 0..4. */
static __always_inline __u32 cf_bytes_mask(__u32 n)
{
	return n >= 4 ? 0xffffffffu : (1u << (8 * n)) - 1;
}

/* A register-relative mask seen from the window: bit 0 is the window's
 * first byte. */
static __always_inline __u32 cf_window_mask(__u32 reg_mask, const struct cf_window *w)
{
	if (w->reg_pos >= 4)
		return 0;
	return (reg_mask >> (8 * w->reg_pos)) & cf_bytes_mask(w->len);
}

/* Protected bits come from what vfio holds, the rest from the writer. */
static __always_inline __u32 cf_merge(__u32 requested, __u32 current, __u32 protect)
{
	return (requested & ~protect) | (current & protect);
}

/* Protected bits the writer tried to change. */
static __always_inline __u32 cf_changed(__u32 requested, __u32 current, __u32 protect)
{
	return (requested ^ current) & protect;
}

#endif
