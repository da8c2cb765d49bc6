// SPDX-License-Identifier: GPL-2.0
/* The hardware view (include/cf_hw.h) as the bus hooks and the write path
 * drive it, against a byte-by-byte reference: one array of device bytes,
 * one of "seen" flags. And the userspace capability walk the seeding uses
 * (lib/cfg_caps.c) over hand-built config spaces. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "test_rng.h"

#include "cf_hw.h"
#include "cfg_caps.h"

#define CFG 256 /* enough dwords to collide often */

struct ref {
	uint8_t byte[CFG + 8];
	uint8_t seen[CFG + 8];
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	return (uint32_t)(xorshift64(&rng_state) >> 16);
}

/* An access as the bus carries it: 1, 2 or 4 bytes, naturally aligned. */
static void random_access(struct cf_hw_val *view, struct ref *r)
{
	uint32_t size = 1u << (rnd() % 3), where = (rnd() % CFG) & ~(size - 1);
	int is_read = rnd() & 1;
	uint32_t value = rnd();
	int all_ones = 1;

	/* devices in reset answer all ones; make that common enough to test */
	if (is_read && rnd() % 8 == 0)
		value = 0xffffffffu;
	for (uint32_t i = 0; i < size; i++)
		all_ones &= ((value >> (8 * i)) & 0xff) == 0xff;
	if (!is_read) {
		/* the write hook skips its check when the write changes nothing */
		int same = 1;

		if (rnd() & 1) /* often rewrite what is there, as vfio does */
			for (uint32_t i = 0; i < size; i++)
				value = (value & ~(0xffu << (8 * i))) |
					(uint32_t)r->byte[where + i] << (8 * i);
		for (uint32_t i = 0; i < size; i++)
			same &= r->seen[where + i] &&
				r->byte[where + i] == ((value >> (8 * i)) & 0xff);
		assert_int_equal(cf_hw_same(&view[where / 4], where & 3, size, value), same);
	}
	for (uint32_t i = 0; i < size; i++) {
		if (is_read && all_ones) {
			r->seen[where + i] = 0;
		} else {
			r->byte[where + i] = (value >> (8 * i)) & 0xff;
			r->seen[where + i] = 1;
		}
	}
	cf_hw_record(&view[where / 4], where & 3, size, value, is_read);
}

/* A register window as the data plane asks for it: any offset, 1..4
 * bytes, possibly across two dwords. Unseen bytes are unknown: nothing
 * stands in for them. */
static void check_window(const struct cf_hw_val *view, const struct ref *r)
{
	uint32_t first = rnd() % (CFG - 4), len = 1 + rnd() % 4, d = first / 4;
	uint32_t known, hw, want_known = 0, want_hw = 0;

	hw = cf_hw_bytes(view[d].value, view[d + 1].value, first & 3, len);
	known = cf_hw_bytes(view[d].known, view[d + 1].known, first & 3, len);
	for (uint32_t i = 0; i < len; i++) {
		if (r->seen[first + i]) {
			want_known |= 0xffu << (8 * i);
			want_hw |= (uint32_t)r->byte[first + i] << (8 * i);
		}
	}
	assert_int_equal(known, want_known);
	assert_int_equal(hw & known, want_hw);
}

static void test_view_matches_byte_reference(void **state)
{
	struct cf_hw_val view[CFG / 4 + 2];
	struct ref r;

	memset(view, 0, sizeof(view));
	memset(&r, 0, sizeof(r));
	for (int step = 0; step < 200000; step++) {
		random_access(view, &r);
		check_window(view, &r);
	}
}

/* The device record's words (cf_hw_word_record, cf_hw_unpack) over time:
 * accesses, resets (the generation moves on and everything seen before is
 * forgotten) and dwords forgotten when they are newly followed, against
 * the byte reference. Generations start just below the 28-bit wrap. */
static void test_words_over_time_match_byte_reference(void **state)
{
	static __u64 word[CFG / 4 + 2];
	struct cf_hw_val view[CFG / 4 + 2];
	__u32 gen = CF_HW_GEN_MASK - 50;
	struct ref r;

	(void)state;
	memset(word, 0, sizeof(word));
	memset(&r, 0, sizeof(r));
	for (int step = 0; step < 200000; step++) {
		uint32_t size = 1u << (rnd() % 3), where = (rnd() % CFG) & ~(size - 1);
		uint32_t value = rnd(), pick = rnd() % 1000;
		int is_read = rnd() & 1;

		if (pick < 2) { /* a reset */
			gen++;
			memset(r.seen, 0, sizeof(r.seen));
			continue;
		}
		if (pick < 4) { /* newly followed: forgotten */
			word[where / 4] = 0;
			memset(&r.seen[where & ~3u], 0, 4);
			continue;
		}
		if (is_read && rnd() % 8 == 0)
			value = 0xffffffffu;
		for (uint32_t i = 0; i < size; i++) {
			uint32_t b = (value >> (8 * i)) & 0xff;

			if (is_read && (value & cf_bytes_mask(size)) == cf_bytes_mask(size)) {
				r.seen[where + i] = 0;
			} else {
				r.byte[where + i] = b;
				r.seen[where + i] = 1;
			}
		}
		word[where / 4] = cf_hw_word_record(word[where / 4], gen, where & 3, size, value,
						    is_read);
		for (uint32_t d = 0; d < CFG / 4 + 2; d++)
			cf_hw_unpack(word[d], gen, &view[d]);
		check_window(view, &r);
	}
	assert_true((gen & CF_HW_GEN_MASK) < 1000); /* the 28 bits wrapped */
}

