// SPDX-License-Identifier: GPL-2.0
/* policy lint (lib/lint.c). Shadowing against a reference that works bit
 * by bit and decides "selects every device the other selects" by trying a
 * universe of devices, over random policies; the guest-breaking and moot
 * rules by hand, each with a control that must not warn. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <glob.h>
#include <cmocka.h>

#include "test_rng.h"
#include "lint.h"
#include "policy.h"

static uint64_t rng_state = 0x6a09e667f3bcc908ull;

static uint32_t rnd(void)
{
	return (uint32_t)(xorshift64(&rng_state) >> 16);
}

/* --- Reference ----------------------------------------------------------- */

struct dev {
	uint32_t id, class;
	const char *bdf;
};

static const uint32_t ids[] = { 0x808610d3, 0x80861234, 0x1af41000, 0x1af41041 };
/* rules select among the first four; the universe holds, for each, a
 * device that shares its base class only, so no inclusion holds by luck */
static const uint32_t classes[] = { 0x020000, 0x020080, 0x010802, 0x030000, 0x010601, 0x030200 };
static const char *bdfs[] = { "0000:00:01.0", "0000:00:02.0", "0000:00:03.0" };

static int ref_selects(const struct cf_rule *r, const struct dev *d)
{
	switch (r->selector) {
	case CF_SEL_ALL:
		return 1;
	case CF_SEL_ID:
		return (d->id & r->sel_mask) == r->sel_value;
	case CF_SEL_CLASS:
		return (d->class & r->sel_mask) == r->sel_value;
	case CF_SEL_BDF:
		return !strcmp(d->bdf, r->sel_bdf);
	}
	return 0;
}

/* a selects every device of the universe that b selects */
static int ref_covers(const struct cf_rule *a, const struct cf_rule *b)
{
	for (unsigned i = 0; i < 4; i++)
		for (unsigned c = 0; c < 6; c++)
			for (unsigned k = 0; k < 3; k++) {
				struct dev d = { ids[i], classes[c], bdfs[k] };

				if (ref_selects(b, &d) && !ref_selects(a, &d))
					return 0;
			}
	return 1;
}

/* Does rule r protect bit t of anchor byte k? */
static int ref_bit(const struct cf_rule *r, unsigned k, unsigned t)
{
	if (k < r->offset || k >= (unsigned)r->offset + r->width)
		return 0;
	return (r->mask >> (8 * (k - r->offset) + t)) & 1;
}

static int ref_same_place(const struct cf_rule *a, const struct cf_rule *b)
{
	return a->anchor == b->anchor && (a->anchor == CF_ANCHOR_HDR || a->cap_id == b->cap_id);
}

/* The shadow finding for rule j: kind (0: none), bits and by. */
static void ref_shadow(const struct cf_policy *p, unsigned j, uint32_t *kind, uint32_t *bits,
		       int *by)
{
	const struct cf_rule *b = &p->rules[j];

	*kind = 0;
	*bits = 0;
	*by = -1;
	for (unsigned i = 0; i < p->nrules; i++) {
		const struct cf_rule *a = &p->rules[i];
		int any = 0;

		if (i == j || a->action <= b->action || !ref_same_place(a, b) || !ref_covers(a, b))
			continue;
		for (unsigned n = 0; n < 8u * b->width; n++) {
			unsigned k = b->offset + n / 8, t = n % 8;

			if (ref_bit(b, k, t) && ref_bit(a, k, t)) {
				*bits |= 1u << n;
				any = 1;
			}
		}
		if (any && *by < 0)
			*by = (int)i;
	}
	if (*bits) {
		*kind = *bits == b->mask ? CF_LINT_SHADOWED : CF_LINT_PART_SHADOWED;
		return;
	}
	for (unsigned i = 0; i < p->nrules; i++) {
		const struct cf_rule *a = &p->rules[i];
		int all = 1, back = 1;

		if (i == j || a->action != b->action || !ref_same_place(a, b) || !ref_covers(a, b))
			continue;
		for (unsigned n = 0; n < 8u * b->width; n++)
			if (ref_bit(b, b->offset + n / 8, n % 8) && !ref_bit(a, b->offset + n / 8, n % 8))
				all = 0;
		/* does b do all a does too? then only the later one is flagged */
		for (unsigned n = 0; n < 8u * a->width; n++)
			if (ref_bit(a, a->offset + n / 8, n % 8) && !ref_bit(b, a->offset + n / 8, n % 8))
				back = 0;
		if (!ref_covers(b, a))
			back = 0;
		if (all && (i < j || !back)) {
			*kind = CF_LINT_DUPLICATE;
			*bits = b->mask;
			*by = (int)i;
			return;
		}
	}
}

