// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target for the policy parser (lib/policy.c).
 *
 * Any bytes, NULs included, go to cf_policy_parse. Whatever the input, the
 * result must be well formed: a policy the data plane can enforce, or an
 * error that says "FILE:LINE:COL: ...". A violated invariant abort()s, which
 * libFuzzer reports as a crash with the input saved.
 *
 * The input is parsed twice: from libFuzzer's own buffer (AddressSanitizer
 * watches the instrumented code) and from a copy that ends right at an
 * unmapped page, so a read past the end by an uninstrumented libc routine
 * (strtoul, ...) faults too. Both parses must agree.
 *
 * Build: make build/fuzz_policy. Run: build/fuzz_policy tests/fuzz/corpus
 * (tests/run does, with a time limit). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cfgfilter.h"
#include "policy.h"

#define FNAME "fuzz.policy"
#define ERRLEN 1024

static void violated(const char *what, int line, const uint8_t *data, size_t size)
{
	fprintf(stderr, "fuzz_policy: invariant violated (fuzz_policy.c:%d): %s\n", line, what);
	fprintf(stderr, "fuzz_policy: input (%zu bytes): \"", size);
	for (size_t i = 0; i < size && i < 512; i++)
		fprintf(stderr, data[i] >= 0x20 && data[i] < 0x7f && data[i] != '"' &&
					data[i] != '\\' ? "%c" : "\\x%02x",
			data[i]);
	fprintf(stderr, "%s\"\n", size > 512 ? "..." : "");
	abort();
}

