// SPDX-License-Identifier: GPL-2.0
/* The decision of one window (include/cf_decide.h) against a reference
 * that decides each bit on its own: which action owns it, whether it may
 * change, where its value comes from. Bits are taken apart with the
 * reference model's halving and doubling (ref_model.h), never with the
 * shifts and masks the implementation uses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "test_rng.h"

#include "cf_decide.h"
#include "ref_model.h"

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint32_t rnd(void)
{
	return (uint32_t)(xorshift64(&rng_state) >> 11);
}

/* Sparse random masks, so the actions overlap some of the time. */
static uint32_t sparse(void)
{
	return rnd() & rnd() & rnd();
}

/* Bytes known, as the hardware view gives them: 0xff per byte. */
static uint32_t known_bytes(void)
{
	uint32_t k = 0, b = rnd();

	for (unsigned int i = 0; i < 4; i++)
		if (ref_bit(b, i))
			k += 255 * ref_pow2(8 * i);
	return k;
}

/* The action owning bit i: the strongest whose raw mask has it; 0: none. */
static unsigned int owner(uint32_t deny, uint32_t virt, uint32_t mask, uint32_t audit, unsigned i)
{
	if (ref_bit(deny, i))
		return CF_ACT_DENY;
	if (ref_bit(virt, i))
		return CF_ACT_VIRTUALIZE;
	if (ref_bit(mask, i))
		return CF_ACT_MASK;
	if (ref_bit(audit, i))
		return CF_ACT_AUDIT;
	return 0;
}

static void test_decisions_match_bitwise_reference(void **state)
{
	for (int n = 0; n < 300000; n++) {
		uint32_t deny = sparse(), virt = sparse(), mask = sparse(), audit = sparse();
		uint32_t req = rnd(), cur = rnd(), known = known_bytes(), shadow = rnd(), held = rnd();
		uint32_t w_changed = 0, w_applied_if = 0, d_changed = 0, r_race = 0, r_unv = 0, back = 0;
		unsigned int w_top = 0, d_top = 0, race_top = 0, unv_top = 0, rewrite = 0, unknown = 0;
		unsigned int w_deny = 0;
		struct cf_decision d, race, unv;
		struct cf_masks m;

		if (n % 7 == 0)
			cur = req ^ (rnd() & rnd()); /* often close to the request */
		cf_precedence(deny, virt, mask, audit, &m);
		for (unsigned int i = 0; i < 32; i++) {
			unsigned int o = owner(deny, virt, mask, audit, i);
			unsigned int differs = ref_bit(req, i) != ref_bit(cur, i);
			unsigned int is_known = ref_bit(known, i);
			unsigned int protected_ = o == CF_ACT_DENY || o == CF_ACT_VIRTUALIZE ||
						  o == CF_ACT_MASK;

			/* ownership */
			assert_int_equal(ref_bit(m.deny, i), o == CF_ACT_DENY);
			assert_int_equal(ref_bit(m.virt, i), o == CF_ACT_VIRTUALIZE);
			assert_int_equal(ref_bit(m.mask, i), o == CF_ACT_MASK);
			assert_int_equal(ref_bit(m.audit, i), o == CF_ACT_AUDIT);
			if (o && !is_known)
				unknown = 1;
			/* write: only bits whose device value is known are judged */
			if (o && is_known && differs) {
				w_changed += ref_pow2(i);
				if (o > w_top)
					w_top = o;
				if (o == CF_ACT_DENY)
					w_deny = 1;
			}
			if (protected_ && is_known && differs)
				rewrite = 1;
			w_applied_if += (protected_ && is_known ? ref_bit(cur, i) : ref_bit(req, i)) *
					ref_pow2(i);
			/* deny */
			if (o == CF_ACT_DENY && differs) {
				d_changed += ref_pow2(i);
				d_top = CF_ACT_DENY;
			}
			/* verify: req is what vfio wrote, cur what the device held */
			if (protected_ && is_known && differs) {
				r_race += ref_pow2(i);
				if (o > race_top)
					race_top = o;
			}
			if (protected_ && !is_known) {
				r_unv += ref_pow2(i);
				if (o > unv_top)
					unv_top = o;
			}
			/* read: the writer's own bit where the shadow holds a
			 * virtualized one */
			back += (o == CF_ACT_VIRTUALIZE && ref_bit(held, i) ? ref_bit(shadow, i)
									 : ref_bit(req, i)) *
				ref_pow2(i);
		}

		cf_decide_write(&m, req, cur, known, &d);
		assert_int_equal(d.changed, w_changed);
		assert_int_equal(d.rewrite, rewrite);
		assert_int_equal(d.applied, rewrite ? w_applied_if : req);
		if (w_changed)
			assert_int_equal(d.action, w_top);
		assert_int_equal(d.flags, (unknown ? CF_EV_HW_UNKNOWN : 0) |
						  (w_deny ? CF_EV_DENY_FALLBACK : 0));

		/* the refusing hook: an enforced bit of unknown value refuses
		 * the write (those bits are r_unv); else a deny bit changing */
		cf_decide_deny(&m, req, cur, known, &d);
		assert_int_equal(d.applied, cur);
		if (r_unv) {
			assert_int_equal(d.changed, r_unv);
			assert_int_equal(d.action, unv_top);
			assert_int_equal(d.flags, CF_EV_REFUSED | CF_EV_HW_UNKNOWN);
		} else {
			assert_int_equal(d.changed, d_changed);
			if (d_changed)
				assert_int_equal(d.action, d_top);
			assert_int_equal(d.flags, 0);
		}

		cf_decide_verify(&m, req, cur, known, &race, &unv);
		assert_int_equal(race.changed, r_race);
		assert_int_equal(unv.changed, r_unv);
		assert_int_equal(race.applied, req);
		if (r_race)
			assert_int_equal(race.action, race_top);
		if (r_unv)
			assert_int_equal(unv.action, unv_top);
		assert_int_equal(race.flags, CF_EV_RACE);
		assert_int_equal(unv.flags, CF_EV_RACE | CF_EV_HW_UNKNOWN);

		assert_int_equal(cf_decide_read(&m, req, shadow, held), back);
	}
}