/* --- Random policies ------------------------------------------------------ */

static void random_rule(struct cf_rule *r)
{
	static const uint8_t widths[] = { 1, 2, 4 };
	uint32_t s = rnd() % 6;

	memset(r, 0, sizeof(*r));
	r->width = widths[rnd() % 3];
	r->offset = (uint16_t)(r->width * (rnd() % (8 / r->width + 1))); /* 0..8, aligned */
	r->anchor = rnd() % 2 ? CF_ANCHOR_CAP : CF_ANCHOR_HDR;
	r->cap_id = r->anchor == CF_ANCHOR_CAP ? 0x10 : 0;
	/* sparse, from a few bits, so rules overlap some of the time */
	for (int b = 0; b < 3; b++)
		r->mask |= 1u << (rnd() % 4 + 4 * (rnd() % 2) + 8 * (rnd() % r->width));
	r->action = r->requested = 1 + rnd() % CF_ACT_MAX;
	snprintf(r->name, sizeof(r->name), "r%u", rnd() % 100);
	if (s == 1 || s == 2) {
		r->selector = CF_SEL_ID;
		r->sel_mask = s == 1 ? 0xffff0000u : 0xffffffffu;
		r->sel_value = ids[rnd() % 4] & r->sel_mask;
	} else if (s == 3 || s == 4) {
		r->selector = CF_SEL_CLASS;
		r->sel_mask = s == 3 ? 0xff0000u : 0xffffffu;
		r->sel_value = classes[rnd() % 4] & r->sel_mask;
	} else if (s == 5) {
		r->selector = CF_SEL_BDF;
		snprintf(r->sel_bdf, sizeof(r->sel_bdf), "%s", bdfs[rnd() % 3]);
	}
}

static void test_shadowing_against_reference(void **state)
{
	static struct cf_policy p;
	static struct cf_lint w[CF_LINT_MAX];
	int seen[4] = { 0 };

	(void)state;
	for (int round = 0; round < 20000; round++) {
		int n;

		memset(&p, 0, sizeof(p));
		p.nrules = 1 + rnd() % 8;
		for (unsigned i = 0; i < p.nrules; i++) {
			random_rule(&p.rules[i]);
			/* often, at an earlier rule's register with some of its bits:
			 * full shadows and duplicates come up too */
			if (i && rnd() % 2) {
				const struct cf_rule *e = &p.rules[rnd() % i];
				uint32_t m = e->mask & (rnd() | rnd());

				p.rules[i].anchor = e->anchor;
				p.rules[i].cap_id = e->cap_id;
				p.rules[i].offset = e->offset;
				p.rules[i].width = e->width;
				p.rules[i].mask = m ? m : e->mask;
			}
		}
		n = cf_policy_lint(&p, w, CF_LINT_MAX);
		for (unsigned j = 0; j < p.nrules; j++) {
			uint32_t kind, bits, got_kind = 0, got_bits = 0;
			int by, got_by = -1;

			ref_shadow(&p, j, &kind, &bits, &by);
			for (int i = 0; i < n; i++)
				if (w[i].rule == j && w[i].kind <= CF_LINT_DUPLICATE) {
					assert_int_equal(got_kind, 0); /* one finding per rule */
					got_kind = w[i].kind;
					got_bits = w[i].bits;
					got_by = w[i].by;
				}
			if (got_kind != kind || got_bits != bits || got_by != by) {
				for (unsigned i = 0; i < p.nrules; i++)
					print_message("# rule %u: action %u anchor %u +0x%x/%u mask 0x%x "
						      "sel %u 0x%x/0x%x %s\n", i, p.rules[i].action,
						      p.rules[i].anchor, p.rules[i].offset, p.rules[i].width,
						      p.rules[i].mask, p.rules[i].selector,
						      p.rules[i].sel_value, p.rules[i].sel_mask,
						      p.rules[i].sel_bdf);
				fail_msg("round %d rule %u: lint says kind %u bits 0x%x by %d, the "
					 "reference kind %u bits 0x%x by %d", round, j, got_kind, got_bits,
					 got_by, kind, bits, by);
			}
			seen[kind]++;
		}
	}
	/* every kind came up often enough to mean something */
	print_message("# none %d, shadowed %d, partly %d, duplicate %d\n", seen[0], seen[1],
		      seen[2], seen[3]);
	for (int k = 0; k < 4; k++)
		assert_true(seen[k] > 500);
}

