/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CF_METHODS_H
#define CF_METHODS_H

#include <jansson.h>
#include "live.h"

/* Rules the kernel could not enforce as asked (lockdown: mask -> deny). */
unsigned int cf_fallbacks(const struct cf_live *l);
/* How `action` is enforced now, in words. */
const char *cf_method_of(unsigned int action, const struct cf_live *l);
/* {action: method} for the actions the policy uses. */
json_t *cf_methods_json(const struct cf_live *l);

#endif
