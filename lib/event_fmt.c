// SPDX-License-Identifier: GPL-2.0
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "event_fmt.h"
#include "fmt.h"
#include "policy.h"

void cf_event_rule_names(const struct cf_event *e, const struct cf_policy *policy, char *buf,
			 size_t len)
{
	int known = policy && policy->hash == e->policy_hash;
	unsigned int shift = e->offset >= e->reg_offset ? 8 * (e->offset - e->reg_offset) : 0;
	__u32 reg_bits = shift < 32 ? e->bits << shift : 0;
	size_t used = 0;

	if (!len)
		return;
	buf[0] = 0;
	for (unsigned int i = 0; i < CF_MAX_RULES; i++) {
		char index[16];
		const char *name = index;
		size_t need;

		if (!(e->rules & (1u << i)))
			continue;
		if (known && !(policy->rules[i].mask & reg_bits))
			continue; /* on this register, but its bits were left alone */
		if (known)
			name = policy->rules[i].name;
		else
			snprintf(index, sizeof(index), "rule#%u", i);
		need = (used ? 1 : 0) + strnlen(name, CF_NAME_LEN);
		if (used + need >= len)
			break;
		used += snprintf(buf + used, len - used, "%s%.*s", used ? "," : "", CF_NAME_LEN, name);
	}
}

static void iso_time(const struct cf_event *e, long long boot_to_real_ns, char *buf, size_t len)
{
	long long ns = (long long)e->ts_boot_ns + boot_to_real_ns;
	time_t sec = ns / 1000000000LL;
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (ns % 1000000000LL) / 1000);
}

/* The event's strings, NUL-terminated and rendered, for both formats. */
struct strings {
	char ts[64], rules[CF_RULE_NAMES_LEN], comm[CF_COMM_LEN + 1], dev[CF_DEV_LEN + 1];
};

static void strings_of(const struct cf_event *e, const struct cf_policy *policy,
		       long long boot_to_real_ns, struct strings *t)
{
	iso_time(e, boot_to_real_ns, t->ts, sizeof(t->ts));
	cf_event_rule_names(e, policy, t->rules, sizeof(t->rules));
	memcpy(t->comm, e->comm, CF_COMM_LEN);
	t->comm[CF_COMM_LEN] = 0;
	memcpy(t->dev, e->dev, CF_DEV_LEN);
	t->dev[CF_DEV_LEN] = 0;
}

/* Was the writer killed for it (on_violation kill, a race under the
 * policy the event names)? */
static int writer_killed(const struct cf_event *e, const struct cf_policy *policy)
{
	return (e->flags & CF_EV_RACE) && !(e->flags & CF_EV_HW_UNKNOWN) && policy &&
	       (policy->flags & CF_POL_KILL) && policy->hash == e->policy_hash;
}

/* Why the filter refused a write it could not judge, or NULL. */
const char *cf_event_reason(const struct cf_event *e)
{
	if (!(e->flags & CF_EV_REFUSED))
		return NULL;
	if (e->flags & CF_EV_UNDECODABLE)
		return "undecodable_call";
	if (e->flags & CF_EV_UNREADABLE)
		return "unreadable_buffer";
	if (e->flags & CF_EV_REWRITE_FAILED)
		return "unwritable_buffer";
	return "value_unknown";
}

/* A vfio write not checked at all: a policy was applied while it was in
 * flight, and no plan for the new one was compiled yet (the bus write
 * hook, under pci_lock, compiles none). No rule, no bits. */
static int unchecked(const struct cf_event *e)
{
	return (e->flags & CF_EV_RACE) && (e->flags & CF_EV_HW_UNKNOWN) && !e->rules;
}

static const char *result(const struct cf_event *e)
{
	if (e->flags & CF_EV_REFUSED)
		return "refused";
	if ((e->flags & CF_EV_RACE) && (e->flags & CF_EV_HW_UNKNOWN))
		return "unverified";
	if (e->flags & CF_EV_RACE)
		return "race";
	if (e->flags & CF_EV_REWRITE_FAILED)
		return "rewrite_failed";
	if (e->flags & CF_EV_DENY_FALLBACK)
		return "masked_deny_fallback";
	switch (e->action) {
	case CF_ACT_DENY:
		return "denied";
	case CF_ACT_AUDIT:
		return "allowed";
	case CF_ACT_VIRTUALIZE:
		return "virtualized";
	}
	return "filtered";
}

