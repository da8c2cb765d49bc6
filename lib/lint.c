// SPDX-License-Identifier: GPL-2.0
/* policy lint (lib/lint.h): rules that never act, and rules that break
 * guests or do nothing whatever the kernel. Pure. */
#include <string.h>
#include "lint.h"
#include "policy.h"

#define PCI_CAP_ID_MSIX 0x11

/* The rule's protected bits in byte `at` of its anchor (0 outside it). */
static __u32 byte_bits(const struct cf_rule *r, __u32 at)
{
	if (at < r->offset || at >= (__u32)r->offset + r->width)
		return 0;
	return (r->mask >> (8 * (at - r->offset))) & 0xff;
}

/* The rule's protected bits in bytes [from, to) of its anchor, as its
 * mask holds them (register-relative). */
static __u32 bits_in(const struct cf_rule *r, __u32 from, __u32 to)
{
	__u32 bits = 0;

	for (__u32 at = from; at < to; at++)
		if (byte_bits(r, at))
			bits |= byte_bits(r, at) << (8 * (at - r->offset));
	return bits;
}

static int same_anchor(const struct cf_rule *a, const struct cf_rule *b)
{
	return a->anchor == b->anchor && (a->anchor == CF_ANCHOR_HDR || a->cap_id == b->cap_id);
}

/* Does a's selector take every device b's does? */
static int selects_all_of(const struct cf_rule *a, const struct cf_rule *b)
{
	switch (a->selector) {
	case CF_SEL_ALL:
		return 1;
	case CF_SEL_BDF:
		return b->selector == CF_SEL_BDF && !strncmp(a->sel_bdf, b->sel_bdf, CF_DEV_LEN);
	case CF_SEL_ID:
	case CF_SEL_CLASS:
		return b->selector == a->selector && (b->sel_mask & a->sel_mask) == a->sel_mask &&
		       (b->sel_value & a->sel_mask) == a->sel_value;
	}
	return 0;
}

/* b's bits that a also protects, register-relative to b. */
static __u32 overlap(const struct cf_rule *a, const struct cf_rule *b)
{
	__u32 bits = 0;

	if (!same_anchor(a, b) || !selects_all_of(a, b))
		return 0;
	for (__u32 k = 0; k < b->width; k++)
		bits |= (byte_bits(a, b->offset + k) & byte_bits(b, b->offset + k)) << (8 * k);
	return bits;
}

static struct cf_lint *add(struct cf_lint *out, int *n, int max, __u32 rule, __s32 by,
			   __u32 kind, __u32 bits)
{
	struct cf_lint *w;

	if (*n >= max)
		return NULL;
	w = &out[(*n)++];
	memset(w, 0, sizeof(*w));
	w->rule = rule;
	w->by = by;
	w->kind = kind;
	w->bits = bits;
	return w;
}

/* Stronger rules own b's bits (each bit belongs to its strongest action),
 * or another rule of the same action already does all b does. */
static void lint_shadow(const struct cf_policy *p, __u32 j, struct cf_lint *out, int *n, int max)
{
	const struct cf_rule *b = &p->rules[j];
	__u32 lost = 0;
	__s32 by = -1;
	struct cf_lint *w;

	for (__u32 i = 0; i < p->nrules; i++) {
		const struct cf_rule *a = &p->rules[i];
		__u32 o;

		if (i == j || a->action <= b->action)
			continue;
		o = overlap(a, b);
		if (o && by < 0)
			by = (__s32)i;
		lost |= o;
	}
	if (lost) {
		w = add(out, n, max, j, by,
			lost == b->mask ? CF_LINT_SHADOWED : CF_LINT_PART_SHADOWED, lost);
		if (w)
			snprintf(w->why, sizeof(w->why),
				 "%s of its bits belong to a stronger rule (rule %d, %s) on every device "
				 "it selects: a bit is decided by its strongest action only",
				 lost == b->mask ? "all" : "some", by, cf_action_name(p->rules[by].action));
		return;
	}
	for (__u32 i = 0; i < p->nrules; i++) {
		const struct cf_rule *a = &p->rules[i];

		/* a does all b does; if b also does all a does, the later of the
		 * two is the duplicate */
		if (i == j || a->action != b->action || overlap(a, b) != b->mask ||
		    (i > j && overlap(b, a) == a->mask))
			continue;
		w = add(out, n, max, j, (__s32)i, CF_LINT_DUPLICATE, b->mask);
		if (w)
			snprintf(w->why, sizeof(w->why),
				 "rule %u (%s %s) already does all this rule does", i,
				 cf_action_name(a->action), a->name);
		return;
	}
}

/* Header bits guests must be able to write. Bit numbers from the PCI
 * Local Bus spec; what guests do from Linux's drivers/pci. */
