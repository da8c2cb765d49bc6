/* SPDX-License-Identifier: GPL-2.0 */
/* Render a struct cf_event for people (text) and for programs (JSON). */
#ifndef CF_EVENT_FMT_H
#define CF_EVENT_FMT_H

#include <stddef.h>
#include "cfgfilter.h"

/* Names of the rules whose bits the event's write tried to change, joined
 * by ','. policy may be NULL or another policy than the event's: then the
 * rules are named by index ("rule#3"). A name that does not fit whole is
 * left out, with the rest: never a fragment. CF_RULE_NAMES_LEN always fits. */
#define CF_RULE_NAMES_LEN (CF_MAX_RULES * (CF_NAME_LEN + 1) + 1)
void cf_event_rule_names(const struct cf_event *e, const struct cf_policy *policy, char *buf,
			 size_t len);

/* The clock id's time in ns; CLOCK_REALTIME - CLOCK_BOOTTIME is the
 * boot_to_real_ns below. */
long long cf_clock_ns(int clock_id);

/* boot_to_real_ns: CLOCK_REALTIME - CLOCK_BOOTTIME, to date the event.
 * vm: the VM the writer is (vm_name.h), or NULL when not resolved.
 * Both return the number of characters written (snprintf-style). */
/* Why the filter refused a write it could not judge ("value_unknown",
 * "unreadable_buffer", "undecodable_call"), or NULL. */
const char *cf_event_reason(const struct cf_event *e);
int cf_event_text(const struct cf_event *e, const struct cf_policy *policy,
		  long long boot_to_real_ns, const char *vm, char *buf, size_t len);
int cf_event_json(const struct cf_event *e, const struct cf_policy *policy,
		  long long boot_to_real_ns, const char *vm, char *buf, size_t len);

#endif
