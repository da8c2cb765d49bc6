// SPDX-License-Identifier: GPL-2.0
/* The per-device plan (include/cf_plan.h) against a reference that keeps
 * the rules as a plain list and answers every question by walking bytes:
 * which dwords a write touches, which rules lie on a register, which bits
 * each action protects there, which rules each mode of access sees. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_rng.h"

#include "cf_plan.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	return (uint32_t)(xorshift64(&rng_state) >> 11);
}

struct ref_rule {
	uint32_t reg, width, action, mask;
};

/* Rules as the loader hands them: sorted by register, so rules of one
 * register are adjacent. Registers cluster in a few places so they share
 * dwords and registers. */
static int make_rules(struct ref_rule *r)
{
	static const uint32_t widths[] = { 1, 2, 4 };
	int n = 1 + rnd() % CF_MAX_RULES;

	for (int i = 0; i < n; i++) {
		uint32_t w = widths[rnd() % 3];
		uint32_t area = (rnd() % 4) * 0x3f0 + (rnd() % 4) * 4;

		r[i].width = w;
		r[i].reg = (area + (rnd() % 8)) / w * w;
		r[i].action = 1 + rnd() % CF_ACT_MAX;
		r[i].mask = rnd() & rnd();
		if (w < 4)
			r[i].mask %= 1u << (8 * w);
	}
	for (int i = 1; i < n; i++) /* insertion sort by (reg, width) */
		for (int j = i; j > 0 && (r[j - 1].reg > r[j].reg ||
					  (r[j - 1].reg == r[j].reg && r[j - 1].width > r[j].width));
		     j--) {
			struct ref_rule t = r[j];

			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	return n;
}

/* Does some byte of [pos, pos + len) share a dword with a byte of a rule? */
static int ref_touches(const struct ref_rule *r, int n, uint32_t pos, uint32_t len)
{
	for (uint32_t b = pos; b < pos + len; b++)
		for (int i = 0; i < n; i++)
			for (uint32_t c = r[i].reg; c < r[i].reg + r[i].width; c++)
				if (b / 4 == c / 4)
					return 1;
	return 0;
}

static int mode_sees(uint32_t mode, uint32_t action)
{
	switch (mode) {
	case CF_MODE_READ:
		return action == CF_ACT_VIRTUALIZE;
	case CF_MODE_DENY: /* the refusing hook judges every enforced bit */
	case CF_MODE_MASK: /* ...and takes precedence over them all before masking */
	case CF_MODE_VERIFY:
		return action != CF_ACT_AUDIT;
	}
	return 1;
}

static struct cf_plan plan;

static void test_plan_matches_rule_list(void **state)
{
	struct ref_rule r[CF_MAX_RULES];

	(void)state;
	for (int round = 0; round < 3000; round++) {
		int n = make_rules(r);

		memset(&plan, 0xa5, sizeof(plan)); /* a reused buffer */
		cf_plan_init(&plan);
		for (int i = 0; i < n; i++)
			assert_int_equal(cf_plan_add(&plan, r[i].reg, r[i].width, r[i].action, i,
						     r[i].mask), 0);

		/* every distinct register once, with exactly its rules */
		for (uint32_t k = 0; k < plan.nregs; k++) {
			const struct cf_plan_reg *g = &plan.regs[k];

			for (uint32_t j = 0; j < k; j++)
				assert_false(plan.regs[j].reg == g->reg &&
					     plan.regs[j].width == g->width);
			for (uint32_t mode = CF_MODE_WRITE; mode <= CF_MODE_MASK; mode++) {
				uint32_t want_rules = 0, want_mask[CF_ACT_MAX + 1] = { 0 };
				uint32_t got_mask[CF_ACT_MAX + 1] = { 0 }, got_rules;

				for (int i = 0; i < n; i++)
					if (r[i].reg == g->reg && r[i].width == g->width &&
					    mode_sees(mode, r[i].action)) {
						want_rules |= 1u << i;
						want_mask[r[i].action] |= r[i].mask;
					}
				got_rules = cf_plan_rules_for(g, mode, got_mask);
				assert_int_equal(got_rules, want_rules);
				for (int a = 1; a <= CF_ACT_MAX; a++)
					assert_int_equal(got_mask[a], want_mask[a]);
			}
		}
		for (int i = 0; i < n; i++) {
			int found = 0;

			for (uint32_t k = 0; k < plan.nregs; k++)
				found += plan.regs[k].reg == r[i].reg &&
					 plan.regs[k].width == r[i].width;
			assert_int_equal(found, 1);
		}

		/* which writes touch a register's dword: small, odd and whole-space writes */
		for (int t = 0; t < 200; t++) {
			uint32_t pos = rnd() % 4096, len;

			switch (rnd() % 4) {
			case 0:
				len = 1 + rnd() % 4;
				break;
			case 1:
				len = 1 + rnd() % 16;
				break;
			case 2:
				len = 1 + rnd() % 1024;
				break;
			default:
				pos = 0;
				len = 4096;
			}
			if (pos + len > 4096)
				len = 4096 - pos;
			assert_int_equal(cf_plan_touches(&plan, pos, len), ref_touches(r, n, pos, len));
		}
	}
}

static void test_plan_edges(void **state)
{
	(void)state;
	cf_plan_init(&plan);
	assert_false(cf_plan_touches(&plan, 0, 4096));
	assert_int_equal(cf_plan_add(&plan, 0xffc, 4, CF_ACT_MASK, 0, 1), 0);
	assert_true(cf_plan_touches(&plan, 0xfff, 1));
	assert_true(cf_plan_touches(&plan, 0xff0, 13));
	assert_false(cf_plan_touches(&plan, 0xff0, 12));
	assert_false(cf_plan_touches(&plan, 0x1000, 4)); /* past config space */
	assert_false(cf_plan_touches(&plan, 0xffc, 0));
	/* refused: off the end, bad action, rule index past the bitmap */
	assert_int_equal(cf_plan_add(&plan, 0x1000, 4, CF_ACT_MASK, 1, 1), -1);
	assert_int_equal(cf_plan_add(&plan, 0x10, 4, 0, 1, 1), -1);
	assert_int_equal(cf_plan_add(&plan, 0x10, 4, CF_ACT_DENY + 1, 1, 1), -1);
	assert_int_equal(cf_plan_add(&plan, 0x10, 4, CF_ACT_MASK, 32, 1), -1);
	assert_int_equal(plan.nregs, 1);
	/* a full plan says so */
	cf_plan_init(&plan);
	for (int i = 0; i < CF_MAX_RULES; i++)
		assert_int_equal(cf_plan_add(&plan, 4 * i, 4, CF_ACT_MASK, i, 1), 0);
	assert_int_equal(cf_plan_add(&plan, 0x200, 4, CF_ACT_MASK, 31, 1), -1);
	assert_int_equal(plan.flags, CF_PLAN_FULL | CF_PLAN_ENFORCES);
	/* audit rules alone enforce nothing: undecodable writes pass */
	cf_plan_init(&plan);
	assert_int_equal(cf_plan_add(&plan, 0x04, 2, CF_ACT_AUDIT, 0, 0x100), 0);
	assert_int_equal(plan.flags, 0);
	assert_int_equal(cf_plan_add(&plan, 0x04, 2, CF_ACT_DENY, 1, 0x100), 0);
	assert_int_equal(plan.flags, CF_PLAN_ENFORCES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_matches_rule_list),
		cmocka_unit_test(test_plan_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
