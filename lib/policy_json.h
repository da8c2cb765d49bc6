/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CF_POLICY_JSON_H
#define CF_POLICY_JSON_H

#include <jansson.h>
#include "cfgfilter.h"

/* {"hash": "...", "rules": [{name, action, anchor, cap_id, offset, width, mask, on}]} */
json_t *cf_policy_json(const struct cf_policy *p);

/* The same, into a result object as "policy_hash" and "rules" (status,
 * load, policy check and apply). */
void cf_policy_json_into(json_t *o, const struct cf_policy *p);

#endif