long long cf_clock_ns(int clock_id)
{
	struct timespec ts;

	clock_gettime(clock_id, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int cf_event_text(const struct cf_event *e, const struct cf_policy *policy,
		  long long boot_to_real_ns, const char *vm, char *buf, size_t len)
{
	struct strings t;

	strings_of(e, policy, boot_to_real_ns, &t);
	if (cf_event_reason(e))
		return snprintf(buf, len,
				"%s %s [%04x:%04x] pid %u (%s)%s%s %s %s: offset 0x%03x width %u "
				"REFUSED (EPERM): %s",
				t.ts, t.dev, e->vendor, e->device, e->pid, t.comm, vm ? " vm " : "",
				vm ? vm : "", cf_action_name(e->action),
				e->flags & CF_EV_UNDECODABLE ? "-" : t.rules, e->offset, e->width,
				e->flags & CF_EV_UNDECODABLE
					? "a call the filter cannot decode (ABI, iovec count or io_uring opcode)"
				: e->flags & CF_EV_UNREADABLE
					? "the writer's buffer could not be read"
				: e->flags & CF_EV_REWRITE_FAILED
					? "the writer's buffer could not be rewritten (read-only)"
					: "the device's value of the protected bits is not known");
	return snprintf(buf, len,
			"%s %s [%04x:%04x] pid %u (%s)%s%s %s %s: offset 0x%03x width %u "
			"requested 0x%0*x applied 0x%0*x bits 0x%0*x%s%s%s",
			t.ts, t.dev, e->vendor, e->device, e->pid, t.comm, vm ? " vm " : "", vm ? vm : "",
			cf_action_name(e->action), t.rules,
			e->offset, e->width, e->width * 2, e->requested, e->width * 2, e->applied,
			e->width * 2, e->bits,
			unchecked(e)
				? " UNVERIFIED: written to the device unchecked; a policy was applied "
				  "during the write"
			: (e->flags & CF_EV_RACE) && (e->flags & CF_EV_HW_UNKNOWN)
				? " UNVERIFIED: written to the device; its value before was not known"
			: e->flags & CF_EV_RACE ? " RACE: the writer changed its buffer after the check; this reached the device"
			: e->flags & CF_EV_REWRITE_FAILED ? " REWRITE FAILED: write not filtered"
			: e->flags & CF_EV_DENY_FALLBACK ? " (deny hook not on this write path: masked)"
			: e->action == CF_ACT_DENY ? " DENIED (EPERM)" : "",
			(e->flags & CF_EV_HW_UNKNOWN) && !(e->flags & CF_EV_RACE)
				? " (device value unknown: those bits left to the bus check)" : "",
			writer_killed(e, policy) ? " (writer killed: on_violation kill)" : "");
}

int cf_event_json(const struct cf_event *e, const struct cf_policy *policy,
		  long long boot_to_real_ns, const char *vm, char *buf, size_t len)
{
	json_t *o = json_object(), *names = json_array();
	char h[24], *s, *save = NULL, *tok;
	struct strings t;
	int n;

	strings_of(e, policy, boot_to_real_ns, &t);

	json_object_set_new(o, "time", json_string(t.ts));
	json_object_set_new(o, "ts_boot_ns", json_integer((json_int_t)e->ts_boot_ns));
	json_object_set_new(o, "device", json_string(t.dev));
	cf_hex(h, sizeof(h), e->vendor, 2);
	json_object_set_new(o, "vendor", json_string(h));
	cf_hex(h, sizeof(h), e->device, 2);
	json_object_set_new(o, "device_id", json_string(h));
	json_object_set_new(o, "pid", json_integer(e->pid));
	json_object_set_new(o, "tid", json_integer(e->tid));
	json_object_set_new(o, "comm", json_string(t.comm));
	if (vm)
		json_object_set_new(o, "vm", json_string(vm));
	cf_hex(h, sizeof(h), e->offset, 2);
	json_object_set_new(o, "offset", json_string(h));
	json_object_set_new(o, "width", json_integer(e->width));
	cf_hex(h, sizeof(h), e->requested, e->width);
	json_object_set_new(o, "requested", json_string(h));
	cf_hex(h, sizeof(h), e->applied, e->width);
	json_object_set_new(o, "applied", json_string(h));
	cf_hex(h, sizeof(h), e->bits, e->width);
	json_object_set_new(o, "bits", json_string(h));
	json_object_set_new(o, "rule", json_string(t.rules));
	for (tok = strtok_r(t.rules, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		json_array_append_new(names, json_string(tok));
	json_object_set_new(o, "rules", names);
	json_object_set_new(o, "action", json_string(cf_action_name(e->action)));
	json_object_set_new(o, "result", json_string(result(e)));
	if (cf_event_reason(e))
		json_object_set_new(o, "reason", json_string(cf_event_reason(e)));
	else if (unchecked(e))
		json_object_set_new(o, "reason", json_string("policy_changed"));
	if (writer_killed(e, policy))
		json_object_set_new(o, "writer_killed", json_true());
	cf_hex(h, sizeof(h), e->reg_offset, 2);
	json_object_set_new(o, "register", json_string(h));
	cf_hex(h, sizeof(h), e->write_offset, 2);
	json_object_set_new(o, "write_offset", json_string(h));
	json_object_set_new(o, "write_len", json_integer(e->write_len));
	snprintf(h, sizeof(h), "%016llx", (unsigned long long)e->policy_hash);
	json_object_set_new(o, "policy_hash", json_string(h));
	/* what "bits" was measured against: the device; "unknown" where its
	 * value was not known (vfio's copy never stands in for it) */
	json_object_set_new(o, "judged_against", json_string(e->flags & CF_EV_HW_UNKNOWN
								 ? "unknown" : "device"));

	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		return snprintf(buf, len, "{}");
	n = snprintf(buf, len, "%s", s);
	free(s);
	return n;
}
