// SPDX-License-Identifier: GPL-2.0
/* Event rendering: lib/event_fmt.c, with hand-built struct cf_event
 * values and the built-in seed policy. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "cfgfilter.h"
#include "event_fmt.h"
#include "policy.h"

/* 2023-11-14T22:13:20Z as CLOCK_REALTIME - CLOCK_BOOTTIME, and an event
 * 123.456789012 s after boot: 2023-11-14T22:15:23.456789Z. */
#define BOOT_TO_REAL_NS 1700000000000000000LL
#define EVENT_TS_NS 123456789012ULL
#define EVENT_TIME "2023-11-14T22:15:23.456789Z"

#define DEVCTL 0xe8 /* Express capability at 0xe0 */

static struct cf_policy seed;

static int group_setup(void **state)
{
	char err[256];

	if (cf_policy_parse(cf_default_policy, strlen(cf_default_policy), "builtin", &seed, err,
			    sizeof(err)))
		return -1;
	/* The tests below rely on this order: rule 0 MPS, rule 1 Phantom. */
	if (seed.nrules != 2 || seed.rules[0].mask != 0x00e0 || seed.rules[1].mask != 0x0200)
		return -1;
	return 0;
}

/* A guest wrote 0x72e0 to Device Control (MPS 111b, Phantom, MRRS 111b)
 * while vfio holds 0x0000 in the protected bits. */
static struct cf_event devctl_event(void)
{
	struct cf_event e;

	memset(&e, 0, sizeof(e));
	e.ts_boot_ns = EVENT_TS_NS;
	e.policy_hash = seed.hash;
	e.pid = 4242;
	e.tid = 4243;
	e.rules = 0x3;
	e.requested = 0x72e0;
	e.applied = 0x7000;
	e.bits = 0x02e0;
	e.write_offset = DEVCTL;
	e.write_len = 2;
	e.offset = DEVCTL;
	e.reg_offset = DEVCTL;
	e.vendor = 0x8086;
	e.device = 0x10d3;
	e.width = 2;
	e.reg_width = 2;
	e.action = CF_ACT_MASK;
	e.flags = 0;
	strcpy(e.comm, "qemu-system-x86");
	strcpy(e.dev, "0000:01:00.0");
	return e;
}

