/* SPDX-License-Identifier: GPL-2.0 */
/* The device's config space as last seen on the bus: what the data plane
 * judges a write against. vfio's own copy (vconfig) holds only the bits
 * vfio virtualizes; for every bit it writes through, the device moves on
 * and vconfig keeps the value read at open, so vconfig never stands in for
 * the device: a byte not seen is unknown. Shared by the BPF programs and
 * the unit tests. */
#ifndef CF_HW_H
#define CF_HW_H

#include "cf_mask.h"

/* A followed device (map hw_devices). */
struct cf_dev_key {
	__u64 bus;
	__u32 devfn;
	__u32 pad;
};

struct cf_hw_val {
	__u32 value;
	__u32 known; /* 0xff per byte whose value was seen on the bus */
};

/* A config access of `size` bytes at byte `shift` of the dword went over
 * the bus. A write tells the value of every writable bit; for read-only
 * bits the written value may be wrong, which no write can change anyway.
 * A read of all ones is what a device in reset or gone answers: those
 * bytes become unknown rather than trusted. */
static __always_inline void cf_hw_record(struct cf_hw_val *v, __u32 shift, __u32 size,
					 __u32 value, int is_read)
{
	__u32 ones, m;

	if (shift > 3 || size < 1 || size > 4 - shift)
		return;
	ones = cf_bytes_mask(size);
	m = ones << (8 * shift);
	if (is_read && (value & ones) == ones) {
		v->known &= ~m;
		return;
	}
	v->value = (v->value & ~m) | (((value & ones) << (8 * shift)) & m);
	v->known |= m;
}

/* Would a write of `size` bytes at byte `shift` leave the dword as it is
 * known to be? Only if every byte it writes is known and equal. */
static __always_inline int cf_hw_same(const struct cf_hw_val *v, __u32 shift, __u32 size,
				      __u32 value)
{
	__u32 m;

	if (shift > 3 || size < 1 || size > 4 - shift)
		return 0;
	m = cf_bytes_mask(size) << (8 * shift);
	return (v->known & m) == m && ((v->value ^ (value << (8 * shift))) & m) == 0;
}

/* A dword as the device record keeps it: one 64-bit word, so it is read
 * and replaced whole (no reader takes the value of one access with the
 * known bytes of another): bits 0-31 the value, 32-35 which bytes are
 * known, 36-63 the device's generation when it was seen. */
#define CF_HW_GEN_BITS 28
#define CF_HW_GEN_MASK ((1u << CF_HW_GEN_BITS) - 1)

static __always_inline __u64 cf_hw_pack(const struct cf_hw_val *v, __u32 gen)
{
	__u64 known = 0;

	for (int i = 0; i < 4; i++)
		known |= ((v->known >> (8 * i)) & 1) << i;
	return (__u64)v->value | known << 32 | (__u64)(gen & CF_HW_GEN_MASK) << 36;
}

static __always_inline __u32 cf_hw_word_gen(__u64 x)
{
	return (__u32)(x >> 36);
}

/* The dword as seen in generation `gen`: nothing is known of it if it was
 * seen in another one (before a reset). */
static __always_inline void cf_hw_unpack(__u64 x, __u32 gen, struct cf_hw_val *v)
{
	v->value = 0;
	v->known = 0;
	if (cf_hw_word_gen(x) != (gen & CF_HW_GEN_MASK))
		return;
	v->value = (__u32)x;
	for (int i = 0; i < 4; i++)
		v->known |= ((x >> (32 + i)) & 1) ? 0xffu << (8 * i) : 0;
}

/* Was the dword seen in generation `since` or a later one? (Generations
 * compared modulo 2^28, as serial numbers.) */
static __always_inline int cf_hw_seen_since(__u64 x, __u32 since)
{
	return ((cf_hw_word_gen(x) - since) & CF_HW_GEN_MASK) < (1u << (CF_HW_GEN_BITS - 1));
}

/* The word after an access of `size` bytes at byte `shift` was carried in
 * generation `gen`: what the word tells of that generation, recorded. */
static __always_inline __u64 cf_hw_word_record(__u64 x, __u32 gen, __u32 shift, __u32 size,
					       __u32 value, int is_read)
{
	struct cf_hw_val v;

	cf_hw_unpack(x, gen, &v);
	cf_hw_record(&v, shift, size, value, is_read);
	return cf_hw_pack(&v, gen);
}

/* Bytes [shift, shift + len) of two consecutive dwords lo, hi: a window
 * of a register may straddle a dword boundary. shift 0..3, len 1..4. */
static __always_inline __u32 cf_hw_bytes(__u32 lo, __u32 hi, __u32 shift, __u32 len)
{
	__u64 both = (__u64)hi << 32 | lo;

	return (__u32)(both >> (8 * (shift & 3))) & cf_bytes_mask(len);
}

#endif