/* data/size are in scope in every checker */
#define CHECK(cond)                                              \
	do {                                                     \
		if (!(cond))                                     \
			violated(#cond, __LINE__, data, size);   \
	} while (0)

/* A copy of [data, data + size) whose last byte is the last byte before a
 * PROT_NONE page. One mapping, grown when an input is larger. */
static const char *guarded_copy(const uint8_t *data, size_t size)
{
	static char *base;
	static size_t room; /* usable bytes before the guard page */
	static size_t page;

	if (!page)
		page = (size_t)sysconf(_SC_PAGESIZE);

	if (!base || size > room) {
		if (base)
			munmap(base, room + page);
		room = (size + page - 1) / page * page;
		if (!room)
			room = page;
		base = mmap(NULL, room + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
		if (base == MAP_FAILED || mprotect(base + room, page, PROT_NONE)) {
			perror("fuzz_policy: guard page");
			abort();
		}
	}
	memcpy(base + room - size, data, size);
	return base + room - size;
}

/* Bytes a region takes rules in, counted from the anchor. */
static unsigned int region_size(unsigned int anchor)
{
	switch (anchor) {
	case CF_ANCHOR_HDR:
		return 4096;
	case CF_ANCHOR_CAP:
		return 256 - 0x40;
	default:
		return 4096 - CF_PCI_EXT_CAP_START;
	}
}

static int key_cmp(const struct cf_rule *a, const struct cf_rule *b)
{
	if (a->anchor != b->anchor)
		return a->anchor < b->anchor ? -1 : 1;
	if (a->cap_id != b->cap_id)
		return a->cap_id < b->cap_id ? -1 : 1;
	if (a->offset != b->offset)
		return a->offset < b->offset ? -1 : 1;
	if (a->width != b->width)
		return a->width < b->width ? -1 : 1;
	return 0;
}

static int is_lower_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

/* "DDDD:BB:DD.F" with 4 or more lowercase hex domain digits (no leading zero
 * beyond 4), device <= 1f, function <= 7: how the kernel names a device. */
static int canonical_bdf(const char *s)
{
	size_t n = strlen(s), dn;

	if (n < 12 || n > CF_DEV_LEN - 1)
		return 0;
	dn = n - 8;
	if (!is_lower_hex(s, dn) || (dn > 4 && s[0] == '0'))
		return 0;
	s += dn;
	if (s[0] != ':' || !is_lower_hex(s + 1, 2) || s[3] != ':' || !is_lower_hex(s + 4, 2) ||
	    s[6] != '.' || s[7] < '0' || s[7] > '7')
		return 0;
	return strtoul(s + 4, NULL, 16) <= 0x1f;
}

static __u64 fnv1a64(const void *p, size_t len)
{
	const unsigned char *b = p;
	__u64 h = 0xcbf29ce484222325ULL;

	while (len--) {
		h ^= *b++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int same_selector(const struct cf_rule *a, const struct cf_rule *b)
{
	return a->selector == b->selector && a->sel_value == b->sel_value &&
	       a->sel_mask == b->sel_mask && !strcmp(a->sel_bdf, b->sel_bdf);
}

static void check_rule(const struct cf_rule *r, const uint8_t *data, size_t size)
{
	CHECK(r->width == 1 || r->width == 2 || r->width == 4);
	CHECK(r->mask != 0);
	CHECK(r->width == 4 || (r->mask >> (8 * r->width)) == 0);
	CHECK(r->action >= CF_ACT_AUDIT && r->action <= CF_ACT_MAX);
	CHECK(r->anchor <= CF_ANCHOR_ECAP);
	CHECK(r->offset % r->width == 0);
	CHECK(r->offset + r->width <= region_size(r->anchor));
	if (r->anchor == CF_ANCHOR_HDR)
		CHECK(r->cap_id == 0);
	else if (r->anchor == CF_ANCHOR_CAP)
		CHECK(r->cap_id >= 1 && r->cap_id <= 0xff);
	else
		CHECK(r->cap_id >= 1);
	CHECK(memchr(r->name, 0, CF_NAME_LEN) != NULL);
	CHECK(r->name[0] != 0);
	CHECK(memchr(r->sel_bdf, 0, CF_DEV_LEN) != NULL);
	switch (r->selector) {
	case CF_SEL_ALL:
		CHECK(r->sel_value == 0 && r->sel_mask == 0 && r->sel_bdf[0] == 0);
		break;
	case CF_SEL_BDF:
		CHECK(r->sel_value == 0 && r->sel_mask == 0);
		CHECK(canonical_bdf(r->sel_bdf));
		break;
	case CF_SEL_ID:
		CHECK(r->sel_mask == 0xffffffffu || r->sel_mask == 0xffff0000u);
		CHECK((r->sel_value & ~r->sel_mask) == 0);
		CHECK(r->sel_bdf[0] == 0);
		break;
	case CF_SEL_CLASS:
		CHECK(r->sel_mask == 0xff0000 || r->sel_mask == 0xffff00 || r->sel_mask == 0xffffff);
		CHECK((r->sel_value & ~r->sel_mask) == 0);
		CHECK(r->sel_bdf[0] == 0);
		break;
	default:
		CHECK(!"selector is one of all, bdf, id, class");
	}
}

/* A rule written back as text ("ACTION NAME on SELECTOR") parses to
 * exactly the same rule. */
static void check_round_trip(const struct cf_rule *r, const uint8_t *data, size_t size)
{
	char text[CF_NAME_LEN + 64], sel[64], err[ERRLEN];
	static struct cf_policy again;
	int n;

	cf_selector_text(r, sel, sizeof(sel));
	n = snprintf(text, sizeof(text), "%s %s on %s\n", cf_action_name(r->action), r->name, sel);
	CHECK(n > 0 && (size_t)n < sizeof(text));
	if (cf_policy_parse(text, (size_t)n, FNAME, &again, err, sizeof(err)))
		violated(err, __LINE__, data, size);
	CHECK(again.nrules == 1);
	CHECK(!memcmp(&again.rules[0], r, sizeof(*r)));
}

static void check_policy(const struct cf_policy *p, const uint8_t *data, size_t size)
{
	static char desc[CF_MAX_RULES * 160];
	__u32 flags = 0;
	size_t lines = 0;

	CHECK(p->nrules >= 1 && p->nrules <= CF_MAX_RULES);
	for (__u32 i = 0; i < p->nrules; i++) {
		const struct cf_rule *r = &p->rules[i];

		check_rule(r, data, size);
		if (i)
			CHECK(key_cmp(&p->rules[i - 1], r) <= 0);
		for (__u32 j = 0; j < i; j++)
			CHECK(strcmp(p->rules[j].name, r->name) || p->rules[j].action != r->action ||
			      !same_selector(&p->rules[j], r));
		if (r->action == CF_ACT_DENY)
			flags |= CF_POL_DENY;
		if (r->action == CF_ACT_VIRTUALIZE)
			flags |= CF_POL_VIRTUALIZE;
		if (r->action == CF_ACT_MASK)
			flags |= CF_POL_MASK;
		if (r->action != CF_ACT_AUDIT)
			flags |= CF_POL_ENFORCE;
		if (r->anchor == CF_ANCHOR_ECAP)
			flags |= CF_POL_ECAP;
		if (r->anchor == CF_ANCHOR_CAP && r->cap_id != CF_PCI_CAP_ID_EXP)
			flags |= CF_POL_CAP;
		check_round_trip(r, data, size);
	}
	/* on_violation is a setting, not derived from the rules */
	CHECK((p->flags & ~CF_POL_KILL) == flags);
	{
		__u64 h = fnv1a64(p->rules, p->nrules * sizeof(p->rules[0]));
		const unsigned char *k = (const unsigned char *)"kill";

		for (int i = 0; (p->flags & CF_POL_KILL) && i < 4; i++) {
			h ^= k[i];
			h *= 0x100000001b3ULL;
		}
		CHECK(p->hash == h);
	}
	/* unused slots stay zero */
	for (__u32 i = p->nrules; i < CF_MAX_RULES; i++)
		for (size_t b = 0; b < sizeof(p->rules[i]); b++)
			CHECK(((const unsigned char *)&p->rules[i])[b] == 0);
	/* describe: one line per rule, and one for on_violation kill */
	cf_policy_describe(p, desc, sizeof(desc));
	for (const char *c = desc; *c; c++)
		lines += *c == '\n';
	CHECK(lines == p->nrules + !!(p->flags & CF_POL_KILL));
}

/* "FNAME:LINE:COL: message", LINE a line of the input (or 1 for an empty
 * one), COL at most one past the end of that line. */
static void check_error(const char *err, const uint8_t *data, size_t size)
{
	const char *p = err + strlen(FNAME);
	unsigned long line, col, nlines = 0;
	const uint8_t *ls = data, *le;
	char *e;

	CHECK(memchr(err, 0, ERRLEN) != NULL);
	CHECK(!strncmp(err, FNAME, strlen(FNAME)));
	CHECK(p[0] == ':' && p[1] >= '1' && p[1] <= '9');
	line = strtoul(p + 1, &e, 10);
	CHECK(*e == ':' && e[1] >= '1' && e[1] <= '9');
	col = strtoul(e + 1, &e, 10);
	CHECK(e[0] == ':' && e[1] == ' ' && e[2] != 0);
	CHECK(line >= 1 && col >= 1);
	/* lines of the input: a final line without '\n' counts */
	for (size_t i = 0; i < size; i++)
		nlines += data[i] == '\n';
	if (size && data[size - 1] != '\n')
		nlines++;
	CHECK(line <= (nlines ? nlines : 1));
	for (unsigned long l = 1; l < line; l++)
		ls = (const uint8_t *)memchr(ls, '\n', size - (size_t)(ls - data)) + 1;
	le = memchr(ls, '\n', size - (size_t)(ls - data));
	if (!le)
		le = data + size;
	CHECK(col <= (unsigned long)(le - ls) + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cf_policy a, b;
	static char err_a[ERRLEN], err_b[ERRLEN];
	const char *copy = guarded_copy(data, size);
	/* one input in four: the second parse gets a short error buffer */
	size_t len_b = size % 4 ? ERRLEN : 1 + size / 4 % 32;
	int ra, rb;

	memset(err_a, 0, sizeof(err_a));
	memset(err_b, 'x', sizeof(err_b));
	ra = cf_policy_parse((const char *)data, size, FNAME, &a, err_a, sizeof(err_a));
	rb = cf_policy_parse(copy, size, FNAME, &b, err_b, len_b);
	CHECK(ra == 0 || ra == -1);
	CHECK(ra == rb);
	if (ra == 0) {
		CHECK(!memcmp(&a, &b, sizeof(a)));
		check_policy(&a, data, size);
		return 0;
	}
	check_error(err_a, data, size);
	/* the same message, cut to a NUL-terminated prefix if the buffer is short;
	 * nothing written past the buffer */
	CHECK(memchr(err_b, 0, len_b) != NULL);
	CHECK(!strncmp(err_b, err_a, len_b - 1));
	CHECK(strlen(err_b) == (strlen(err_a) < len_b - 1 ? strlen(err_a) : len_b - 1));
	for (size_t i = len_b; i < sizeof(err_b); i++)
		CHECK(err_b[i] == 'x');
	return 0;
}