static void expect_names(const struct cf_event *e, const struct cf_policy *p, const char *want)
{
	char buf[512];

	memset(buf, 'x', sizeof(buf));
	cf_event_rule_names(e, p, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

/* ---- cf_event_rule_names ------------------------------------------------ */

static void test_names_mps_only_change_names_mps(void **state)
{
	struct cf_event e = devctl_event();

	e.bits = 0x0060;
	expect_names(&e, &seed, "pcie.devctl.mps");
}

static void test_names_phantom_only_change_names_phantom(void **state)
{
	struct cf_event e = devctl_event();

	e.bits = 0x0200;
	expect_names(&e, &seed, "pcie.devctl.phantom");
}

static void test_names_both_rules_in_policy_order(void **state)
{
	struct cf_event e = devctl_event();

	expect_names(&e, &seed, "pcie.devctl.mps,pcie.devctl.phantom");
}

static void test_names_high_byte_window_is_shifted(void **state)
{
	struct cf_event e = devctl_event();

	/* one-byte write to DEVCTL + 1: bit 1 there is register bit 9 */
	e.offset = DEVCTL + 1;
	e.width = 1;
	e.requested = 0x72;
	e.applied = 0x70;
	e.bits = 0x02;
	expect_names(&e, &seed, "pcie.devctl.phantom");
}

static void test_names_high_byte_window_bits_not_read_as_low_byte(void **state)
{
	struct cf_event e = devctl_event();

	/* 0xe0 in the high byte is register 0xe000 (MRRS/FLR), not MPS */
	e.offset = DEVCTL + 1;
	e.width = 1;
	e.bits = 0xe0;
	expect_names(&e, &seed, "");
}

static void test_names_low_byte_window(void **state)
{
	struct cf_event e = devctl_event();

	e.width = 1;
	e.bits = 0x20;
	expect_names(&e, &seed, "pcie.devctl.mps");
	e.bits = 0x02; /* register bit 1: neither rule */
	expect_names(&e, &seed, "");
}

static void test_names_limited_to_event_rule_bitmap(void **state)
{
	struct cf_event e = devctl_event();

	e.rules = 0x2;
	expect_names(&e, &seed, "pcie.devctl.phantom");
	e.rules = 0;
	expect_names(&e, &seed, "");
}

static void test_names_index_into_larger_policy(void **state)
{
	const char text[] = "mask pcie.devctl.phantom\nmask hdr.command.serr\nmask pcie.devctl.mps\n";
	struct cf_policy p;
	struct cf_event e = devctl_event();
	char err[256];

	assert_int_equal(cf_policy_parse(text, strlen(text), "t", &p, err, sizeof(err)), 0);
	/* sorted: 0 serr, 1 phantom, 2 mps */
	e.policy_hash = p.hash;
	e.rules = 0x6;
	e.bits = 0x0200;
	expect_names(&e, &p, "pcie.devctl.phantom");
	e.bits = 0x02e0;
	expect_names(&e, &p, "pcie.devctl.phantom,pcie.devctl.mps");
}

static void test_names_other_policy_hash_gives_indexes(void **state)
{
	struct cf_event e = devctl_event();

	e.policy_hash = seed.hash ^ 1;
	expect_names(&e, &seed, "rule#0,rule#1");
	e.bits = 0x0060; /* bits cannot be checked against an unknown policy */
	expect_names(&e, &seed, "rule#0,rule#1");
	e.rules = 0x5;
	expect_names(&e, &seed, "rule#0,rule#2");
}

static void test_names_null_policy_gives_indexes(void **state)
{
	struct cf_event e = devctl_event();

	expect_names(&e, NULL, "rule#0,rule#1");
	e.rules = 0x80000000u;
	expect_names(&e, NULL, "rule#31");
}

/* A short buffer holds whole names or none: a fragment would become an
 * entry of the JSON "rules" array. */
static void test_names_never_cut_mid_name(void **state)
{
	struct cf_event e = devctl_event();
	char buf[64];

	memset(buf, 'x', sizeof(buf));
	cf_event_rule_names(&e, &seed, buf, 8);
	assert_string_equal(buf, "");
	assert_int_equal(buf[1], 'x');
	/* room for the first name, not for ",pcie.devctl.phantom" */
	cf_event_rule_names(&e, &seed, buf, sizeof("pcie.devctl.mps") + 4);
	assert_string_equal(buf, "pcie.devctl.mps");
}

/* Every rule of a 32-rule policy, each with a longest name, fits the size
 * the formatters use. */
static void test_names_all_rules_fit_the_formatters_buffer(void **state)
{
	static struct cf_policy p;
	struct cf_event e = devctl_event();
	char buf[CF_RULE_NAMES_LEN];

	memset(&p, 0, sizeof(p));
	p.nrules = CF_MAX_RULES;
	p.hash = 7;
	for (int i = 0; i < CF_MAX_RULES; i++) {
		memset(p.rules[i].name, 'a' + i % 26, CF_NAME_LEN - 1);
		p.rules[i].mask = 0xffffffff;
	}
	e.policy_hash = 7;
	e.rules = 0xffffffff;
	cf_event_rule_names(&e, &p, buf, sizeof(buf));
	assert_int_equal(strlen(buf), CF_MAX_RULES * (CF_NAME_LEN - 1) + CF_MAX_RULES - 1);
}

/* ---- cf_event_json ------------------------------------------------------ */

static json_t *render_json(const struct cf_event *e, const struct cf_policy *p)
{
	char buf[2048];
	json_error_t jerr;
	json_t *o;
	int n = cf_event_json(e, p, BOOT_TO_REAL_NS, NULL, buf, sizeof(buf));

	assert_true(n > 0 && (size_t)n < sizeof(buf));
	assert_int_equal((size_t)n, strlen(buf));
	assert_null(strchr(buf, '\n')); /* one event, one line */
	o = json_loads(buf, 0, &jerr);
	if (!o)
		fail_msg("not JSON (%s): %s", jerr.text, buf);
	assert_true(json_is_object(o));
	return o;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		fail_msg("key '%s' missing or not a string", key);
	return json_string_value(v);
}

static json_int_t jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		fail_msg("key '%s' missing or not an integer", key);
	return json_integer_value(v);
}

static void expect_rules_array(json_t *o, const char *const *names, size_t n)
{
	json_t *a = json_object_get(o, "rules");

	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), n);
	for (size_t i = 0; i < n; i++) {
		assert_true(json_is_string(json_array_get(a, i)));
		assert_string_equal(json_string_value(json_array_get(a, i)), names[i]);
	}
}

