/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CF_METHODS_H
#define CF_METHODS_H

#include <jansson.h>
#include "live.h"

/* Rules the kernel could not enforce as asked (lockdown: mask -> deny). */
unsigned int cf_fallbacks(const struct cf_live *l);
/* The refusing hook's attach point: "lsm/file_permission",
 * "fmod_ret/security_file_permission" or "none". */
const char *cf_refusing_hook(const struct cf_live *l);
/* How `action` is enforced now, in words. */
const char *cf_method_of(unsigned int action, const struct cf_live *l);
/* "methods" ({action: method} for the actions the policy uses) and
 * "fallback_rules", into a result object (status, load, apply). */
void cf_methods_json_into(json_t *o, const struct cf_live *l);

#endif
