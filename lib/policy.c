// SPDX-License-Identifier: GPL-2.0
/* Policy language (one rule a line; README "Policy files" is the reference):
 *
 *   # comment
 *   ACTION TARGET [on SELECTOR]
 *
 * ACTION: mask | virtualize | deny | audit
 * TARGET: REGISTER[.FIELD] by the names in regnames.c, or raw
 *         hdr+OFF/W:MASK | cap(ID)+OFF/W:MASK | ecap(ID)+OFF/W:MASK
 * SELECTOR: all | DDDD:BB:DD.F | VVVV:DDDD | VVVV:* | class CC[SS[PP]]
 *
 * Rules are stored sorted by register so the data plane can report all
 * rules of one register in one event. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fmt.h"
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
	case CF_ACT_AUDIT:
		return "audit";
	case CF_ACT_MASK:
		return "mask";
	case CF_ACT_VIRTUALIZE:
		return "virtualize";
	case CF_ACT_DENY:
		return "deny";
	default:
		return "?";
	}
}

static int parse_action(struct cursor *c, const char *w, size_t n, __u8 *action)
{
	for (unsigned int a = 1; a <= CF_ACT_MAX; a++)
		if (strlen(cf_action_name(a)) == n && !memcmp(w, cf_action_name(a), n)) {
			*action = a;
			return 0;
		}
	return fail(c, w, "unknown action '%.*s' (expected: mask, virtualize, deny or audit)",
		    (int)n, w);
}

/* A number in C syntax (0x.., decimal), the whole of [p, end). */
static int parse_num(const char *p, const char *end, unsigned long max, unsigned long *out)
{
	char buf[24], *e;

	if (end <= p || (size_t)(end - p) >= sizeof(buf) || *p == '-' || *p == '+')
		return -1;
	memcpy(buf, p, end - p);
	buf[end - p] = 0;
	errno = 0;
	*out = strtoul(buf, &e, 0);
	return *e || errno || *out > max ? -1 : 0;
}

/* Raw targets: hdr+OFF/W:MASK, cap(ID)+OFF/W:MASK, ecap(ID)+OFF/W:MASK */
static int parse_raw(struct cursor *c, const char *w, size_t n, struct cf_rule *r)
{
	const char *p = w, *end = w + n, *q;
	unsigned long id = 0, off, width, mask, max_off;

	if (n > 4 && !memcmp(w, "hdr+", 4)) {
		r->anchor = CF_ANCHOR_HDR;
		p += 3;
		max_off = 4096;
	} else {
		int ecap = n > 5 && !memcmp(w, "ecap(", 5);
		if (!ecap && !(n > 4 && !memcmp(w, "cap(", 4)))
			return 1; /* not raw: a name */
		p += ecap ? 5 : 4;
		q = memchr(p, ')', end - p);
		if (!q || parse_num(p, q, ecap ? 0xffff : 0xff, &id))
			return fail(c, p, "expected a capability id (%s) and ')'",
				    ecap ? "0x0001..0xffff" : "0x01..0xff");
		if (!id)
			return fail(c, p, "capability id 0 does not exist");
		r->anchor = ecap ? CF_ANCHOR_ECAP : CF_ANCHOR_CAP;
		p = q + 1;
		max_off = ecap ? 4096 - CF_PCI_EXT_CAP_START : 256 - 0x40;
	}
	if (p >= end || *p != '+')
		return fail(c, p, "expected '+OFFSET/WIDTH:MASK' after the anchor");
	p++;
	q = memchr(p, '/', end - p);
	if (!q || parse_num(p, q, max_off - 1, &off))
		return fail(c, p, "expected an offset below 0x%lx and '/WIDTH:MASK'", max_off);
	p = q + 1;
	q = memchr(p, ':', end - p);
	if (!q || parse_num(p, q, 4, &width) || (width != 1 && width != 2 && width != 4))
		return fail(c, p, "expected a width of 1, 2 or 4 bytes and ':MASK'");
	if (off % width)
		return fail(c, w, "offset 0x%lx is not aligned to its width %lu", off, width);
	p = q + 1;
	if (parse_num(p, end, 0xffffffffUL, &mask))
		return fail(c, p, "expected a bit mask such as 0x00e0");
	if (!mask)
		return fail(c, p, "mask 0 protects nothing");
	if (width < 4 && mask >> (8 * width))
		return fail(c, p, "mask 0x%lx is wider than the register (%lu byte%s)", mask, width,
			    width == 1 ? "" : "s");
	r->cap_id = id;
	r->offset = off;
	r->width = width;
	r->mask = mask;
	return 0;
}