static void test_json_identity_fields(void **state)
{
	struct cf_event e = devctl_event();
	json_t *o = render_json(&e, &seed);

	assert_string_equal(jstr(o, "device"), "0000:01:00.0");
	assert_string_equal(jstr(o, "vendor"), "0x8086");
	assert_string_equal(jstr(o, "device_id"), "0x10d3");
	assert_int_equal(jint(o, "pid"), 4242);
	assert_int_equal(jint(o, "tid"), 4243);
	assert_string_equal(jstr(o, "comm"), "qemu-system-x86");
	json_decref(o);
}

static void test_json_write_fields(void **state)
{
	struct cf_event e = devctl_event();
	json_t *o = render_json(&e, &seed);

	assert_string_equal(jstr(o, "offset"), "0x00e8");
	assert_int_equal(jint(o, "width"), 2);
	assert_string_equal(jstr(o, "requested"), "0x72e0");
	assert_string_equal(jstr(o, "applied"), "0x7000");
	assert_string_equal(jstr(o, "bits"), "0x02e0");
	assert_string_equal(jstr(o, "register"), "0x00e8");
	assert_string_equal(jstr(o, "write_offset"), "0x00e8");
	assert_int_equal(jint(o, "write_len"), 2);
	json_decref(o);
}

static void test_json_rule_action_and_result(void **state)
{
	static const char *const names[] = { "pcie.devctl.mps", "pcie.devctl.phantom" };
	struct cf_event e = devctl_event();
	json_t *o = render_json(&e, &seed);
	char hash[24];

	assert_string_equal(jstr(o, "rule"), "pcie.devctl.mps,pcie.devctl.phantom");
	expect_rules_array(o, names, 2);
	assert_string_equal(jstr(o, "action"), "mask");
	assert_string_equal(jstr(o, "result"), "filtered");
	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)seed.hash);
	assert_string_equal(jstr(o, "policy_hash"), hash);
	json_decref(o);
}

static void test_json_time(void **state)
{
	struct cf_event e = devctl_event();
	json_t *o = render_json(&e, &seed);
	const char *t = jstr(o, "time");

	assert_string_equal(t, EVENT_TIME);
	assert_int_equal(t[strlen(t) - 1], 'Z');
	assert_int_equal(jint(o, "ts_boot_ns"), (json_int_t)EVENT_TS_NS);
	json_decref(o);
}

static void test_json_rewrite_failed_result(void **state)
{
	struct cf_event e = devctl_event();
	json_t *o;

	e.flags = CF_EV_REWRITE_FAILED;
	e.applied = e.requested; /* what the data plane reports then */
	o = render_json(&e, &seed);
	assert_string_equal(jstr(o, "result"), "rewrite_failed");
	assert_string_equal(jstr(o, "applied"), "0x72e0");
	json_decref(o);
}

