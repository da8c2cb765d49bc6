/* SPDX-License-Identifier: GPL-2.0 */
/* Reference model of one filtered PCI config write, for the unit tests.
 *
 * Deliberately independent of include/cf_mask.h: it never builds a window or
 * a shifted mask. It walks the written bytes one bit at a time, asks "is this
 * bit of config space protected by some register?", and picks the bit from
 * config space or from the writer accordingly. Bits are extracted and
 * assembled with division and multiplication by two, so a shift or masking
 * mistake in the implementation cannot be mirrored here.
 *
 * Model of the write: the writer hands `len` bytes `data` for config offsets
 * [pos, pos + len). A register is `width` bytes at config offset `offset`;
 * its `mask` is a little-endian value: bit n of the mask is bit (n % 8) of
 * the register's byte (n / 8). */
#ifndef CF_REF_MODEL_H
#define CF_REF_MODEL_H

#include <stddef.h>
#include <stdint.h>

struct ref_reg {
	uint32_t offset; /* absolute config offset of the register */
	uint32_t width;  /* 1, 2 or 4 */
	uint32_t mask;   /* protected bits, little-endian register value */
};

struct ref_reg_result {
	/* Bytes the write shares with the register, found by walking bytes:
	 * first shared config offset (only meaningful when overlap_len > 0)
	 * and how many there are. */
	uint64_t overlap_first;
	uint32_t overlap_len;
	/* Protected bits of this register the writer tried to change,
	 * register-relative (bit n = register bit n as above). */
	uint32_t changed;
};

/* Bit n (0 = least significant) of v, by repeated halving. */
static inline unsigned int ref_bit(uint32_t v, unsigned int n)
{
	while (n--)
		v /= 2;
	return v % 2;
}

/* 2 to the power n, n < 32, by repeated doubling. */
static inline uint32_t ref_pow2(unsigned int n)
{
	uint32_t v = 1;

	while (n--)
		v *= 2;
	return v;
}

/* Is byte `abs` of config space inside register r? */
static inline int ref_in_reg(const struct ref_reg *r, uint64_t abs)
{
	return abs >= r->offset && abs < (uint64_t)r->offset + r->width;
}

/* Is bit `bit` (0..7) of config byte `abs` protected by any register? */
static inline int ref_protected(const struct ref_reg *regs, size_t nregs, uint64_t abs,
				unsigned int bit)
{
	for (size_t k = 0; k < nregs; k++) {
		if (!ref_in_reg(&regs[k], abs))
			continue;
		if (ref_bit(regs[k].mask, 8 * (unsigned int)(abs - regs[k].offset) + bit))
			return 1;
	}
	return 0;
}

/* The filtered write.
 *   cur:  config space as vfio holds it, indexed by absolute offset; must
 *         cover [pos, pos + len)
 *   data: the writer's bytes, data[i] is for config offset pos + i
 *   out:  receives len bytes, what vfio should be handed
 *   res:  one entry per register (may be NULL)
 * Returns the total number of protected bits the writer tried to change. */
static inline unsigned long ref_filtered_write(const uint8_t *cur, uint64_t pos, uint64_t len,
						const uint8_t *data, const struct ref_reg *regs,
						size_t nregs, uint8_t *out,
						struct ref_reg_result *res)
{
	unsigned long total = 0;

	if (res) {
		for (size_t k = 0; k < nregs; k++) {
			res[k].overlap_first = 0;
			res[k].overlap_len = 0;
			res[k].changed = 0;
		}
	}
	for (uint64_t i = 0; i < len; i++) {
		uint64_t abs = pos + i;
		uint32_t byte = 0;

		for (unsigned int b = 0; b < 8; b++) {
			unsigned int want = ref_bit(data[i], b);
			unsigned int held = ref_bit(cur[abs], b);
			unsigned int prot = ref_protected(regs, nregs, abs, b);

			if (prot && want != held)
				total++;
			if (prot ? held : want)
				byte += ref_pow2(b);
		}
		out[i] = (uint8_t)byte;

		if (!res)
			continue;
		for (size_t k = 0; k < nregs; k++) {
			const struct ref_reg *r = &regs[k];
			unsigned int byte_in_reg;

			if (!ref_in_reg(r, abs))
				continue;
			if (res[k].overlap_len == 0)
				res[k].overlap_first = abs;
			res[k].overlap_len++;
			byte_in_reg = (unsigned int)(abs - r->offset);
			for (unsigned int b = 0; b < 8; b++) {
				unsigned int n = 8 * byte_in_reg + b;

				if (ref_bit(r->mask, n) &&
				    ref_bit(data[i], b) != ref_bit(cur[abs], b))
					res[k].changed += ref_pow2(n);
			}
		}
	}
	return total;
}

#endif
