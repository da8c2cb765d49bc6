// SPDX-License-Identifier: GPL-2.0
/* Where each rule lands on a device (lib/landing.h), from its config
 * space bytes: pure, for the unit tests too. */
#include <string.h>
#include "cfg_caps.h"
#include "landing.h"
#include "policy.h"

static int selects(const struct cf_rule *r, const struct cf_landing *l)
{
	switch (r->selector) {
	case CF_SEL_ALL:
		return 1;
	case CF_SEL_ID:
		return (l->id & r->sel_mask) == r->sel_value;
	case CF_SEL_CLASS:
		return (l->class & r->sel_mask) == r->sel_value;
	case CF_SEL_BDF:
		return !strncmp(l->dev, r->sel_bdf, CF_DEV_LEN);
	}
	return 0;
}

void cf_land(const struct cf_policy *p, const char *dev, const unsigned char *cfg, size_t len,
	     struct cf_landing *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->dev, sizeof(out->dev), "%s", dev);
	if (len >= 12) {
		out->id = (__u32)(cfg[0] | cfg[1] << 8) << 16 | (cfg[2] | cfg[3] << 8);
		out->class = cfg[9] | cfg[10] << 8 | cfg[11] << 16;
	}
	for (__u32 i = 0; i < p->nrules && i < CF_MAX_RULES; i++) {
		const struct cf_rule *r = &p->rules[i];
		int base = 0;

		if (!selects(r, out)) {
			out->how[i] = CF_LAND_SELECTOR;
			continue;
		}
		if (r->anchor != CF_ANCHOR_HDR)
			base = cf_cfg_cap_at(cfg, len, r->cap_id, r->anchor == CF_ANCHOR_ECAP);
		out->how[i] = base < 0 ? CF_LAND_UNKNOWN : r->anchor != CF_ANCHOR_HDR && !base
							     ? CF_LAND_NO_CAP
							     : CF_LAND_AT;
		out->at[i] = base > 0 ? base + r->offset : r->offset;
	}
}

void cf_landing_print(FILE *f, const struct cf_policy *p, const struct cf_landing *l)
{
	fprintf(f, "device %s (%04x:%04x, class %06x):\n", l->dev, l->id >> 16, l->id & 0xffff,
		l->class);
	for (__u32 i = 0; i < p->nrules && i < CF_MAX_RULES; i++) {
		const struct cf_rule *r = &p->rules[i];

		fprintf(f, "  rule %-2u %-10s %-34s ", i, cf_action_name(r->action), r->name);
		switch (l->how[i]) {
		case CF_LAND_AT:
			fprintf(f, "at 0x%03x\n", l->at[i]);
			break;
		case CF_LAND_SELECTOR:
			fprintf(f, "matches nothing: selects other devices\n");
			break;
		case CF_LAND_NO_CAP:
			fprintf(f, "matches nothing: the device has no %scapability 0x%0*x\n",
				r->anchor == CF_ANCHOR_ECAP ? "extended " : "",
				r->anchor == CF_ANCHOR_ECAP ? 4 : 2, r->cap_id);
			break;
		default:
			fprintf(f, "cannot tell: the device's capability list is broken or "
				   "loops; its writes past the header are refused\n");
		}
	}
}

json_t *cf_landing_json(const struct cf_policy *p, const struct cf_landing *l)
{
	static const char *const how[] = { "at", "selector", "no_capability", "unknown" };
	json_t *o = json_object(), *rules = json_array();
	char h[16];

	json_object_set_new(o, "device", json_string(l->dev));
	for (__u32 i = 0; i < p->nrules && i < CF_MAX_RULES; i++) {
		json_t *r = json_object();

		json_object_set_new(r, "rule", json_integer(i));
		json_object_set_new(r, "name", json_string(p->rules[i].name));
		json_object_set_new(r, "lands", json_string(how[l->how[i] & 3]));
		if (l->how[i] == CF_LAND_AT) {
			snprintf(h, sizeof(h), "0x%04x", l->at[i]);
			json_object_set_new(r, "offset", json_string(h));
		}
		json_array_append_new(rules, r);
	}
	json_object_set_new(o, "rules", rules);
	return o;
}