/* What the bits were judged against: the device, or nothing (unknown). */
static void test_json_judged_against(void **state)
{
	static const struct {
		__u8 flags;
		const char *result, *against;
	} cases[] = {
		{ 0, "filtered", "device" },
		{ CF_EV_HW_UNKNOWN, "filtered", "unknown" },
		{ CF_EV_RACE, "race", "device" },
		{ CF_EV_RACE | CF_EV_HW_UNKNOWN, "unverified", "unknown" },
		{ CF_EV_REWRITE_FAILED | CF_EV_HW_UNKNOWN, "rewrite_failed", "unknown" },
		{ CF_EV_REFUSED | CF_EV_HW_UNKNOWN, "refused", "unknown" },
		{ CF_EV_REFUSED | CF_EV_UNREADABLE, "refused", "device" },
		{ CF_EV_REFUSED | CF_EV_UNDECODABLE, "refused", "device" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cf_event e = devctl_event();
		json_t *o;

		e.flags = cases[i].flags;
		o = render_json(&e, &seed);
		assert_string_equal(jstr(o, "result"), cases[i].result);
		assert_string_equal(jstr(o, "judged_against"), cases[i].against);
		json_decref(o);
	}
}

/* A refused write names its reason, in JSON and in text. */
static void test_refused_reason(void **state)
{
	static const struct {
		__u8 flags;
		const char *reason, *text;
	} cases[] = {
		{ CF_EV_REFUSED | CF_EV_HW_UNKNOWN, "value_unknown", "REFUSED (EPERM): the device's value" },
		{ CF_EV_REFUSED | CF_EV_UNREADABLE, "unreadable_buffer", "REFUSED (EPERM): the writer's buffer" },
		{ CF_EV_REFUSED | CF_EV_UNDECODABLE, "undecodable_call", "REFUSED (EPERM): a call" },
		{ CF_EV_REFUSED | CF_EV_REWRITE_FAILED, "unwritable_buffer",
		  "REFUSED (EPERM): the writer's buffer could not be rewritten" },
	};
	char buf[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cf_event e = devctl_event();
		json_t *o;

		e.flags = cases[i].flags;
		o = render_json(&e, &seed);
		assert_string_equal(jstr(o, "result"), "refused");
		assert_string_equal(jstr(o, "reason"), cases[i].reason);
		json_decref(o);
		cf_event_text(&e, &seed, BOOT_TO_REAL_NS, NULL, buf, sizeof(buf));
		assert_non_null(strstr(buf, cases[i].text));
	}
	{
		struct cf_event e = devctl_event();
		json_t *o = render_json(&e, &seed);

		assert_null(json_object_get(o, "reason"));
		json_decref(o);
	}
}

/* A race under on_violation kill says the writer was killed; not under
 * another policy, not for an unverified write. */
static void test_race_writer_killed(void **state)
{
	struct cf_policy kill = seed;
	struct cf_event e = devctl_event();
	char buf[512];
	json_t *o;

	kill.flags |= CF_POL_KILL;
	e.policy_hash = kill.hash;
	e.flags = CF_EV_RACE;
	o = render_json(&e, &kill);
	assert_true(json_is_true(json_object_get(o, "writer_killed")));
	json_decref(o);
	cf_event_text(&e, &kill, BOOT_TO_REAL_NS, NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "(writer killed: on_violation kill)"));
	o = render_json(&e, &seed); /* the policy does not kill */
	assert_null(json_object_get(o, "writer_killed"));
	json_decref(o);
	e.flags = CF_EV_RACE | CF_EV_HW_UNKNOWN;
	o = render_json(&e, &kill);
	assert_null(json_object_get(o, "writer_killed"));
	json_decref(o);
}

static void test_text_says_when_device_value_unknown(void **state)
{
	struct cf_event e = devctl_event();
	char buf[512];

	cf_event_text(&e, &seed, BOOT_TO_REAL_NS, NULL, buf, sizeof(buf));
	assert_null(strstr(buf, "device value unknown"));
	e.flags = CF_EV_HW_UNKNOWN;
	cf_event_text(&e, &seed, BOOT_TO_REAL_NS, NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "(device value unknown: those bits left to the bus check)"));
	e.flags = CF_EV_RACE | CF_EV_HW_UNKNOWN;
	cf_event_text(&e, &seed, BOOT_TO_REAL_NS, NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "UNVERIFIED: written to the device; its value before was not known"));
	assert_null(strstr(buf, "judged against"));
}

/* The bus write hook found no plan for a policy applied during the write
 * (it compiles none under pci_lock): no rule, and the text says why. */
