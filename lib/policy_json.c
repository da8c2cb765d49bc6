// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include "fmt.h"
#include "policy.h"
#include "policy_json.h"

static json_t *hex(unsigned int v, unsigned int bytes)
{
	char h[16];

	cf_hex(h, sizeof(h), v, bytes);
	return json_string(h);
}

json_t *cf_policy_json(const struct cf_policy *p)
{
	json_t *o = json_object(), *rules = json_array();
	char h[24];

	snprintf(h, sizeof(h), "%016llx", (unsigned long long)p->hash);
	json_object_set_new(o, "hash", json_string(h));
	for (unsigned int i = 0; i < p->nrules && i < CF_MAX_RULES; i++) {
		const struct cf_rule *r = &p->rules[i];
		json_t *jr = json_object();
		char sel[32];

		cf_selector_text(r, sel, sizeof(sel));
		json_object_set_new(jr, "name", json_string(r->name));
		json_object_set_new(jr, "action", json_string(cf_action_name(r->action)));
		if (r->requested != r->action)
			json_object_set_new(jr, "requested", json_string(cf_action_name(r->requested)));
		json_object_set_new(jr, "anchor", json_string(cf_anchor_name(r->anchor)));
		if (r->anchor != CF_ANCHOR_HDR)
			json_object_set_new(jr, "cap_id", hex(r->cap_id, r->anchor == CF_ANCHOR_ECAP ? 2 : 1));
		json_object_set_new(jr, "offset", hex(r->offset, 2));
		json_object_set_new(jr, "width", json_integer(r->width));
		json_object_set_new(jr, "mask", hex(r->mask, r->width));
		json_object_set_new(jr, "on", json_string(sel));
		json_array_append_new(rules, jr);
	}
	json_object_set_new(o, "rules", rules);
	return o;
}

void cf_policy_json_into(json_t *o, const struct cf_policy *p)
{
	json_t *pol = cf_policy_json(p);

	json_object_set_new(o, "policy_hash", json_incref(json_object_get(pol, "hash")));
	json_object_set_new(o, "rules", json_incref(json_object_get(pol, "rules")));
	json_decref(pol);
}