static void lint_header(const struct cf_rule *r, __u32 j, struct cf_lint *out, int *n, int max)
{
	__u32 command = bits_in(r, 0x04, 0x05), bars = bits_in(r, 0x10, 0x28) | bits_in(r, 0x30, 0x34);
	/* Command's low byte in the rule's mask (0 where the rule misses it) */
	__u32 at = r->offset <= 0x04 && 0x04 - r->offset < 4 ? 8 * (0x04 - r->offset) : 0;
	__u32 decode = command & (0x03u << at), master = command & (0x04u << at);
	struct cf_lint *w;

	if (r->anchor != CF_ANCHOR_HDR || r->action == CF_ACT_AUDIT)
		return;
	if (decode && r->action == CF_ACT_DENY) {
		w = add(out, n, max, j, -1, CF_LINT_BREAKS_GUEST, decode);
		if (w)
			snprintf(w->why, sizeof(w->why),
				 "guests clear memory and I/O decode while they size BARs (Linux: "
				 "__pci_read_base) and set it to enable the device: deny refuses those "
				 "writes; mask keeps the device's decode instead (Xen XSA-126)");
	}
	if (master) {
		w = add(out, n, max, j, -1, CF_LINT_BREAKS_GUEST, master);
		if (w)
			snprintf(w->why, sizeof(w->why),
				 "a guest's driver sets bus master to start DMA (pci_set_master); %s: "
				 "the device does no DMA for the guest",
				 r->action == CF_ACT_DENY ? "deny refuses that write"
							  : "the device keeps its own bit, clear "
							    "when vfio hands the device over");
	}
	if (bars) {
		w = add(out, n, max, j, -1, CF_LINT_NO_EFFECT, bars);
		if (w)
			snprintf(w->why, sizeof(w->why),
				 "vfio keeps the BARs and the ROM BAR virtual in every kernel "
				 "(vfio_pci_config.c): the device never sees these writes; %s",
				 r->action == CF_ACT_DENY ? "deny only makes each fail (QEMU, which "
							    "emulates BARs itself, logs it)"
							  : "the rule changes only vfio's copy");
	}
}

/* MSI-X's Message Control: vfio_pci_config.c has no write handler for
 * the MSI-X capability, in every kernel, so every write is dropped; a VFIO
 * user enables interrupts with VFIO_DEVICE_SET_IRQS. (MSI's is not so:
 * vfio writes its low byte through.) */
static void lint_msix(const struct cf_rule *r, __u32 j, struct cf_lint *out, int *n, int max)
{
	__u32 ctl = bits_in(r, 0x02, 0x04);
	struct cf_lint *w;

	if (r->anchor != CF_ANCHOR_CAP || r->action == CF_ACT_AUDIT ||
	    r->cap_id != PCI_CAP_ID_MSIX || !ctl)
		return;
	w = add(out, n, max, j, -1, CF_LINT_NO_EFFECT, ctl);
	if (w)
		snprintf(w->why, sizeof(w->why),
			 "vfio drops every write to MSI-X's Message Control in every kernel "
			 "(vfio_pci_config.c), so these writes never reach the device%s",
			 r->action == CF_ACT_DENY ? "; deny only makes each fail (QEMU logs it)" : "");
}

int cf_policy_lint(const struct cf_policy *p, struct cf_lint *out, int max)
{
	int n = 0;

	for (__u32 j = 0; j < p->nrules && j < CF_MAX_RULES; j++) {
		lint_shadow(p, j, out, &n, max);
		lint_header(&p->rules[j], j, out, &n, max);
		lint_msix(&p->rules[j], j, out, &n, max);
	}
	return n;
}

const char *cf_lint_kind_name(__u32 kind)
{
	switch (kind) {
	case CF_LINT_SHADOWED:
		return "shadowed";
	case CF_LINT_PART_SHADOWED:
		return "partly_shadowed";
	case CF_LINT_DUPLICATE:
		return "duplicate";
	case CF_LINT_BREAKS_GUEST:
		return "breaks_guest";
	case CF_LINT_NO_EFFECT:
		return "no_effect";
	}
	return "unknown";
}

void cf_lint_print(FILE *f, const struct cf_policy *p, const struct cf_lint *w, int n,
		   const char *prefix)
{
	for (int i = 0; i < n; i++) {
		const struct cf_rule *r = &p->rules[w[i].rule];

		fprintf(f, "%srule %u (%s %s): %s: %s\n", prefix, w[i].rule, cf_action_name(r->action),
			r->name, cf_lint_kind_name(w[i].kind), w[i].why);
	}
}

json_t *cf_lint_json(const struct cf_policy *p, const struct cf_lint *w, int n)
{
	json_t *arr = json_array();
	char bits[16];

	for (int i = 0; i < n; i++) {
		const struct cf_rule *r = &p->rules[w[i].rule];
		json_t *o = json_object();

		snprintf(bits, sizeof(bits), "0x%0*x", r->width * 2, w[i].bits);
		json_object_set_new(o, "rule", json_integer(w[i].rule));
		json_object_set_new(o, "name", json_string(r->name));
		json_object_set_new(o, "action", json_string(cf_action_name(r->action)));
		json_object_set_new(o, "kind", json_string(cf_lint_kind_name(w[i].kind)));
		json_object_set_new(o, "bits", json_string(bits));
		if (w[i].by >= 0)
			json_object_set_new(o, "by", json_integer(w[i].by));
		json_object_set_new(o, "why", json_string(w[i].why));
		json_array_append_new(arr, o);
	}
	return arr;
}
