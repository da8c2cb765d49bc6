/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CF_LINT_H
#define CF_LINT_H

#include <stdio.h>
#include <jansson.h>
#include "cfgfilter.h"

/* What `policy lint` finds in a policy, from the policy alone: pure, for
 * the unit tests too. Rules no bound device matches are landing.h's. */
enum cf_lint_kind {
	CF_LINT_SHADOWED = 1,     /* a stronger rule owns all of its bits: it never acts */
	CF_LINT_PART_SHADOWED = 2, /* ... some of its bits */
	CF_LINT_DUPLICATE = 3,    /* another rule of the same action does all it does */
	CF_LINT_BREAKS_GUEST = 4, /* guests' drivers need to write these bits */
	CF_LINT_NO_EFFECT = 5,    /* vfio never lets these writes reach the device */
};

struct cf_lint {
	__u32 rule;   /* the rule warned of */
	__s32 by;     /* the rule that shadows it, or -1 */
	__u32 kind;   /* enum cf_lint_kind */
	__u32 bits;   /* the bits concerned, register-relative like the rule's mask */
	char why[256];
};

/* per rule at most: a shadow or duplicate finding, decode, bus master */
#define CF_LINT_MAX (3 * CF_MAX_RULES)

/* The warnings for p, in rule order; how many (at most max). */
int cf_policy_lint(const struct cf_policy *p, struct cf_lint *out, int max);

const char *cf_lint_kind_name(__u32 kind);

/* "rule N (ACTION NAME): KIND: WHY" */
void cf_lint_print(FILE *f, const struct cf_policy *p, const struct cf_lint *w, int n,
		   const char *prefix);
/* [{"rule": N, "name": ..., "action": ..., "kind": ..., "bits": "0x..",
 *   "by": M (if shadowed), "why": ...}] */
json_t *cf_lint_json(const struct cf_policy *p, const struct cf_lint *w, int n);

#endif