static void test_unchecked_write_says_policy_changed(void **state)
{
	struct cf_event e = devctl_event();
	char buf[512];
	json_t *o;

	e.flags = CF_EV_RACE | CF_EV_HW_UNKNOWN;
	o = render_json(&e, &seed);
	assert_null(json_object_get(o, "reason"));
	json_decref(o);
	e.rules = 0;
	e.bits = 0;
	cf_event_text(&e, &seed, BOOT_TO_REAL_NS, NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "UNVERIFIED: written to the device unchecked; a policy was "
				    "applied during the write"));
	o = render_json(&e, &seed);
	assert_string_equal(jstr(o, "result"), "unverified");
	assert_string_equal(jstr(o, "reason"), "policy_changed");
	assert_int_equal(json_array_size(json_object_get(o, "rules")), 0);
	json_decref(o);
}

static void test_json_one_byte_values_have_two_digits(void **state)
{
	static const char *const names[] = { "pcie.devctl.phantom" };
	struct cf_event e = devctl_event();
	json_t *o;

	e.offset = DEVCTL + 1;
	e.width = 1;
	e.requested = 0x72;
	e.applied = 0x70;
	e.bits = 0x02;
	e.write_offset = DEVCTL + 1;
	e.write_len = 1;
	o = render_json(&e, &seed);
	assert_string_equal(jstr(o, "offset"), "0x00e9");
	assert_int_equal(jint(o, "width"), 1);
	assert_string_equal(jstr(o, "requested"), "0x72");
	assert_string_equal(jstr(o, "applied"), "0x70");
	assert_string_equal(jstr(o, "bits"), "0x02");
	assert_string_equal(jstr(o, "register"), "0x00e8");
	assert_string_equal(jstr(o, "rule"), "pcie.devctl.phantom");
	expect_rules_array(o, names, 1);
	json_decref(o);
}

static void test_json_four_byte_values_have_eight_digits(void **state)
{
	struct cf_event e = devctl_event();
	json_t *o;

	e.width = 4;
	e.write_len = 4;
	e.requested = 0x000072e0;
	e.applied = 0x00007000;
	e.bits = 0x000002e0;
	o = render_json(&e, &seed);
	assert_string_equal(jstr(o, "requested"), "0x000072e0");
	assert_string_equal(jstr(o, "applied"), "0x00007000");
	assert_string_equal(jstr(o, "bits"), "0x000002e0");
	json_decref(o);
}

static void test_json_other_policy_names_rules_by_index(void **state)
{
	static const char *const names[] = { "rule#0", "rule#1" };
	struct cf_event e = devctl_event();
	json_t *o;

	e.policy_hash = seed.hash + 1;
	o = render_json(&e, &seed);
	assert_string_equal(jstr(o, "rule"), "rule#0,rule#1");
	expect_rules_array(o, names, 2);
	json_decref(o);
}

static void test_json_no_matching_rule_gives_empty_list(void **state)
{
	struct cf_event e = devctl_event();
	json_t *o;

	e.bits = 0x7000; /* MRRS: not in the seed policy */
	o = render_json(&e, &seed);
	assert_string_equal(jstr(o, "rule"), "");
	expect_rules_array(o, NULL, 0);
	json_decref(o);
}

static void test_json_full_width_comm_and_dev_without_nul(void **state)
{
	struct cf_event e = devctl_event();
	json_t *o;

	memcpy(e.comm, "0123456789abcdef", CF_COMM_LEN);
	memcpy(e.dev, "ffff:ff:1f.7-xyz", CF_DEV_LEN);
	o = render_json(&e, &seed);
	assert_string_equal(jstr(o, "comm"), "0123456789abcdef");
	assert_string_equal(jstr(o, "device"), "ffff:ff:1f.7-xyz");
	json_decref(o);
}

static void test_json_escapes_quotes_in_comm(void **state)
{
	struct cf_event e = devctl_event();
	json_t *o;

	strcpy(e.comm, "a\"b\\c\td");
	o = render_json(&e, &seed);
	assert_string_equal(jstr(o, "comm"), "a\"b\\c\td");
	json_decref(o);
}