/* Seen since a generation: serial-number order across the wrap. */
static void test_seen_since(void **state)
{
	struct cf_hw_val v = { 0x1234, 0xffff };

	(void)state;
	assert_true(cf_hw_seen_since(cf_hw_pack(&v, 7), 7));
	assert_true(cf_hw_seen_since(cf_hw_pack(&v, 9), 7));
	assert_false(cf_hw_seen_since(cf_hw_pack(&v, 6), 7));
	assert_true(cf_hw_seen_since(cf_hw_pack(&v, 2), CF_HW_GEN_MASK - 1));
	assert_false(cf_hw_seen_since(cf_hw_pack(&v, CF_HW_GEN_MASK - 1), 2));
	/* the word round-trips in its generation, and is unknown in another */
	cf_hw_unpack(cf_hw_pack(&v, 7), 7, &v);
	assert_int_equal(v.value, 0x1234);
	assert_int_equal(v.known, 0xffff);
	cf_hw_unpack(cf_hw_pack(&v, 7), 8, &v);
	assert_int_equal(v.known, 0);
}

static void test_unseen_bytes_are_unknown(void **state)
{
	struct cf_hw_val v = { 0 };

	cf_hw_record(&v, 1, 1, 0x5a, 1); /* only byte 1 seen */
	assert_int_equal(v.known, 0x0000ff00);
	assert_int_equal(cf_hw_bytes(v.value, 0, 0, 2) & cf_hw_bytes(v.known, 0, 0, 2), 0x5a00);
}

static void test_all_ones_read_forgets_but_write_keeps(void **state)
{
	struct cf_hw_val v = { 0 };

	cf_hw_record(&v, 0, 4, 0x00100147, 1);
	assert_int_equal(v.known, 0xffffffff);
	cf_hw_record(&v, 2, 2, 0xffff, 1); /* device in reset answers ones */
	assert_int_equal(v.known, 0x0000ffff);
	assert_int_equal(v.value & 0xffff, 0x0147);
	cf_hw_record(&v, 2, 2, 0xffff, 0); /* a write of ones is a value */
	assert_int_equal(v.known, 0xffffffff);
	assert_int_equal(v.value, 0xffff0147);
}

static void test_misaligned_record_is_ignored(void **state)
{
	struct cf_hw_val v = { 0x11223344, 0xffffffff };

	cf_hw_record(&v, 3, 2, 0, 0);
	cf_hw_record(&v, 4, 1, 0, 0);
	cf_hw_record(&v, 0, 0, 0, 0);
	assert_int_equal(v.value, 0x11223344);
}

/* ---- capability list ------------------------------------------------- */

static void put_caps(unsigned char *cfg, const unsigned int *ids, const unsigned int *at, int n)
{
	memset(cfg, 0, 256);
	cfg[0x06] = 0x10;
	cfg[0x34] = n ? at[0] : 0;
	for (int i = 0; i < n; i++) {
		cfg[at[i]] = ids[i];
		cfg[at[i] + 1] = i + 1 < n ? at[i + 1] : 0;
	}
}

static void test_caps_found_along_the_list(void **state)
{
	unsigned int ids[] = { 0x01, 0x05, 0x10, 0x11 }, at[] = { 0xc8, 0xd0, 0xe0, 0xa0 };
	unsigned char cfg[4096];

	put_caps(cfg, ids, at, 4);
	assert_int_equal(cf_cfg_cap(cfg, 4096, 0x01), 0xc8);
	assert_int_equal(cf_cfg_cap(cfg, 4096, 0x10), 0xe0);
	assert_int_equal(cf_cfg_cap(cfg, 4096, 0x11), 0xa0);
	assert_int_equal(cf_cfg_cap(cfg, 4096, 0x09), 0);
	assert_int_equal(cf_cfg_cap(cfg, 256, 0x10), 0xe0);
}

static void test_caps_low_bits_of_pointers_ignored(void **state)
{
	unsigned int ids[] = { 0x01, 0x10 }, at[] = { 0x40, 0x80 };
	unsigned char cfg[256];

	put_caps(cfg, ids, at, 2);
	cfg[0x34] |= 0x3;
	cfg[0x41] |= 0x2;
	assert_int_equal(cf_cfg_cap(cfg, 256, 0x10), 0x80);
}

static void test_caps_broken_lists_give_none(void **state)
{
	unsigned int ids[] = { 0x01, 0x05 }, at[] = { 0x50, 0x60 };
	unsigned char cfg[256];

	put_caps(cfg, ids, at, 2);
	cfg[0x61] = 0x50; /* loop */
	assert_int_equal(cf_cfg_cap(cfg, 256, 0x10), 0);
	put_caps(cfg, ids, at, 2);
	cfg[0x51] = 0x20; /* into the header */
	assert_int_equal(cf_cfg_cap(cfg, 256, 0x05), 0);
	put_caps(cfg, ids, at, 2);
	cfg[0x06] = 0; /* no capability list */
	assert_int_equal(cf_cfg_cap(cfg, 256, 0x01), 0);
	put_caps(cfg, ids, at, 2);
	assert_int_equal(cf_cfg_cap(cfg, 0x58, 0x05), 0); /* past what was read */
	assert_int_equal(cf_cfg_cap(cfg, 0x3f, 0x01), 0); /* not even a header */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_view_matches_byte_reference),
		cmocka_unit_test(test_words_over_time_match_byte_reference),
		cmocka_unit_test(test_seen_since),
		cmocka_unit_test(test_unseen_bytes_are_unknown),
		cmocka_unit_test(test_all_ones_read_forgets_but_write_keeps),
		cmocka_unit_test(test_misaligned_record_is_ignored),
		cmocka_unit_test(test_caps_found_along_the_list),
		cmocka_unit_test(test_caps_low_bits_of_pointers_ignored),
		cmocka_unit_test(test_caps_broken_lists_give_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
