// SPDX-License-Identifier: GPL-2.0
/* Policy language (one rule a line):
 *
 *   # comment
 *   ACTION TARGET        e.g.  mask pcie.devctl.mps
 *
 * ACTION is `mask`. TARGET is REGISTER.FIELD or a whole REGISTER, by the
 * names in regnames.c. Rules are stored sorted by register so the data
 * plane can report all rules of one register in one event. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy.h"
#include "regnames.h"

const char cf_default_policy[] =
	"# The seed: Linux v4.15 \"vfio/pci: Virtualize Maximum Payload Size\".\n"
	"# A lone passed-through device cannot pick a correct MPS; Phantom\n"
	"# Functions could confuse the IOMMU.\n"
	"mask pcie.devctl.mps\n"
	"mask pcie.devctl.phantom\n";

struct cursor {
	const char *fname;
	const char *line;
	size_t lineno;
	char *err;
	size_t errlen;
};

static int fail(struct cursor *c, const char *at, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	n = snprintf(c->err, c->errlen, "%s:%zu:%zu: ", c->fname, c->lineno,
		     (size_t)(at - c->line) + 1);
	if (n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

static const char *word_end(const char *p, const char *end)
{
	while (p < end && !isspace((unsigned char)*p) && *p != '#')
		p++;
	return p;
}

const char *cf_action_name(unsigned int action)
{
	switch (action) {
	case CF_ACT_MASK:
		return "mask";
	default:
		return "?";
	}
}

static int parse_action(struct cursor *c, const char *w, size_t n, __u8 *action)
{
	static const char *const later[] = { "virtualize", "deny", "audit" };

	if (n == 4 && !memcmp(w, "mask", 4)) {
		*action = CF_ACT_MASK;
		return 0;
	}
	for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++)
		if (strlen(later[i]) == n && !memcmp(w, later[i], n))
			return fail(c, w, "action '%.*s' is not supported by this version (expected: mask)",
				    (int)n, w);
	return fail(c, w, "unknown action '%.*s' (expected: mask)", (int)n, w);
}

static int parse_target(struct cursor *c, const char *w, size_t n, struct cf_rule *r)
{
	const struct cf_register *reg = NULL;
	const struct cf_field *f = NULL;
	char hint[96];
	size_t cut;

	if (n >= CF_NAME_LEN)
		return fail(c, w, "name '%.*s' is too long (at most %d characters)", (int)n, w,
			    CF_NAME_LEN - 1);
	/* The register is the longest known prefix; what follows is a field. */
	reg = cf_register_find(w, n);
	cut = n;
	if (!reg) {
		const char *dot = memrchr(w, '.', n);
		if (dot) {
			cut = dot - w;
			reg = cf_register_find(w, cut);
		}
	}
	if (!reg) {
		if (cf_name_suggest(w, n, hint, sizeof(hint)))
			return fail(c, w, "unknown register '%.*s'; did you mean '%s'?", (int)n, w, hint);
		return fail(c, w, "unknown register '%.*s' (expected a name like pcie.devctl.mps)",
			    (int)n, w);
	}
	if (cut < n) {
		f = cf_field_find(reg, w + cut + 1, n - cut - 1);
		if (!f) {
			if (cf_name_suggest(w, n, hint, sizeof(hint)))
				return fail(c, w + cut + 1, "register %s has no field '%.*s'; did you mean '%s'?",
					    reg->name, (int)(n - cut - 1), w + cut + 1, hint);
			return fail(c, w + cut + 1, "register %s has no field '%.*s'", reg->name,
				    (int)(n - cut - 1), w + cut + 1);
		}
	}
	r->anchor = reg->anchor;
	r->cap_id = reg->cap_id;
	r->offset = reg->offset;
	r->width = reg->width;
	r->mask = f ? f->mask : (reg->width == 4 ? 0xffffffffu : (1u << (8 * reg->width)) - 1);
	memset(r->name, 0, sizeof(r->name));
	memcpy(r->name, w, n);
	return 0;
}

static int rule_cmp(const struct cf_rule *a, const struct cf_rule *b)
{
	if (a->anchor != b->anchor)
		return a->anchor - b->anchor;
	if (a->cap_id != b->cap_id)
		return a->cap_id - b->cap_id;
	if (a->offset != b->offset)
		return a->offset - b->offset;
	return a->width - b->width;
}

/* Stable: rules keep their file order within a register. */
static void sort_rules(struct cf_policy *p)
{
	for (__u32 i = 1; i < p->nrules; i++) {
		struct cf_rule r = p->rules[i];
		__u32 j = i;
		while (j > 0 && rule_cmp(&p->rules[j - 1], &r) > 0) {
			p->rules[j] = p->rules[j - 1];
			j--;
		}
		p->rules[j] = r;
	}
}