static void test_json_short_buffer_returns_needed_length(void **state)
{
	struct cf_event e = devctl_event();
	char full[2048], small[16];
	int n = cf_event_json(&e, &seed, BOOT_TO_REAL_NS, NULL, full, sizeof(full));
	int m;

	memset(small, 'x', sizeof(small));
	m = cf_event_json(&e, &seed, BOOT_TO_REAL_NS, NULL, small, 10);
	assert_int_equal(m, n);
	assert_int_equal(strlen(small), 9);
	assert_memory_equal(small, full, 9);
	assert_int_equal(small[10], 'x');
}

static void test_names_every_rule_of_one_register(void **state)
{
	static const char *const fields[] = {
		"correctable_report", "nonfatal_report", "fatal_report", "unsupported_report",
		"relaxed_ordering", "mps", "ext_tag", "phantom", "aux_pm", "no_snoop", "mrrs", "flr",
	};
	char text[1024] = "mask pcie.devctl\n", want[1024] = "pcie.devctl", err[256];
	struct cf_event e = devctl_event();
	struct cf_policy p;
	json_t *o;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "mask pcie.devctl.%s\n",
			 fields[i]);
		snprintf(want + strlen(want), sizeof(want) - strlen(want), ",pcie.devctl.%s",
			 fields[i]);
	}
	assert_int_equal(cf_policy_parse(text, strlen(text), "t", &p, err, sizeof(err)), 0);
	assert_int_equal(p.nrules, 13);
	e.policy_hash = p.hash;
	e.rules = (1u << 13) - 1;
	e.bits = 0xffff;
	expect_names(&e, &p, want);
	o = render_json(&e, &p);
	assert_string_equal(jstr(o, "rule"), want);
	assert_int_equal(json_array_size(json_object_get(o, "rules")), 13);
	json_decref(o);
}

/* ---- cf_event_text ------------------------------------------------------- */

static void test_text_whole_line(void **state)
{
	struct cf_event e = devctl_event();
	char buf[512];
	int n = cf_event_text(&e, &seed, BOOT_TO_REAL_NS, NULL, buf, sizeof(buf));

	assert_string_equal(buf, EVENT_TIME " 0000:01:00.0 [8086:10d3] pid 4242 (qemu-system-x86) "
				 "mask pcie.devctl.mps,pcie.devctl.phantom: offset 0x0e8 width 2 "
				 "requested 0x72e0 applied 0x7000 bits 0x02e0");
	assert_int_equal((size_t)n, strlen(buf));
}

static void test_text_key_phrases(void **state)
{
	struct cf_event e = devctl_event();
	char buf[512];

	cf_event_text(&e, &seed, BOOT_TO_REAL_NS, NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "0000:01:00.0"));
	assert_non_null(strstr(buf, "requested 0x72e0 applied 0x7000 bits 0x02e0"));
	assert_null(strstr(buf, "REWRITE FAILED"));
	assert_null(strchr(buf, '\n'));
}

static void test_text_rewrite_failed(void **state)
{
	struct cf_event e = devctl_event();
	const char *tail = " REWRITE FAILED: write not filtered";
	char buf[512];
	size_t n;

	e.flags = CF_EV_REWRITE_FAILED;
	e.applied = e.requested;
	cf_event_text(&e, &seed, BOOT_TO_REAL_NS, NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "REWRITE FAILED"));
	assert_non_null(strstr(buf, "requested 0x72e0 applied 0x72e0 bits 0x02e0"));
	n = strlen(buf);
	assert_true(n > strlen(tail));
	assert_string_equal(buf + n - strlen(tail), tail);
}

static void test_text_one_byte_write(void **state)
{
	struct cf_event e = devctl_event();
	char buf[512];

	e.offset = DEVCTL + 1;
	e.width = 1;
	e.requested = 0x72;
	e.applied = 0x70;
	e.bits = 0x02;
	cf_event_text(&e, &seed, BOOT_TO_REAL_NS, NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, " mask pcie.devctl.phantom: offset 0x0e9 width 1 "
				    "requested 0x72 applied 0x70 bits 0x02"));
}

