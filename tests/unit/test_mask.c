// SPDX-License-Identifier: GPL-2.0
/* The mask arithmetic of include/cf_mask.h, driven the way the BPF program
 * drives it (bpf/engine.bpf.h, cf_flush in CF_MODE_WRITE), against the
 * bit-by-bit reference model in ref_model.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cf_mask.h"
#include "cf_decide.h"
#include "ref_model.h"

#define CFG_SIZE 4096
#define MAX_REGS 8
#define GUARD 32
#define GUARD_BYTE 0xa5

/* Model comparisons made, for the diag line. */
static unsigned long n_cases;

/* ---- fixed-seed PRNG (xorshift64) ---------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t x = r->s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	r->s = x;
	return x;
}

static uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(rng_next(r) % n);
}

static void rng_fill(struct rng *r, uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(rng_next(r) >> 24);
}

/* ---- the BPF program's use of cf_mask.h ---------------------------- */

/* bpf_probe_read_{user,kernel}(&u32_zeroed, len, p) on a little-endian CPU */
static __u32 le_load(const uint8_t *p, __u32 n)
{
	__u32 v = 0;

	for (__u32 i = n; i-- > 0;)
		v = (v << 8) | p[i];
	return v;
}

/* bpf_probe_write_user(p, &u32, len) on a little-endian CPU */
static void le_store(uint8_t *p, __u32 v, __u32 n)
{
	for (__u32 i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

struct drv_out {
	struct cf_window w;
	int wrote; /* the write buffer was rewritten */
	__u32 req, cur, prot, applied, bits;
};

/* A mask rule's register decided as cf_flush decides it in CF_MODE_WRITE
 * (cf_register_window, cf_decide_write), with the helpers it calls done
 * here: the writer's bytes read (le_load), the device's value taken from
 * cfg, every byte of it known, and the buffer rewritten (le_store). buf is
 * the writer's buffer for config offsets [pos, pos + count). */
static void drive_register(uint8_t *buf, __u64 pos, __u64 count, const uint8_t *cfg,
			   const struct ref_reg *reg, struct drv_out *o)
{
	__u32 g_mask[CF_ACT_MAX + 1] = { [CF_ACT_MASK] = reg->mask };
	struct cf_decision d;
	struct cf_masks m;

	memset(o, 0, sizeof(*o));
	if (cf_register_window(g_mask, pos, count, reg->offset, reg->width, CF_MODE_WRITE, &o->w,
			       &m))
		return;
	o->req = le_load(buf + o->w.buf_pos, o->w.len);
	o->cur = le_load(cfg + o->w.first, o->w.len);
	o->prot = cf_protected(&m);
	cf_decide_write(&m, o->req, o->cur, cf_bytes_mask(o->w.len), &d);
	if (!d.changed)
		return;
	o->applied = d.applied;
	o->bits = d.changed;
	if (d.rewrite) {
		le_store(buf + o->w.buf_pos, o->applied, o->w.len);
		o->wrote = 1;
	}
}

/* ---- one case: implementation vs model ----------------------------- */

static void case_fail(const char *what, __u64 pos, __u64 len, const struct ref_reg *regs,
		      size_t nregs, const char *fmt, ...)
{
	char msg[512], detail[256];
	size_t used;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	used = (size_t)snprintf(msg, sizeof(msg), "%s: write pos 0x%llx len %llu, regs", what,
				(unsigned long long)pos, (unsigned long long)len);
	for (size_t k = 0; k < nregs && used < sizeof(msg); k++)
		used += (size_t)snprintf(msg + used, sizeof(msg) - used, " [0x%x w%u m0x%x]",
					 regs[k].offset, regs[k].width, regs[k].mask);
	fail_msg("%s: %s", msg, detail);
}

/* Filter data (len bytes for offsets pos..) against cfg both ways and
 * compare everything observable. Returns the model's count of protected
 * bits the writer tried to change. */
static unsigned long check_case(const char *what, const uint8_t *cfg, __u64 pos, __u64 len,
				const uint8_t *data, const struct ref_reg *regs, size_t nregs)
{
	static uint8_t buf[GUARD + CFG_SIZE + GUARD];
	static uint8_t want[CFG_SIZE];
	struct ref_reg_result res[MAX_REGS];
	struct drv_out o[MAX_REGS];
	unsigned long total;

	assert_true(nregs <= MAX_REGS);
	assert_true(pos + len <= CFG_SIZE);
	memset(buf, GUARD_BYTE, sizeof(buf));
	memcpy(buf + GUARD, data, len);
	total = ref_filtered_write(cfg, pos, len, data, regs, nregs, want, res);
	/* The BPF program filters one register (group) after the other on
	 * the same buffer. */
	for (size_t k = 0; k < nregs; k++)
		drive_register(buf + GUARD, pos, len, cfg, &regs[k], &o[k]);
	n_cases++;

	for (size_t k = 0; k < nregs; k++) {
		const struct cf_window *w = &o[k].w;
		__u32 reg_bits;

		if (w->len != res[k].overlap_len)
			case_fail(what, pos, len, regs, nregs, "reg %zu: window len %u, model %u", k,
				  w->len, res[k].overlap_len);
		if (w->len) {
			if (w->first != res[k].overlap_first)
				case_fail(what, pos, len, regs, nregs,
					  "reg %zu: window first 0x%x, model 0x%llx", k, w->first,
					  (unsigned long long)res[k].overlap_first);
			if ((__u64)w->buf_pos != res[k].overlap_first - pos)
				case_fail(what, pos, len, regs, nregs, "reg %zu: buf_pos %u", k,
					  w->buf_pos);
			if ((__u64)w->reg_pos != res[k].overlap_first - regs[k].offset)
				case_fail(what, pos, len, regs, nregs, "reg %zu: reg_pos %u", k,
					  w->reg_pos);
		}
		reg_bits = w->len ? (__u32)((__u64)o[k].bits << (8 * w->reg_pos)) : 0;
		if (reg_bits != res[k].changed)
			case_fail(what, pos, len, regs, nregs,
				  "reg %zu: changed bits 0x%08x (window 0x%x), model 0x%08x", k,
				  reg_bits, o[k].bits, res[k].changed);
		if (o[k].wrote != (res[k].changed != 0))
			case_fail(what, pos, len, regs, nregs, "reg %zu: wrote %d, model changed 0x%x",
				  k, o[k].wrote, res[k].changed);
	}
	for (size_t i = 0; i < GUARD; i++) {
		if (buf[i] != GUARD_BYTE || buf[GUARD + len + i] != GUARD_BYTE)
			case_fail(what, pos, len, regs, nregs, "wrote outside the write buffer");
	}
	for (__u64 i = 0; i < len; i++) {
		if (buf[GUARD + i] != want[i])
			case_fail(what, pos, len, regs, nregs,
				  "byte at 0x%llx: got 0x%02x, model 0x%02x (data 0x%02x cur 0x%02x)",
				  (unsigned long long)(pos + i), buf[GUARD + i], want[i], data[i],
				  cfg[pos + i]);
	}
	return total;
}

/* ---- data generation ------------------------------------------------ */

enum mode {
	MODE_RANDOM,        /* random data over random config */
	MODE_SAME,          /* data == config: nothing to change */
	MODE_PROT_KEPT,     /* random data, protected bits already as held */
	MODE_ONE_BIT,       /* data == config but one protected bit flipped */
	MODE_COUNT,
};

static const char *const mode_name[] = { "random", "same", "prot-kept", "one-bit" };

/* Make data for a write of len bytes at pos in the given mode (cfg over
 * the write is randomised first) and check it. */
static void run_mode(struct rng *r, enum mode m, uint8_t *cfg, __u64 pos, __u64 len,
		     const struct ref_reg *regs, size_t nregs)
{
	static uint8_t data[CFG_SIZE], tmp[CFG_SIZE];
	unsigned long total, nprot = 0, pick;

	rng_fill(r, cfg + pos, len);
	switch (m) {
	case MODE_RANDOM:
		rng_fill(r, data, len);
		break;
	case MODE_SAME:
		memcpy(data, cfg + pos, len);
		break;
	case MODE_PROT_KEPT:
		/* The model's own output keeps every protected bit. */
		rng_fill(r, tmp, len);
		ref_filtered_write(cfg, pos, len, tmp, regs, nregs, data, NULL);
		break;
	case MODE_ONE_BIT:
		memcpy(data, cfg + pos, len);
		for (__u64 i = 0; i < len; i++)
			for (unsigned int b = 0; b < 8; b++)
				nprot += ref_protected(regs, nregs, pos + i, b);
		if (!nprot)
			break;
		pick = rng_below(r, (uint32_t)nprot);
		for (__u64 i = 0; i < len; i++)
			for (unsigned int b = 0; b < 8; b++)
				if (ref_protected(regs, nregs, pos + i, b) && pick-- == 0)
					data[i] ^= (uint8_t)(1u << b);
		break;
	default:
		fail();
	}
	total = check_case(mode_name[m], cfg, pos, len, data, regs, nregs);
	if ((m == MODE_SAME || m == MODE_PROT_KEPT) && total != 0)
		fail_msg("model: %s write changed %lu protected bits", mode_name[m], total);
	if (m == MODE_ONE_BIT && total != (nprot ? 1 : 0))
		fail_msg("model: one-bit write changed %lu protected bits", total);
}

static void run_all_modes(struct rng *r, uint8_t *cfg, __u64 pos, __u64 len,
			  const struct ref_reg *regs, size_t nregs)
{
	for (int m = 0; m < MODE_COUNT; m++)
		run_mode(r, m, cfg, pos, len, regs, nregs);
	run_mode(r, MODE_RANDOM, cfg, pos, len, regs, nregs); /* a second random draw */
}

static uint8_t cfg_space[CFG_SIZE];

/* ---- unit checks of the primitives ---------------------------------- */

static void test_bytes_mask_0_to_4(void **state)
{
	assert_int_equal(cf_bytes_mask(0), 0x00000000u);
	assert_int_equal(cf_bytes_mask(1), 0x000000ffu);
	assert_int_equal(cf_bytes_mask(2), 0x0000ffffu);
	assert_int_equal(cf_bytes_mask(3), 0x00ffffffu);
	assert_int_equal(cf_bytes_mask(4), 0xffffffffu);
}

static void test_bytes_mask_above_4_saturates(void **state)
{
	assert_int_equal(cf_bytes_mask(5), 0xffffffffu);
	assert_int_equal(cf_bytes_mask(32), 0xffffffffu);
}

static void expect_window(__u64 pos, __u64 len, __u32 reg, __u32 width, __u32 first,
			  __u32 wlen, __u32 reg_pos, __u32 buf_pos)
{
	struct cf_window w;

	memset(&w, 0x5a, sizeof(w));
	cf_window(pos, len, reg, width, &w);
	assert_int_equal(w.len, wlen);
	if (wlen) {
		assert_int_equal(w.first, first);
		assert_int_equal(w.reg_pos, reg_pos);
		assert_int_equal(w.buf_pos, buf_pos);
	}
}

static void expect_no_overlap(__u64 pos, __u64 len, __u32 reg, __u32 width)
{
	expect_window(pos, len, reg, width, 0, 0, 0, 0);
}

static void test_window_write_ending_at_register_is_empty(void **state)
{
	expect_no_overlap(0x84, 4, 0x88, 2); /* [0x84,0x88) touches 0x88 */
	expect_no_overlap(0x87, 1, 0x88, 4);
	expect_no_overlap(0x00, 0x88, 0x88, 4);
}

static void test_window_write_starting_after_register_is_empty(void **state)
{
	expect_no_overlap(0x8a, 2, 0x88, 2); /* starts right at reg + width */
	expect_no_overlap(0x89, 1, 0x88, 1);
	expect_no_overlap(0x8c, 4, 0x88, 4);
}

static void test_window_far_away_is_empty(void **state)
{
	expect_no_overlap(0x00, 4, 0x88, 2);
	expect_no_overlap(0xffc, 4, 0x88, 4);
}

static void test_window_zero_length_write_is_empty(void **state)
{
	expect_no_overlap(0x88, 0, 0x88, 2);
	expect_no_overlap(0x89, 0, 0x88, 4);
}

static void test_window_write_inside_register(void **state)
{
	expect_window(0x89, 1, 0x88, 2, 0x89, 1, 1, 0);
	expect_window(0x89, 2, 0x88, 4, 0x89, 2, 1, 0);
	expect_window(0x88, 4, 0x88, 4, 0x88, 4, 0, 0);
}

static void test_window_write_containing_register(void **state)
{
	expect_window(0x80, 16, 0x88, 4, 0x88, 4, 0, 8);
	expect_window(0x00, 4096, 0x88, 2, 0x88, 2, 0, 0x88);
}

static void test_window_partial_overlap_low_and_high(void **state)
{
	/* write covers the register's low half */
	expect_window(0x86, 4, 0x88, 4, 0x88, 2, 0, 2);
	/* write covers the register's high half */
	expect_window(0x8a, 4, 0x88, 4, 0x8a, 2, 2, 0);
	/* one byte each end */
	expect_window(0x85, 4, 0x88, 2, 0x88, 1, 0, 3);
	expect_window(0x89, 4, 0x88, 2, 0x89, 1, 1, 0);
}

static void test_window_at_end_of_config_space(void **state)
{
	expect_window(0xfff, 1, 0xffc, 4, 0xfff, 1, 3, 0);
	expect_window(0xff0, 16, 0xffc, 4, 0xffc, 4, 0, 12);
}

static void test_window_pos_above_4g_does_not_alias(void **state)
{
	/* pos is 64-bit, the register offset 32-bit: no truncation. */
	expect_no_overlap(0x100000088ULL, 2, 0x88, 2);
	expect_no_overlap(0xffffffff00000000ULL, 0x100, 0x88, 2);
}

static void test_window_huge_length(void **state)
{
	expect_window(0, 1ULL << 40, 0x88, 4, 0x88, 4, 0, 0x88);
}

static void test_window_mask_selects_window_bytes(void **state)
{
	struct cf_window w;

	cf_window(0x88, 1, 0x88, 2, &w); /* low byte of devctl */
	assert_int_equal(cf_window_mask(0x02e0, &w), 0xe0);
	cf_window(0x89, 1, 0x88, 2, &w); /* high byte of devctl */
	assert_int_equal(cf_window_mask(0x02e0, &w), 0x02);
	cf_window(0x8a, 2, 0x88, 4, &w);
	assert_int_equal(cf_window_mask(0x80000001, &w), 0x8000);
	cf_window(0x86, 3, 0x88, 4, &w); /* one byte of the register */
	assert_int_equal(cf_window_mask(0x80000001, &w), 0x01);
	cf_window(0x80, 16, 0x88, 4, &w);
	assert_int_equal(cf_window_mask(0x80000001, &w), 0x80000001);
}

static void test_window_mask_empty_window_is_zero(void **state)
{
	struct cf_window w = { .first = 0x88, .len = 0, .reg_pos = 0, .buf_pos = 0 };

	assert_int_equal(cf_window_mask(0xffffffff, &w), 0);
	w.reg_pos = 4;
	w.len = 1;
	assert_int_equal(cf_window_mask(0xffffffff, &w), 0);
	w.reg_pos = 100;
	assert_int_equal(cf_window_mask(0xffffffff, &w), 0);
}

static void test_merge_takes_protected_bits_from_current(void **state)
{
	assert_int_equal(cf_merge(0x72e0, 0x2010, 0x02e0), 0x7000);
	assert_int_equal(cf_merge(0xffff, 0x0000, 0xffff), 0x0000);
	assert_int_equal(cf_merge(0xffff, 0x0000, 0x0000), 0xffff);
	assert_int_equal(cf_merge(0x00000000, 0xffffffff, 0x80000001), 0x80000001);
}

static void test_changed_reports_only_protected_differences(void **state)
{
	assert_int_equal(cf_changed(0x72e0, 0x2010, 0x02e0), 0x02e0);
	assert_int_equal(cf_changed(0x20f0, 0x2010, 0x00e0), 0x00e0);
	assert_int_equal(cf_changed(0xff1f, 0x0010, 0x00e0), 0); /* only unprotected differ */
	assert_int_equal(cf_changed(0x1234, 0x1234, 0xffff), 0);
}

/* ---- the reference model on hand-worked examples -------------------- */

static void test_model_mps_write_is_masked(void **state)
{
	static uint8_t cfg[CFG_SIZE];
	const struct ref_reg devctl = { 0x88, 2, 0x00e0 };
	const uint8_t data[2] = { 0xf0, 0x20 }; /* MPS 111b, rest unchanged */
	uint8_t buf[2];
	struct ref_reg_result res;
	struct drv_out o;

	cfg[0x88] = 0x10;
	cfg[0x89] = 0x20;
	assert_int_equal(ref_filtered_write(cfg, 0x88, 2, data, &devctl, 1, buf, &res), 3);
	assert_int_equal(buf[0], 0x10);
	assert_int_equal(buf[1], 0x20);
	assert_int_equal(res.changed, 0x00e0);
	assert_int_equal(res.overlap_first, 0x88);
	assert_int_equal(res.overlap_len, 2);

	memcpy(buf, data, 2);
	drive_register(buf, 0x88, 2, cfg, &devctl, &o);
	assert_true(o.wrote);
	assert_int_equal(o.req, 0x20f0);
	assert_int_equal(o.cur, 0x2010);
	assert_int_equal(o.applied, 0x2010);
	assert_int_equal(o.bits, 0x00e0);
	assert_int_equal(buf[0], 0x10);
	assert_int_equal(buf[1], 0x20);
}

static void test_model_high_byte_write_is_register_relative(void **state)
{
	static uint8_t cfg[CFG_SIZE];
	const struct ref_reg devctl = { 0x88, 2, 0x02e0 };
	const uint8_t data[1] = { 0x72 }; /* MRRS 111b + Phantom */
	uint8_t buf[1];
	struct ref_reg_result res;
	struct drv_out o;

	cfg[0x89] = 0x00;
	assert_int_equal(ref_filtered_write(cfg, 0x89, 1, data, &devctl, 1, buf, &res), 1);
	assert_int_equal(buf[0], 0x70);
	assert_int_equal(res.changed, 0x0200);

	buf[0] = data[0];
	drive_register(buf, 0x89, 1, cfg, &devctl, &o);
	assert_true(o.wrote);
	assert_int_equal(o.w.reg_pos, 1);
	assert_int_equal(o.prot, 0x02);
	assert_int_equal(o.bits, 0x02);
	assert_int_equal(buf[0], 0x70);
}

/* ---- exhaustive small writes around one register --------------------- */

static void exhaustive_width(__u32 width, const __u32 *masks, size_t nmasks, uint64_t seed)
{
	const __u32 bases[] = { 0x000, 0x088, 0x08b, 0x0ff, CFG_SIZE - width };
	struct rng r = { seed };

	for (size_t bi = 0; bi < sizeof(bases) / sizeof(bases[0]); bi++) {
		__u32 base = bases[bi];
		__u32 lo = base >= 8 ? base - 8 : 0;

		for (size_t mi = 0; mi < nmasks; mi++) {
			const struct ref_reg reg = { base, width, masks[mi] };

			for (__u32 pos = lo; pos < base + width + 8; pos++)
				for (__u32 len = 1; len <= 16; len++)
					if (pos + len <= CFG_SIZE)
						run_all_modes(&r, cfg_space, pos, len, &reg, 1);
		}
	}
}

static void test_exhaustive_width1(void **state)
{
	static const __u32 masks[] = { 0x00, 0x01, 0x80, 0xe0, 0x02, 0x5a, 0xff };

	exhaustive_width(1, masks, sizeof(masks) / sizeof(masks[0]), 0x1111);
}

static void test_exhaustive_width2(void **state)
{
	static const __u32 masks[] = { 0x0000, 0x0001, 0x8000, 0x00e0, 0x0200,
				       0x02e0, 0x00ff, 0xff00, 0xffff };

	exhaustive_width(2, masks, sizeof(masks) / sizeof(masks[0]), 0x2222);
}

static void test_exhaustive_width4(void **state)
{
	static const __u32 masks[] = { 0x00000000, 0x00000001, 0x80000000, 0x000000e0,
				       0x000002e0, 0x80000001, 0x00ff0000, 0xff000000,
				       0xffff0000, 0xffffffff };

	exhaustive_width(4, masks, sizeof(masks) / sizeof(masks[0]), 0x4444);
}

/* ---- large writes ----------------------------------------------------- */

/* Registers a real device might have protected at once. */
static const struct ref_reg big_regs[] = {
	{ 0x004, 2, 0x0104 },     /* hdr.command bus_master|serr */
	{ 0x088, 2, 0x02e0 },     /* pcie.devctl mps|phantom (cap at 0x80) */
	{ 0x090, 2, 0x0003 },     /* pcie.lnkctl aspm */
	{ 0x0a8, 2, 0xffff },     /* pcie.devctl2 whole */
	{ 0x100, 4, 0x80000001 }, /* an extended-space dword */
	{ 0xffc, 4, 0xffffffff }, /* last dword of config space */
};
#define N_BIG_REGS (sizeof(big_regs) / sizeof(big_regs[0]))

static void test_large_write_256_at_0(void **state)
{
	struct rng r = { 0x256 };

	for (int i = 0; i < 8; i++)
		run_all_modes(&r, cfg_space, 0, 256, big_regs, N_BIG_REGS);
}

static void test_large_write_4096_at_0(void **state)
{
	struct rng r = { 0x4096 };

	for (int i = 0; i < 8; i++)
		run_all_modes(&r, cfg_space, 0, 4096, big_regs, N_BIG_REGS);
}

static void test_random_large_writes_covering_devctl(void **state)
{
	struct rng r = { 0xdeadbeefcafef00dULL };
	const __u32 reg = 0x88;

	for (int i = 0; i < 400; i++) {
		__u32 pos = rng_below(&r, reg + 2);              /* 0 .. 0x89 */
		__u32 min = pos <= reg ? reg + 1 - pos : 1;       /* reach 0x88 */
		__u32 max = CFG_SIZE - pos;
		__u32 len = min + rng_below(&r, max - min + 1);

		run_mode(&r, (enum mode)(i % MODE_COUNT), cfg_space, pos, len, big_regs,
			 N_BIG_REGS);
	}
}

/* ---- writes spanning adjacent protected registers ---------------------- */

static void test_dword_write_spans_two_protected_words(void **state)
{
	static uint8_t cfg[CFG_SIZE];
	const struct ref_reg regs[2] = { { 0x88, 2, 0x02e0 }, { 0x8a, 2, 0x0f0f } };
	const uint8_t data[4] = { 0xff, 0xff, 0xff, 0xff };
	const uint8_t expect[4] = { 0x1f, 0xfd, 0xf0, 0xf0 };
	uint8_t buf[4], model[4];
	struct ref_reg_result res[2];
	struct drv_out o[2];

	cfg[0x88] = 0x10;
	cfg[0x89] = 0x20;
	cfg[0x8a] = 0x30;
	cfg[0x8b] = 0x40;

	ref_filtered_write(cfg, 0x88, 4, data, regs, 2, model, res);
	assert_memory_equal(model, expect, 4);
	assert_int_equal(res[0].changed, 0x02e0);
	assert_int_equal(res[1].changed, 0x0f0f);

	memcpy(buf, data, 4);
	drive_register(buf, 0x88, 4, cfg, &regs[0], &o[0]);
	drive_register(buf, 0x88, 4, cfg, &regs[1], &o[1]);
	assert_memory_equal(buf, expect, 4);
	assert_int_equal(o[0].w.len, 2);
	assert_int_equal(o[0].w.buf_pos, 0);
	assert_int_equal(o[0].req, 0xffff);
	assert_int_equal(o[0].applied, 0xfd1f);
	assert_int_equal(o[0].bits, 0x02e0);
	assert_int_equal(o[1].w.len, 2);
	assert_int_equal(o[1].w.buf_pos, 2);
	assert_int_equal(o[1].w.first, 0x8a);
	assert_int_equal(o[1].req, 0xffff);
	assert_int_equal(o[1].applied, 0xf0f0);
	assert_int_equal(o[1].bits, 0x0f0f);

	check_case("span-dword", cfg, 0x88, 4, data, regs, 2);
}

static void test_exhaustive_writes_over_adjacent_registers(void **state)
{
	/* word, word, byte, byte, dword back to back */
	const struct ref_reg regs[] = {
		{ 0x88, 2, 0x02e0 }, { 0x8a, 2, 0xffff }, { 0x8c, 1, 0x81 },
		{ 0x8d, 1, 0x10 },   { 0x8e, 4, 0x80ff0001 },
	};
	struct rng r = { 0x5a5a };

	for (__u32 pos = 0x80; pos < 0x9a; pos++)
		for (__u32 len = 1; len <= 16; len++)
			run_all_modes(&r, cfg_space, pos, len, regs, sizeof(regs) / sizeof(regs[0]));
}

/* ---- writes that change no protected bit -------------------------------- */

static void test_unprotected_change_leaves_buffer_untouched(void **state)
{
	static uint8_t cfg[CFG_SIZE];
	const struct ref_reg devctl = { 0x88, 2, 0x02e0 };
	/* every bit but MPS and Phantom flipped */
	const uint8_t data[2] = { 0x10 ^ 0x1f, 0x20 ^ 0xfd };
	uint8_t buf[2];
	struct drv_out o;

	cfg[0x88] = 0x10;
	cfg[0x89] = 0x20;
	memcpy(buf, data, 2);
	drive_register(buf, 0x88, 2, cfg, &devctl, &o);
	assert_int_equal(cf_changed(o.req, o.cur, o.prot), 0);
	assert_false(o.wrote);
	assert_memory_equal(buf, data, 2);
	assert_int_equal(check_case("unprotected", cfg, 0x88, 2, data, &devctl, 1), 0);
}

static void test_rewrite_of_identical_value_is_no_change(void **state)
{
	static uint8_t cfg[CFG_SIZE];
	const struct ref_reg devctl = { 0x88, 2, 0xffff };
	const uint8_t data[4] = { 0x10, 0x20, 0x33, 0x44 };
	uint8_t buf[4];
	struct drv_out o;

	cfg[0x88] = 0x10;
	cfg[0x89] = 0x20;
	memcpy(buf, data, 4);
	drive_register(buf, 0x88, 4, cfg, &devctl, &o);
	assert_false(o.wrote);
	assert_memory_equal(buf, data, 4);
	assert_int_equal(check_case("identical", cfg, 0x88, 4, data, &devctl, 1), 0);
}

static int group_setup(void **state)
{
	struct rng r = { 0x9e3779b97f4a7c15ULL };

	rng_fill(&r, cfg_space, sizeof(cfg_space));
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes_mask_0_to_4),
		cmocka_unit_test(test_bytes_mask_above_4_saturates),
		cmocka_unit_test(test_window_write_ending_at_register_is_empty),
		cmocka_unit_test(test_window_write_starting_after_register_is_empty),
		cmocka_unit_test(test_window_far_away_is_empty),
		cmocka_unit_test(test_window_zero_length_write_is_empty),
		cmocka_unit_test(test_window_write_inside_register),
		cmocka_unit_test(test_window_write_containing_register),
		cmocka_unit_test(test_window_partial_overlap_low_and_high),
		cmocka_unit_test(test_window_at_end_of_config_space),
		cmocka_unit_test(test_window_pos_above_4g_does_not_alias),
		cmocka_unit_test(test_window_huge_length),
		cmocka_unit_test(test_window_mask_selects_window_bytes),
		cmocka_unit_test(test_window_mask_empty_window_is_zero),
		cmocka_unit_test(test_merge_takes_protected_bits_from_current),
		cmocka_unit_test(test_changed_reports_only_protected_differences),
		cmocka_unit_test(test_model_mps_write_is_masked),
		cmocka_unit_test(test_model_high_byte_write_is_register_relative),
		cmocka_unit_test(test_exhaustive_width1),
		cmocka_unit_test(test_exhaustive_width2),
		cmocka_unit_test(test_exhaustive_width4),
		cmocka_unit_test(test_large_write_256_at_0),
		cmocka_unit_test(test_large_write_4096_at_0),
		cmocka_unit_test(test_random_large_writes_covering_devctl),
		cmocka_unit_test(test_dword_write_spans_two_protected_words),
		cmocka_unit_test(test_exhaustive_writes_over_adjacent_registers),
		cmocka_unit_test(test_unprotected_change_leaves_buffer_untouched),
		cmocka_unit_test(test_rewrite_of_identical_value_is_no_change),
	};
	int failed = cmocka_run_group_tests(tests, group_setup, NULL);

	printf("# test_mask: %lu write cases compared against the reference model\n", n_cases);
	fflush(stdout);
	return failed;
}