/* The seed's case by hand: MPS and Phantom masked, 0x72e0 asked, the
 * device holding 0x2810. */
/* The refusing hook's mask pass (CF_MODE_MASK) rewrites the buffer first,
 * then vfio's fentry judges what is left. Against the bitwise reference:
 * the mask pass changes only bits a mask rule owns (after precedence:
 * never a virtualize bit, whose shadow vfio's pass keeps); what the two
 * passes leave in the buffer is what vfio's pass alone would; and vfio's
 * pass after it finds no mask bit left to change. If vfio's pass is
 * skipped (the kernel's recursion guard), every known mask bit still
 * holds the device's value. */
static void test_mask_pass_then_vfio_pass(void **state)
{
	(void)state;
	for (int n = 0; n < 200000; n++) {
		uint32_t deny = sparse(), virt = sparse(), mask = sparse(), audit = sparse();
		uint32_t req = rnd(), cur = rnd(), known = known_bytes(), buf;
		struct cf_decision first, second, alone;
		struct cf_masks m, mm;

		if (n % 5 == 0)
			cur = req ^ (rnd() & rnd());
		cf_precedence(deny, virt, mask, audit, &m);
		mm = m;
		cf_masks_for_mode(&mm, CF_MODE_MASK);
		cf_decide_write(&mm, req, cur, known, &first);
		buf = first.rewrite ? first.applied : req;
		for (unsigned int i = 0; i < 32; i++) {
			unsigned int o = owner(deny, virt, mask, audit, i);
			unsigned int mine = (o == CF_ACT_MASK || o == CF_ACT_DENY) && ref_bit(known, i);

			/* the mask pass: owned, known bits take the device's value */
			assert_int_equal(ref_bit(buf, i), mine ? ref_bit(cur, i) : ref_bit(req, i));
			if (o == CF_ACT_VIRTUALIZE || o == CF_ACT_AUDIT)
				assert_int_equal(ref_bit(first.changed, i), 0);
		}
		cf_decide_write(&m, buf, cur, known, &second);
		cf_decide_write(&m, req, cur, known, &alone);
		assert_int_equal(second.rewrite ? second.applied : buf,
				 alone.rewrite ? alone.applied : req);
		assert_int_equal(second.changed & (m.mask | m.deny), 0);
		assert_int_equal(first.changed | second.changed, alone.changed);
	}
}

static void test_seed_policy_example(void **state)
{
	struct cf_decision d;
	struct cf_masks m;

	cf_precedence(0, 0, 0x02e0, 0, &m);
	cf_decide_write(&m, 0x72e0, 0x2810, 0xffff, &d);
	assert_int_equal(d.changed, 0x02e0 & (0x72e0 ^ 0x2810));
	assert_int_equal(d.applied, (0x72e0 & ~0x02e0) | (0x2810 & 0x02e0));
	assert_int_equal(d.rewrite, 1);
	assert_int_equal(d.action, CF_ACT_MASK);
	assert_int_equal(d.flags, 0);
}

/* A bit under deny and audit is deny's: a write changing it is refused by
 * the hook, and masked (with the fallback flag) if it reaches vfio. */
static void test_deny_outranks_audit(void **state)
{
	struct cf_decision d;
	struct cf_masks m;

	cf_precedence(0x0100, 0, 0, 0x0100, &m);
	assert_int_equal(m.audit, 0);
	cf_decide_deny(&m, 0x0100, 0x0000, 0xffff, &d);
	assert_int_equal(d.changed, 0x0100);
	cf_decide_write(&m, 0x0100, 0x0000, 0xffff, &d);
	assert_int_equal(d.applied, 0x0000);
	assert_int_equal(d.action, CF_ACT_DENY);
	assert_int_equal(d.flags, CF_EV_DENY_FALLBACK);
}

/* SERR under mask, the device's Command not known (voided by a reset, or
 * evicted): the refusing hook refuses, the write path never takes vfio's
 * copy for the device and leaves the bit to the bus check. */
static void test_unknown_value_refused_not_guessed(void **state)
{
	struct cf_decision d;
	struct cf_masks m;

	cf_precedence(0, 0, 0x0100, 0, &m);
	cf_decide_deny(&m, 0x0100, 0x0000, 0x00ff, &d);
	assert_int_equal(d.changed, 0x0100);
	assert_int_equal(d.action, CF_ACT_MASK);
	assert_int_equal(d.flags, CF_EV_REFUSED | CF_EV_HW_UNKNOWN);
	cf_decide_write(&m, 0x0100, 0x0000, 0x00ff, &d);
	assert_int_equal(d.rewrite, 0);
	assert_int_equal(d.applied, 0x0100);
	assert_int_equal(d.flags, CF_EV_HW_UNKNOWN);
	/* known: masked as ever */
	cf_decide_deny(&m, 0x0100, 0x0000, 0xffff, &d);
	assert_int_equal(d.changed, 0);
	cf_decide_write(&m, 0x0100, 0x0000, 0xffff, &d);
	assert_int_equal(d.applied, 0x0000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decisions_match_bitwise_reference),
		cmocka_unit_test(test_mask_pass_then_vfio_pass),
		cmocka_unit_test(test_seed_policy_example),
		cmocka_unit_test(test_deny_outranks_audit),
		cmocka_unit_test(test_unknown_value_refused_not_guessed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