static __u64 fnv1a64(const void *data, size_t len)
{
	const unsigned char *b = data;
	__u64 h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int cf_policy_parse(const char *text, size_t len, const char *fname, struct cf_policy *out,
		    char *err, size_t errlen)
{
	struct cursor c = { .fname = fname, .err = err, .errlen = errlen };
	const char *p = text, *end = text + len;
	size_t rule_line[CF_MAX_RULES];

	memset(out, 0, sizeof(*out));
	while (p < end) {
		const char *eol = memchr(p, '\n', end - p);
		const char *w, *we;
		struct cf_rule r = { 0 };

		if (!eol)
			eol = end;
		c.line = p;
		c.lineno++;
		if (memchr(p, '\0', eol - p))
			return fail(&c, (const char *)memchr(p, '\0', eol - p), "NUL byte in policy text");
		w = skip_space(p, eol);
		if (w == eol || *w == '#') {
			p = eol + 1;
			continue;
		}
		we = word_end(w, eol);
		if (we == w)
			return fail(&c, w, "expected an action (mask)");
		if (parse_action(&c, w, we - w, &r.action))
			return -1;
		w = skip_space(we, eol);
		if (w == eol || *w == '#')
			return fail(&c, w, "expected a register or field name after '%s'",
				    cf_action_name(r.action));
		we = word_end(w, eol);
		if (parse_target(&c, w, we - w, &r))
			return -1;
		w = skip_space(we, eol);
		if (w != eol && *w != '#')
			return fail(&c, w, "expected end of line after '%s', found '%.*s'", r.name,
				    (int)(word_end(w, eol) - w), w);
		for (__u32 i = 0; i < out->nrules; i++)
			if (!strcmp(out->rules[i].name, r.name))
				return fail(&c, c.line + (skip_space(c.line, eol) - c.line),
					    "rule '%s' repeats line %zu", r.name, rule_line[i]);
		if (out->nrules == CF_MAX_RULES)
			return fail(&c, skip_space(c.line, eol), "too many rules (at most %d)",
				    CF_MAX_RULES);
		rule_line[out->nrules] = c.lineno;
		out->rules[out->nrules++] = r;
		p = eol + 1;
	}
	if (!out->nrules) {
		snprintf(err, errlen, "%s:%zu:1: policy has no rules; it would filter nothing",
			 fname, c.lineno ? c.lineno : 1);
		return -1;
	}
	sort_rules(out);
	out->hash = fnv1a64(out->rules, out->nrules * sizeof(out->rules[0]));
	return 0;
}

#define CF_POLICY_MAX_BYTES (1 << 20)

int cf_policy_load_file(const char *path, struct cf_policy *out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text;
	size_t len;
	int ret;

	if (!f) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	/* One byte more than allowed tells "exactly the limit" from "larger". */
	text = malloc(CF_POLICY_MAX_BYTES + 1);
	if (!text) {
		snprintf(err, errlen, "%s: cannot read: out of memory", path);
		fclose(f);
		return -1;
	}
	len = fread(text, 1, CF_POLICY_MAX_BYTES + 1, f);
	if (ferror(f))
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
	else if (len > CF_POLICY_MAX_BYTES)
		snprintf(err, errlen, "%s: cannot read: larger than 1 MiB", path);
	ret = ferror(f) || len > CF_POLICY_MAX_BYTES ? -1
			: cf_policy_parse(text, len, path, out, err, errlen);
	fclose(f);
	free(text);
	return ret;
}

static const char *anchor_name(const struct cf_rule *r, char *buf, size_t n)
{
	if (r->anchor == CF_ANCHOR_HDR)
		snprintf(buf, n, "header");
	else
		snprintf(buf, n, "cap 0x%02x", r->cap_id);
	return buf;
}

void cf_policy_describe(const struct cf_policy *p, char *buf, size_t buflen)
{
	size_t used = 0;
	char a[32];

	buf[0] = 0;
	for (__u32 i = 0; i < p->nrules && used < buflen; i++) {
		const struct cf_rule *r = &p->rules[i];
		used += snprintf(buf + used, buflen - used,
				 "rule %-2u %-28s %-4s %s +0x%02x width %u mask 0x%0*x\n", i, r->name,
				 cf_action_name(r->action), anchor_name(r, a, sizeof(a)), r->offset,
				 r->width, r->width * 2, r->mask);
	}
}