static int parse_target(struct cursor *c, const char *w, size_t n, struct cf_rule *r)
{
	const struct cf_register *reg = NULL;
	const struct cf_field *f = NULL;
	char hint[96];
	size_t cut;
	int raw;

	if (n >= CF_NAME_LEN)
		return fail(c, w, "name '%.*s' is too long (at most %d characters)", (int)n, w,
			    CF_NAME_LEN - 1);
	memset(r->name, 0, sizeof(r->name));
	memcpy(r->name, w, n);
	raw = parse_raw(c, w, n, r);
	if (raw <= 0)
		return raw;
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
		return fail(c, w, "unknown register '%.*s' (expected a name like pcie.devctl.mps "
			    "or a raw target like cap(0x10)+0x08/2:0x00e0)", (int)n, w);
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
	return 0;
}

static int is_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)p[i]))
			return 0;
	return n > 0;
}

/* Exactly n hex digits (n <= 8, checked by is_hex): the text need not be
 * NUL-terminated, so no strtoul here. */
static unsigned long hex_value(const char *p, size_t n)
{
	unsigned long v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 4 | (unsigned long)(isdigit((unsigned char)p[i]) ? p[i] - '0'
									: (tolower((unsigned char)p[i]) - 'a' + 10));
	return v;
}

/* SELECTOR: all | DDDD:BB:DD.F | VVVV:DDDD | VVVV:* | class CC[SS[PP]] */
static int parse_selector(struct cursor *c, const char *w, const char *eol, struct cf_rule *r,
			  const char **next)
{
	const char *we = word_end(w, eol), *colon, *dot;
	size_t n = we - w;
	unsigned long v, d, b, s, f;

	*next = we;
	if (n == 3 && !memcmp(w, "all", 3)) {
		r->selector = CF_SEL_ALL;
		return 0;
	}
	if (n == 5 && !memcmp(w, "class", 5)) {
		const char *cw = skip_space(we, eol), *ce = word_end(cw, eol);
		size_t cn = ce - cw;
		if (cn > 2 && cw[0] == '0' && (cw[1] == 'x' || cw[1] == 'X'))
			cw += 2, cn -= 2;
		if (!is_hex(cw, cn) || (cn != 2 && cn != 4 && cn != 6))
			return fail(c, cw, "expected a class code of 2, 4 or 6 hex digits "
				    "(base class, +subclass, +prog-if), e.g. class 0200");
		v = hex_value(cw, cn);
		r->selector = CF_SEL_CLASS;
		r->sel_value = v << (8 * ((6 - cn) / 2));
		r->sel_mask = 0xffffff & ~((1u << (8 * ((6 - cn) / 2))) - 1);
		*next = ce;
		return 0;
	}
	colon = memchr(w, ':', n);
	dot = memchr(w, '.', n);
	if (colon && dot) {
		/* DDDD:BB:DD.F, as in /sys/bus/pci/devices */
		const char *c2 = memchr(colon + 1, ':', we - colon - 1);
		if (!c2 || c2 > dot || !is_hex(w, colon - w) || colon - w > 8 ||
		    c2 - colon - 1 != 2 || !is_hex(colon + 1, 2) || dot - c2 - 1 != 2 ||
		    !is_hex(c2 + 1, 2) || we - dot - 1 != 1 || !isdigit((unsigned char)dot[1]))
			return fail(c, w, "expected a device address DDDD:BB:DD.F, e.g. 0000:01:00.0");
		d = hex_value(w, colon - w);
		/* the kernel's name for the device must fit sel_bdf (CF_DEV_LEN) */
		if (d > 0xfffffff)
			return fail(c, w, "PCI domain 0x%lx is too large (at most 0xfffffff)", d);
		b = hex_value(colon + 1, 2);
		s = hex_value(c2 + 1, 2);
		f = dot[1] - '0';
		if (s > 0x1f || f > 7)
			return fail(c, w, "device address %.*s is out of range (device 00-1f, function 0-7)",
				    (int)n, w);
		r->selector = CF_SEL_BDF;
		snprintf(r->sel_bdf, sizeof(r->sel_bdf), "%04lx:%02lx:%02lx.%lu", d, b, s, f);
		return 0;
	}
	if (colon && colon - w == 4 && is_hex(w, 4)) {
		size_t dn = we - colon - 1;
		r->selector = CF_SEL_ID;
		v = hex_value(w, 4);
		if (dn == 1 && colon[1] == '*') {
			r->sel_value = v << 16;
			r->sel_mask = 0xffff0000u;
			return 0;
		}
		if (dn == 4 && is_hex(colon + 1, 4)) {
			r->sel_value = v << 16 | hex_value(colon + 1, 4);
			r->sel_mask = 0xffffffffu;
			return 0;
		}
	}
	return fail(c, w, "unknown device selector '%.*s' (expected: all, DDDD:BB:DD.F, "
		    "VVVV:DDDD, VVVV:* or class CC[SS[PP]])", (int)n, w);
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

static __u64 fnv1a64_more(__u64 h, const void *data, size_t len)
{
	const unsigned char *b = data;

	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static __u64 fnv1a64(const void *data, size_t len)
{
	return fnv1a64_more(0xcbf29ce484222325ULL, data, len);
}

/* "on_violation kill|report": what happens to a writer whose protected bit
 * reaches the device anyway (a race with its own buffer). Report (the
 * default) or SIGKILL from the hook that saw it. */
static int parse_on_violation(struct cursor *c, const char *w, const char *eol,
			      struct cf_policy *out)
{
	const char *we;

	w = skip_space(w, eol);
	we = word_end(w, eol);
	if (we - w == 4 && !memcmp(w, "kill", 4))
		out->flags |= CF_POL_KILL;
	else if (we - w == 6 && !memcmp(w, "report", 6))
		out->flags &= ~CF_POL_KILL;
	else
		return fail(c, w, "expected 'kill' or 'report' after 'on_violation'");
	w = skip_space(we, eol);
	if (w != eol && *w != '#')
		return fail(c, w, "expected end of line after 'on_violation %s'",
			    out->flags & CF_POL_KILL ? "kill" : "report");
	return 0;
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
			return fail(&c, w, "expected an action (mask, virtualize, deny or audit)");
		if (we - w == 12 && !memcmp(w, "on_violation", 12)) {
			if (parse_on_violation(&c, we, eol, out))
				return -1;
			p = eol + 1;
			continue;
		}
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
		if (w != eol && *w != '#') {
			we = word_end(w, eol);
			if (we - w != 2 || memcmp(w, "on", 2))
				return fail(&c, w, "expected 'on SELECTOR' or end of line after '%s', "
					    "found '%.*s'", r.name, (int)(we - w), w);
			w = skip_space(we, eol);
			if (w == eol || *w == '#')
				return fail(&c, w, "expected a device selector after 'on'");
			if (parse_selector(&c, w, eol, &r, &we))
				return -1;
			w = skip_space(we, eol);
			if (w != eol && *w != '#')
				return fail(&c, w, "expected end of line after the selector, found '%.*s'",
					    (int)(word_end(w, eol) - w), w);
		}
		for (__u32 i = 0; i < out->nrules; i++)
			if (!strcmp(out->rules[i].name, r.name) && out->rules[i].action == r.action &&
			    out->rules[i].selector == r.selector &&
			    out->rules[i].sel_value == r.sel_value &&
			    out->rules[i].sel_mask == r.sel_mask &&
			    !strcmp(out->rules[i].sel_bdf, r.sel_bdf))
				return fail(&c, c.line + (skip_space(c.line, eol) - c.line),
					    "rule '%s' repeats line %zu", r.name, rule_line[i]);
		if (out->nrules == CF_MAX_RULES)
			return fail(&c, skip_space(c.line, eol), "too many rules (at most %d)",
				    CF_MAX_RULES);
		r.requested = r.action;
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
	cf_policy_finish(out);
	return 0;
}

void cf_policy_finish(struct cf_policy *out)
{
	out->flags &= CF_POL_KILL; /* a setting; the rest follows from the rules */
	for (__u32 i = 0; i < out->nrules; i++) {
		const struct cf_rule *r = &out->rules[i];
		if (r->action == CF_ACT_DENY)
			out->flags |= CF_POL_DENY;
		if (r->action == CF_ACT_VIRTUALIZE)
			out->flags |= CF_POL_VIRTUALIZE;
		if (r->action == CF_ACT_MASK)
			out->flags |= CF_POL_MASK;
		if (r->action != CF_ACT_AUDIT)
			out->flags |= CF_POL_ENFORCE;
		if (r->anchor == CF_ANCHOR_ECAP)
			out->flags |= CF_POL_ECAP;
		if (r->anchor == CF_ANCHOR_CAP && r->cap_id != CF_PCI_CAP_ID_EXP)
			out->flags |= CF_POL_CAP;
	}
	out->hash = fnv1a64(out->rules, out->nrules * sizeof(out->rules[0]));
	if (out->flags & CF_POL_KILL)
		out->hash = fnv1a64_more(out->hash, "kill", 4);
}

int cf_policy_without_rewrite(struct cf_policy *p)
{
	int changed = 0;

	for (__u32 i = 0; i < p->nrules; i++)
		if (p->rules[i].action == CF_ACT_MASK || p->rules[i].action == CF_ACT_VIRTUALIZE) {
			p->rules[i].action = CF_ACT_DENY;
			changed++;
		}
	if (changed)
		cf_policy_finish(p);
	return changed;
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

/* "header", "cap 0x10", "ecap 0x0001" */
static const char *anchor_text(const struct cf_rule *r, char *buf, size_t n)
{
	if (r->anchor == CF_ANCHOR_HDR)
		snprintf(buf, n, "%s", cf_anchor_name(r->anchor));
	else
		snprintf(buf, n, "%s 0x%0*x", cf_anchor_name(r->anchor),
			 r->anchor == CF_ANCHOR_CAP ? 2 : 4, r->cap_id);
	return buf;
}

void cf_selector_text(const struct cf_rule *r, char *buf, size_t n)
{
	switch (r->selector) {
	case CF_SEL_BDF:
		snprintf(buf, n, "%s", r->sel_bdf);
		break;
	case CF_SEL_ID:
		if (r->sel_mask == 0xffff0000u)
			snprintf(buf, n, "%04x:*", r->sel_value >> 16);
		else
			snprintf(buf, n, "%04x:%04x", r->sel_value >> 16, r->sel_value & 0xffff);
		break;
	case CF_SEL_CLASS: {
		int digits = r->sel_mask == 0xff0000 ? 2 : r->sel_mask == 0xffff00 ? 4 : 6;
		snprintf(buf, n, "class %0*x", digits, r->sel_value >> (4 * (6 - digits)));
		break;
	}
	default:
		snprintf(buf, n, "all");
	}
}

void cf_policy_describe(const struct cf_policy *p, char *buf, size_t buflen)
{
	size_t used = 0;
	char a[32], sel[32];

	buf[0] = 0;
	if (p->flags & CF_POL_KILL)
		used += snprintf(buf, buflen, "on_violation kill: a writer whose protected bit "
				 "reaches the device anyway gets SIGKILL\n");
	for (__u32 i = 0; i < p->nrules && used < buflen; i++) {
		const struct cf_rule *r = &p->rules[i];
		cf_selector_text(r, sel, sizeof(sel));
		used += snprintf(buf + used, buflen - used,
				 "rule %-2u %-10s %-34s %-11s +0x%03x width %u mask 0x%0*x on %s%s%s%s\n", i,
				 cf_action_name(r->action), r->name, anchor_text(r, a, sizeof(a)),
				 r->offset, r->width, r->width * 2, r->mask, sel,
				 r->requested != r->action ? " (asked: " : "",
				 r->requested != r->action ? cf_action_name(r->requested) : "",
				 r->requested != r->action ? "; no buffer rewrite on this kernel)" : "");
	}
}

void cf_policy_print(FILE *f, const struct cf_policy *p)
{
	char desc[CF_MAX_RULES * 160];

	cf_policy_describe(p, desc, sizeof(desc));
	fputs(desc, f);
}