/* --- Rules that break guests, and moot ones, by hand ---------------------- */

static struct cf_rule rule(uint8_t action, uint8_t anchor, uint16_t cap, uint16_t off,
			   uint8_t width, uint32_t mask)
{
	struct cf_rule r = { .action = action, .requested = action, .anchor = anchor,
			     .cap_id = cap, .offset = off, .width = width, .mask = mask };

	snprintf(r.name, sizeof(r.name), "test");
	return r;
}

/* The one warning lint gives a policy of rule r alone: kind and bits, or
 * kind 0. */
static uint32_t lint_one(struct cf_rule r, uint32_t *bits)
{
	static struct cf_policy p;
	static struct cf_lint w[CF_LINT_MAX];
	int n;

	memset(&p, 0, sizeof(p));
	p.nrules = 1;
	p.rules[0] = r;
	n = cf_policy_lint(&p, w, CF_LINT_MAX);
	assert_true(n <= 1);
	*bits = n ? w[0].bits : 0;
	return n ? w[0].kind : 0;
}

#define H CF_ANCHOR_HDR
#define C CF_ANCHOR_CAP
#define BREAKS CF_LINT_BREAKS_GUEST
#define MOOT CF_LINT_NO_EFFECT

static void test_guest_breaking_and_moot_rules(void **state)
{
	static const struct {
		uint8_t action, anchor;
		uint16_t cap, off;
		uint8_t width;
		uint32_t mask, kind, bits;
	} cases[] = {
		/* Command: deny on decode breaks BAR sizing; mask is the way */
		{ CF_ACT_DENY, H, 0, 0x04, 2, 0x0002, BREAKS, 0x0002 },
		{ CF_ACT_DENY, H, 0, 0x04, 4, 0x00000001, BREAKS, 0x00000001 },
		{ CF_ACT_MASK, H, 0, 0x04, 2, 0x0003, 0, 0 },
		{ CF_ACT_VIRTUALIZE, H, 0, 0x04, 2, 0x0002, 0, 0 },
		/* bus master: any enforcing action; audit only reports */
		{ CF_ACT_DENY, H, 0, 0x04, 2, 0x0004, BREAKS, 0x0004 },
		{ CF_ACT_MASK, H, 0, 0x04, 1, 0x04, BREAKS, 0x04 },
		{ CF_ACT_VIRTUALIZE, H, 0, 0x04, 4, 0x00000004, BREAKS, 0x00000004 },
		{ CF_ACT_AUDIT, H, 0, 0x04, 2, 0x0004, 0, 0 },
		/* Command's other bits, and Status beside it */
		{ CF_ACT_DENY, H, 0, 0x04, 2, 0x0100, 0, 0 },
		{ CF_ACT_DENY, H, 0, 0x04, 4, 0xffff0000, 0, 0 },
		{ CF_ACT_DENY, H, 0, 0x00, 4, 0xffffffff, 0, 0 },
		/* BARs and the ROM BAR: vfio keeps them virtual */
		{ CF_ACT_DENY, H, 0, 0x10, 4, 0xfffffff0, MOOT, 0xfffffff0 },
		{ CF_ACT_MASK, H, 0, 0x24, 4, 0xffffffff, MOOT, 0xffffffff },
		{ CF_ACT_VIRTUALIZE, H, 0, 0x30, 4, 0xfffff800, MOOT, 0xfffff800 },
		{ CF_ACT_AUDIT, H, 0, 0x10, 4, 0xffffffff, 0, 0 },
		{ CF_ACT_DENY, H, 0, 0x28, 4, 0xffffffff, 0, 0 }, /* CardBus CIS */
		{ CF_ACT_DENY, H, 0, 0x2c, 4, 0xffffffff, 0, 0 }, /* subsystem ids */
		/* MSI-X Message Control (vfio drops the writes); MSI's is written
		 * through */
		{ CF_ACT_DENY, C, 0x05, 0x02, 2, 0x0071, 0, 0 },
		{ CF_ACT_MASK, C, 0x11, 0x02, 2, 0xc000, MOOT, 0xc000 },
		{ CF_ACT_MASK, C, 0x11, 0x00, 4, 0x40000000, MOOT, 0x40000000 },
		{ CF_ACT_AUDIT, C, 0x11, 0x02, 2, 0x8000, 0, 0 },
		{ CF_ACT_MASK, C, 0x11, 0x04, 4, 0xffffffff, 0, 0 }, /* table offset */
		{ CF_ACT_MASK, C, 0x05, 0x0c, 4, 0x1, 0, 0 },        /* MSI mask bits */
		/* the same offsets in another capability */
		{ CF_ACT_DENY, C, 0x10, 0x02, 2, 0x0001, 0, 0 },
		{ CF_ACT_DENY, CF_ANCHOR_ECAP, 0x11, 0x02, 2, 0x8000, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t bits, kind = lint_one(rule(cases[i].action, cases[i].anchor, cases[i].cap,
						    cases[i].off, cases[i].width, cases[i].mask),
					       &bits);

		if (kind != cases[i].kind || bits != cases[i].bits)
			fail_msg("case %zu: kind %u bits 0x%x, want kind %u bits 0x%x", i, kind, bits,
				 cases[i].kind, cases[i].bits);
	}
}

/* Every policy shipped under policy/ (the packs, the examples) parses and
 * lints clean. Run from the top of the tree, as tests/run does. */
static void test_shipped_policies_lint_clean(void **state)
{
	static struct cf_policy p;
	static struct cf_lint w[CF_LINT_MAX];
	char err[512];
	glob_t g;

	(void)state;
	assert_int_equal(glob("policy/*.policy", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 6); /* default, example and the four packs */
	for (size_t i = 0; i < g.gl_pathc; i++) {
		int n;

		if (cf_policy_load_file(g.gl_pathv[i], &p, err, sizeof(err)))
			fail_msg("%s", err);
		n = cf_policy_lint(&p, w, CF_LINT_MAX);
		if (n) {
			char prefix[300];

			snprintf(prefix, sizeof(prefix), "%s: ", g.gl_pathv[i]);
			cf_lint_print(stderr, &p, w, n, prefix);
			fail_msg("%s: %d lint warnings", g.gl_pathv[i], n);
		}
	}
	globfree(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shadowing_against_reference),
		cmocka_unit_test(test_guest_breaking_and_moot_rules),
		cmocka_unit_test(test_shipped_policies_lint_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