static void test_text_other_policy(void **state)
{
	struct cf_event e = devctl_event();
	char buf[512];

	cf_event_text(&e, NULL, BOOT_TO_REAL_NS, NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, " mask rule#0,rule#1: offset 0x0e8 "));
}

/* ---- dates ---------------------------------------------------------------- */

static void expect_time(__u64 ts, long long boot_to_real, const char *want)
{
	struct cf_event e = devctl_event();
	char buf[512];

	e.ts_boot_ns = ts;
	cf_event_text(&e, &seed, boot_to_real, NULL, buf, sizeof(buf));
	if (strncmp(buf, want, strlen(want)) || buf[strlen(want)] != ' ')
		fail_msg("time: got '%s', want '%s ...'", buf, want);
}

static void test_time_of_chosen_event(void **state)
{
	expect_time(EVENT_TS_NS, BOOT_TO_REAL_NS, EVENT_TIME);
}

static void test_time_microseconds_zero_padded(void **state)
{
	expect_time(1000, 0, "1970-01-01T00:00:00.000001Z");
	expect_time(0, 0, "1970-01-01T00:00:00.000000Z");
}

static void test_time_sub_microsecond_truncated(void **state)
{
	expect_time(999999999ULL, 86400LL * 1000000000LL, "1970-01-02T00:00:00.999999Z");
}

static void test_time_leap_day(void **state)
{
	/* 2024-02-29T12:00:00Z is 1709208000 */
	expect_time(5000000000ULL, 1709208000LL * 1000000000LL - 5000000000LL + 250000000LL,
		    "2024-02-29T12:00:00.250000Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_mps_only_change_names_mps),
		cmocka_unit_test(test_names_phantom_only_change_names_phantom),
		cmocka_unit_test(test_names_both_rules_in_policy_order),
		cmocka_unit_test(test_names_high_byte_window_is_shifted),
		cmocka_unit_test(test_names_high_byte_window_bits_not_read_as_low_byte),
		cmocka_unit_test(test_names_low_byte_window),
		cmocka_unit_test(test_names_limited_to_event_rule_bitmap),
		cmocka_unit_test(test_names_index_into_larger_policy),
		cmocka_unit_test(test_names_other_policy_hash_gives_indexes),
		cmocka_unit_test(test_names_null_policy_gives_indexes),
		cmocka_unit_test(test_names_never_cut_mid_name),
		cmocka_unit_test(test_names_all_rules_fit_the_formatters_buffer),
		cmocka_unit_test(test_json_identity_fields),
		cmocka_unit_test(test_json_write_fields),
		cmocka_unit_test(test_json_rule_action_and_result),
		cmocka_unit_test(test_json_time),
		cmocka_unit_test(test_json_rewrite_failed_result),
		cmocka_unit_test(test_json_judged_against),
		cmocka_unit_test(test_refused_reason),
		cmocka_unit_test(test_race_writer_killed),
		cmocka_unit_test(test_text_says_when_device_value_unknown),
		cmocka_unit_test(test_unchecked_write_says_policy_changed),
		cmocka_unit_test(test_json_one_byte_values_have_two_digits),
		cmocka_unit_test(test_json_four_byte_values_have_eight_digits),
		cmocka_unit_test(test_json_other_policy_names_rules_by_index),
		cmocka_unit_test(test_json_no_matching_rule_gives_empty_list),
		cmocka_unit_test(test_json_full_width_comm_and_dev_without_nul),
		cmocka_unit_test(test_json_escapes_quotes_in_comm),
		cmocka_unit_test(test_json_short_buffer_returns_needed_length),
		cmocka_unit_test(test_names_every_rule_of_one_register),
		cmocka_unit_test(test_text_whole_line),
		cmocka_unit_test(test_text_key_phrases),
		cmocka_unit_test(test_text_rewrite_failed),
		cmocka_unit_test(test_text_one_byte_write),
		cmocka_unit_test(test_text_other_policy),
		cmocka_unit_test(test_time_of_chosen_event),
		cmocka_unit_test(test_time_microseconds_zero_padded),
		cmocka_unit_test(test_time_sub_microsecond_truncated),
		cmocka_unit_test(test_time_leap_day),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
