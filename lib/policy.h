/* SPDX-License-Identifier: GPL-2.0 */
/* Policy text -> struct cf_policy, the form the BPF program enforces. */
#ifndef CF_POLICY_H
#define CF_POLICY_H

#include <stddef.h>
#include <stdio.h>
#include "cfgfilter.h"

/* The seed: what `cfgfilter load` enforces without --policy.
 * policy/default.policy holds the same text. */
extern const char cf_default_policy[];

/* Parse text (len bytes, need not be NUL-terminated). On error returns -1
 * and writes "FILE:LINE:COL: message" to err; out is then unspecified. */
int cf_policy_parse(const char *text, size_t len, const char *fname, struct cf_policy *out,
		    char *err, size_t errlen);

/* Read and parse a file. Errors as above, or "FILE: cannot read: reason". */
int cf_policy_load_file(const char *path, struct cf_policy *out, char *err, size_t errlen);

const char *cf_action_name(unsigned int action);

/* Recompute flags and hash after rules changed. */
void cf_policy_finish(struct cf_policy *p);

/* Where the kernel forbids rewriting the writer's buffer (lockdown), mask
 * and virtualize rules become deny; `requested` keeps what was asked.
 * Returns how many rules changed. */
int cf_policy_without_rewrite(struct cf_policy *p);

/* "all", "0000:01:00.0", "8086:10d3", "8086:*", "class 0200". */
void cf_selector_text(const struct cf_rule *r, char *buf, size_t n);

/* One line per rule: what it compiles to (register, offset, mask, action). */
void cf_policy_describe(const struct cf_policy *p, char *buf, size_t buflen);
/* The same, one line per rule, to f (status, policy show and check). */
void cf_policy_print(FILE *f, const struct cf_policy *p);

#endif
