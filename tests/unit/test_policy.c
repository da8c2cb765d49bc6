// SPDX-License-Identifier: GPL-2.0
/* Policy parser: lib/policy.c through cf_policy_parse,
 * cf_policy_load_file, cf_selector_text and cf_policy_describe. Run with the
 * repository root as the working directory (policy/default.policy is read
 * by relative path). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cfgfilter.h"
#include "policy.h"
#include "regnames.h"

#define ERRLEN 512
#define FNAME "t.policy"

/* ---- helpers ---------------------------------------------------------- */

static int parse_text(const char *text, struct cf_policy *p, char *err)
{
	err[0] = 0;
	return cf_policy_parse(text, strlen(text), FNAME, p, err, ERRLEN);
}

static void parse_ok(const char *text, struct cf_policy *p)
{
	char err[ERRLEN];

	if (parse_text(text, p, err))
		fail_msg("policy rejected: %s\n--- text ---\n%s", err, text);
}

/* The parse must fail; err must start with exactly `prefix` and contain
 * each of the NULL-terminated phrases. */
static void expect_error_n(const char *text, size_t len, const char *prefix, ...)
{
	struct cf_policy p;
	char err[ERRLEN];
	const char *phrase;
	va_list ap;

	err[0] = 0;
	if (cf_policy_parse(text, len, FNAME, &p, err, ERRLEN) != -1)
		fail_msg("policy accepted, expected error '%s...'", prefix);
	if (strncmp(err, prefix, strlen(prefix)))
		fail_msg("error '%s' does not start with '%s'", err, prefix);
	va_start(ap, prefix);
	while ((phrase = va_arg(ap, const char *)))
		if (!strstr(err, phrase)) {
			va_end(ap);
			fail_msg("error '%s' lacks '%s'", err, phrase);
		}
	va_end(ap);
}

#define expect_error(text, prefix, ...) expect_error_n(text, strlen(text), prefix, __VA_ARGS__)

/* The parse must fail with exactly this message. */
static void expect_error_is(const char *text, const char *want)
{
	struct cf_policy p;
	char err[ERRLEN];

	if (parse_text(text, &p, err) != -1)
		fail_msg("policy accepted, expected error '%s'\n--- text ---\n%s", want, text);
	if (strcmp(err, want))
		fail_msg("error '%s'\n  expected '%s'\n--- text ---\n%s", err, want, text);
}

static void expect_rule_act(const struct cf_rule *r, const char *name, __u8 action, __u8 anchor,
			    __u16 cap_id, __u16 offset, __u8 width, __u32 mask)
{
	assert_string_equal(r->name, name);
	assert_int_equal(r->action, action);
	assert_int_equal(r->anchor, anchor);
	assert_int_equal(r->cap_id, cap_id);
	assert_int_equal(r->offset, offset);
	assert_int_equal(r->width, width);
	assert_int_equal(r->mask, mask);
}

static void expect_rule(const struct cf_rule *r, const char *name, __u8 anchor, __u16 cap_id,
			__u16 offset, __u8 width, __u32 mask)
{
	expect_rule_act(r, name, CF_ACT_MASK, anchor, cap_id, offset, width, mask);
}

static void expect_sel(const struct cf_rule *r, __u8 selector, __u32 value, __u32 mask,
		       const char *bdf)
{
	assert_int_equal(r->selector, selector);
	assert_int_equal(r->sel_value, value);
	assert_int_equal(r->sel_mask, mask);
	assert_string_equal(r->sel_bdf, bdf);
}

/* Parse one rule; return it. */
static struct cf_rule one_rule(const char *text)
{
	struct cf_policy p;

	parse_ok(text, &p);
	if (p.nrules != 1)
		fail_msg("%u rules from '%s', expected 1", p.nrules, text);
	return p.rules[0];
}

/* Write len bytes to a new temporary file; returns its path (malloc'd). */
static char *temp_file(const void *data, size_t len)
{
	char *path = strdup("/tmp/cf-test-policy-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, (const char *)data + done, len - done);
		assert_true(n > 0);
		done += (size_t)n;
	}
	assert_int_equal(close(fd), 0);
	return path;
}

static void remove_temp(char *path)
{
	unlink(path);
	free(path);
}

static struct cf_policy default_policy(void)
{
	struct cf_policy p;

	parse_ok(cf_default_policy, &p);
	return p;
}

/* ---- the seed policy ---------------------------------------------------- */

static void test_builtin_default_policy_has_mps_and_phantom(void **state)
{
	struct cf_policy p = default_policy();

	assert_int_equal(p.nrules, 2);
	expect_rule(&p.rules[0], "pcie.devctl.mps", CF_ANCHOR_CAP, CF_PCI_CAP_ID_EXP, 0x08, 2,
		    0x00e0);
	expect_rule(&p.rules[1], "pcie.devctl.phantom", CF_ANCHOR_CAP, CF_PCI_CAP_ID_EXP, 0x08,
		    2, 0x0200);
	assert_true(p.hash != 0);
}

static void test_shipped_default_policy_file_matches_builtin(void **state)
{
	struct cf_policy builtin = default_policy(), file;
	char err[ERRLEN] = "";

	if (cf_policy_load_file("policy/default.policy", &file, err, sizeof(err)))
		fail_msg("policy/default.policy: %s", err);
	assert_int_equal(file.nrules, builtin.nrules);
	assert_memory_equal(file.rules, builtin.rules, builtin.nrules * sizeof(builtin.rules[0]));
	assert_true(file.hash == builtin.hash);
}

static void test_loaded_temp_file_matches_parsed_text(void **state)
{
	const char text[] = "mask hdr.command.bus_master\nmask pcie.lnkctl.aspm\n";
	struct cf_policy a, b;
	char err[ERRLEN] = "";
	char *path = temp_file(text, strlen(text));

	parse_ok(text, &a);
	if (cf_policy_load_file(path, &b, err, sizeof(err)))
		fail_msg("%s", err);
	remove_temp(path);
	assert_int_equal(b.nrules, 2);
	assert_true(a.hash == b.hash);
	assert_memory_equal(a.rules, b.rules, 2 * sizeof(a.rules[0]));
}

/* ---- layout of the text --------------------------------------------------- */

static void test_comments_and_blank_lines_are_ignored(void **state)
{
	struct cf_policy d = default_policy(), p;

	parse_ok("# header comment\n"
		 "\n"
		 "   # indented comment\n"
		 "   \n"
		 "mask pcie.devctl.mps\n"
		 "#mask hdr.command\n"
		 "\n"
		 "mask pcie.devctl.phantom\n"
		 "# trailing comment\n",
		 &p);
	assert_int_equal(p.nrules, 2);
	assert_true(p.hash == d.hash);
}

static void test_crlf_line_ends_are_accepted(void **state)
{
	struct cf_policy d = default_policy(), p;

	parse_ok("# dos file\r\nmask pcie.devctl.mps\r\n\r\nmask pcie.devctl.phantom\r\n", &p);
	assert_int_equal(p.nrules, 2);
	assert_string_equal(p.rules[0].name, "pcie.devctl.mps");
	assert_string_equal(p.rules[1].name, "pcie.devctl.phantom");
	assert_true(p.hash == d.hash);
}

static void test_tabs_separate_words(void **state)
{
	struct cf_policy d = default_policy(), p;

	parse_ok("\tmask\tpcie.devctl.mps\t\n \t mask \t\t pcie.devctl.phantom \t", &p);
	assert_true(p.hash == d.hash);
}

static void test_trailing_comment_after_rule(void **state)
{
	struct cf_policy d = default_policy(), p;

	parse_ok("mask pcie.devctl.mps   # the seed\nmask pcie.devctl.phantom# no space\n", &p);
	assert_int_equal(p.nrules, 2);
	assert_string_equal(p.rules[1].name, "pcie.devctl.phantom");
	assert_true(p.hash == d.hash);
}

static void test_last_line_without_newline(void **state)
{
	struct cf_policy d = default_policy(), p;

	parse_ok("mask pcie.devctl.mps\nmask pcie.devctl.phantom", &p);
	assert_true(p.hash == d.hash);
}

static void test_text_need_not_be_nul_terminated(void **state)
{
	const char text[] = "mask pcie.devctl.mpsXXXX"; /* only the first 20 bytes count */
	struct cf_policy p;
	char err[ERRLEN] = "";

	if (cf_policy_parse(text, 20, FNAME, &p, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(p.nrules, 1);
	assert_string_equal(p.rules[0].name, "pcie.devctl.mps");
}

/* ---- targets ------------------------------------------------------------- */

static void test_whole_register_target_masks_all_bits(void **state)
{
	struct cf_policy p;

	parse_ok("mask pcie.devctl\n", &p);
	assert_int_equal(p.nrules, 1);
	expect_rule(&p.rules[0], "pcie.devctl", CF_ANCHOR_CAP, CF_PCI_CAP_ID_EXP, 0x08, 2, 0xffff);
}

static void test_header_register_target(void **state)
{
	struct cf_policy p;

	parse_ok("mask hdr.command\nmask hdr.command.bus_master\n", &p);
	assert_int_equal(p.nrules, 2);
	expect_rule(&p.rules[0], "hdr.command", CF_ANCHOR_HDR, 0, 0x04, 2, 0xffff);
	expect_rule(&p.rules[1], "hdr.command.bus_master", CF_ANCHOR_HDR, 0, 0x04, 2, 0x0004);
}

static void test_field_targets_resolve_offsets_and_masks(void **state)
{
	struct cf_policy p;

	parse_ok("mask pcie.lnkctl.aspm\nmask pcie.devctl.mrrs\nmask pcie.devctl2.obff\n", &p);
	assert_int_equal(p.nrules, 3);
	expect_rule(&p.rules[0], "pcie.devctl.mrrs", CF_ANCHOR_CAP, CF_PCI_CAP_ID_EXP, 0x08, 2,
		    0x7000);
	expect_rule(&p.rules[1], "pcie.lnkctl.aspm", CF_ANCHOR_CAP, CF_PCI_CAP_ID_EXP, 0x10, 2,
		    0x0003);
	expect_rule(&p.rules[2], "pcie.devctl2.obff", CF_ANCHOR_CAP, CF_PCI_CAP_ID_EXP, 0x28, 2,
		    0x6000);
}

/* Power Management Control/Status: PM capability (ID 0x01) + 0x04, the
 * same place as the raw target cap(0x01)+0x04/2. */
static void test_pm_pmcsr_fields_resolve_in_the_pm_capability(void **state)
{
	struct cf_policy p, raw;

	parse_ok("deny pm.pmcsr.power_state\nmask pm.pmcsr.pme_enable\naudit pm.pmcsr\n", &p);
	assert_int_equal(p.nrules, 3);
	expect_rule_act(&p.rules[0], "pm.pmcsr.power_state", CF_ACT_DENY, CF_ANCHOR_CAP, 0x01, 0x04,
			2, 0x0003);
	expect_rule_act(&p.rules[1], "pm.pmcsr.pme_enable", CF_ACT_MASK, CF_ANCHOR_CAP, 0x01, 0x04,
			2, 0x0100);
	expect_rule_act(&p.rules[2], "pm.pmcsr", CF_ACT_AUDIT, CF_ANCHOR_CAP, 0x01, 0x04, 2, 0xffff);
	parse_ok("deny cap(0x01)+0x04/2:0x0003\n", &raw);
	assert_int_equal(raw.rules[0].anchor, p.rules[0].anchor);
	assert_int_equal(raw.rules[0].cap_id, p.rules[0].cap_id);
	assert_int_equal(raw.rules[0].offset, p.rules[0].offset);
	assert_int_equal(raw.rules[0].mask, p.rules[0].mask);
	/* not the PCIe capability: the loader seeds capability lists for it */
	assert_true(p.flags & CF_POL_CAP);
}

/* The capabilities vfio hides, and MSI-X's control, by name: each lands
 * where the raw form written from the PCIe layouts does. */
static void test_hidden_capability_names_match_their_raw_forms(void **state)
{
	static const char *pairs[][2] = {
		{ "l1ss.control1.aspm_l1_2", "ecap(0x001e)+0x08/4:0x00000004" },
		{ "l1ss.control1.ltr_l1_2_threshold_scale", "ecap(0x001e)+0x08/4:0xe0000000" },
		{ "ptm.control.enable", "ecap(0x001f)+0x08/4:0x00000001" },
		{ "ptm.control.granularity", "ecap(0x001f)+0x08/4:0x0000ff00" },
		{ "pasid.control.privileged", "ecap(0x001b)+0x06/2:0x0004" },
		{ "doe.control.int_enable", "ecap(0x002e)+0x08/4:0x00000002" },
		{ "doe.control.go", "ecap(0x002e)+0x08/4:0x80000000" },
		{ "msix.control.enable", "cap(0x11)+0x02/2:0x8000" },
		{ "msix.control.function_mask", "cap(0x11)+0x02/2:0x4000" },
	};
	struct cf_policy named, raw;
	char text[128];

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		snprintf(text, sizeof(text), "audit %s\n", pairs[i][0]);
		parse_ok(text, &named);
		snprintf(text, sizeof(text), "audit %s\n", pairs[i][1]);
		parse_ok(text, &raw);
		assert_int_equal(named.rules[0].anchor, raw.rules[0].anchor);
		assert_int_equal(named.rules[0].cap_id, raw.rules[0].cap_id);
		assert_int_equal(named.rules[0].offset, raw.rules[0].offset);
		assert_int_equal(named.rules[0].width, raw.rules[0].width);
		assert_int_equal(named.rules[0].mask, raw.rules[0].mask);
	}
}

static void test_register_name_prefix_of_another_resolves_longest(void **state)
{
	/* "pcie.devctl" is a prefix of "pcie.devctl2": ari is a devctl2 field. */
	struct cf_policy p;

	parse_ok("mask pcie.devctl2.ari\nmask pcie.devctl2\n", &p);
	expect_rule(&p.rules[0], "pcie.devctl2.ari", CF_ANCHOR_CAP, CF_PCI_CAP_ID_EXP, 0x28, 2,
		    0x0020);
	expect_rule(&p.rules[1], "pcie.devctl2", CF_ANCHOR_CAP, CF_PCI_CAP_ID_EXP, 0x28, 2,
		    0xffff);
}

static void test_longest_known_name_is_accepted(void **state)
{
	struct cf_policy p;

	assert_int_equal(strlen("pcie.lnkctl.hw_autonomous_width_disable"), 39);
	parse_ok("mask pcie.lnkctl.hw_autonomous_width_disable\n", &p);
	expect_rule(&p.rules[0], "pcie.lnkctl.hw_autonomous_width_disable", CF_ANCHOR_CAP,
		    CF_PCI_CAP_ID_EXP, 0x10, 2, 0x0200);
}

/* Every REGISTER.FIELD regnames.c knows should be usable as a target (the
 * parser's own suggestions point at these names). */
static void test_every_known_field_is_a_valid_target(void **state)
{
	char bad[2048] = "", text[128], err[ERRLEN];
	size_t used = 0, nbad = 0, n = 0;
	struct cf_policy p;

	for (const struct cf_register *r = cf_registers; r->name; r++) {
		for (const struct cf_field *f = r->fields; f->name; f++) {
			snprintf(text, sizeof(text), "mask %s.%s\n", r->name, f->name);
			n++;
			if (parse_text(text, &p, err) == 0 && p.nrules == 1 &&
			    p.rules[0].mask == f->mask)
				continue;
			nbad++;
			if (used < sizeof(bad))
				used += (size_t)snprintf(bad + used, sizeof(bad) - used, "\n  %s",
							 err);
		}
	}
	assert_true(n > 40);
	if (nbad)
		fail_msg("%zu of %zu known fields cannot be named in a policy:%s", nbad, n, bad);
}

/* ---- order and hash ---------------------------------------------------- */

static void test_rules_grouped_by_register_keeping_file_order(void **state)
{
	struct cf_policy p;

	parse_ok("mask hdr.command.bus_master\nmask pcie.devctl.mps\nmask hdr.command.serr\n", &p);
	assert_int_equal(p.nrules, 3);
	assert_string_equal(p.rules[0].name, "hdr.command.bus_master");
	assert_string_equal(p.rules[1].name, "hdr.command.serr");
	assert_string_equal(p.rules[2].name, "pcie.devctl.mps");
}

static void test_rules_sorted_header_first_then_by_offset(void **state)
{
	struct cf_policy p;

	parse_ok("mask pcie.devctl2.ltr\n"
		 "mask pcie.lnkctl.aspm\n"
		 "mask pcie.devctl.phantom\n"
		 "mask hdr.command.serr\n"
		 "mask pcie.devctl.mps\n"
		 "mask pcie.lnkctl.clkpm\n",
		 &p);
	assert_int_equal(p.nrules, 6);
	assert_string_equal(p.rules[0].name, "hdr.command.serr");
	assert_string_equal(p.rules[1].name, "pcie.devctl.phantom");
	assert_string_equal(p.rules[2].name, "pcie.devctl.mps");
	assert_string_equal(p.rules[3].name, "pcie.lnkctl.aspm");
	assert_string_equal(p.rules[4].name, "pcie.lnkctl.clkpm");
	assert_string_equal(p.rules[5].name, "pcie.devctl2.ltr");
}

static void test_hash_equal_for_same_text(void **state)
{
	const char text[] = "mask pcie.devctl.mps\nmask hdr.command.bus_master\n";
	struct cf_policy a, b;

	parse_ok(text, &a);
	parse_ok(text, &b);
	assert_true(a.hash != 0);
	assert_true(a.hash == b.hash);
}

static void test_hash_ignores_comments_and_layout(void **state)
{
	struct cf_policy a, b;

	parse_ok("mask pcie.devctl.mps\n", &a);
	parse_ok("# a comment\n\n\tmask   pcie.devctl.mps  # why\r\n", &b);
	assert_true(a.hash == b.hash);
}

static void test_hash_changes_when_a_rule_changes(void **state)
{
	struct cf_policy d = default_policy(), p;

	parse_ok("mask pcie.devctl.mps\nmask pcie.devctl.ext_tag\n", &p);
	assert_true(p.hash != d.hash);
	parse_ok("mask pcie.devctl.mps\n", &p);
	assert_true(p.hash != d.hash);
	parse_ok("mask pcie.devctl.mps\nmask pcie.devctl.phantom\nmask hdr.command.serr\n", &p);
	assert_true(p.hash != d.hash);
	parse_ok("mask pcie.devctl\n", &p);
	assert_true(p.hash != d.hash);
}

/* ---- errors, one test per message -------------------------------------- */

static void test_error_unknown_action(void **state)
{
	expect_error("mask pcie.devctl.mps\nallow pcie.devctl.mps\n", FNAME ":2:1: ",
		     "unknown action 'allow'", "(expected: mask, virtualize, deny or audit)", NULL);
	expect_error("  frob x\n", FNAME ":1:3: ", "unknown action 'frob'", NULL);
	expect_error("MASK pcie.devctl.mps\n", FNAME ":1:1: ", "unknown action 'MASK'", NULL);
	expect_error_is("allow pcie.devctl.mps\n",
			FNAME ":1:1: unknown action 'allow' (expected: mask, virtualize, deny or audit)");
}

/* Actions match whole words, case-sensitively. */
static void test_error_action_prefix_suffix_and_case(void **state)
{
	expect_error("Deny pcie.devctl.mps\n", FNAME ":1:1: ", "unknown action 'Deny'", NULL);
	expect_error("DENY pcie.devctl.mps\n", FNAME ":1:1: ", "unknown action 'DENY'", NULL);
	expect_error("den pcie.devctl.mps\n", FNAME ":1:1: ", "unknown action 'den'", NULL);
	expect_error("denyx pcie.devctl.mps\n", FNAME ":1:1: ", "unknown action 'denyx'", NULL);
	expect_error("masks pcie.devctl.mps\n", FNAME ":1:1: ", "unknown action 'masks'", NULL);
	expect_error("virtualise pcie.devctl.mps\n", FNAME ":1:1: ", "unknown action 'virtualise'",
		     NULL);
	expect_error("audit# pcie.devctl.mps\n", FNAME ":1:6: ",
		     "expected a register or field name after 'audit'", NULL);
}

static void test_action_deny_parses(void **state)
{
	struct cf_rule r = one_rule("deny pcie.devctl.mps\n");

	expect_rule_act(&r, "pcie.devctl.mps", CF_ACT_DENY, CF_ANCHOR_CAP, CF_PCI_CAP_ID_EXP, 0x08,
			2, 0x00e0);
	expect_sel(&r, CF_SEL_ALL, 0, 0, "");
}

static void test_action_audit_parses(void **state)
{
	struct cf_rule r = one_rule("# c\n\taudit pcie.devctl.mps\n");

	expect_rule_act(&r, "pcie.devctl.mps", CF_ACT_AUDIT, CF_ANCHOR_CAP, CF_PCI_CAP_ID_EXP,
			0x08, 2, 0x00e0);
}

static void test_action_virtualize_parses(void **state)
{
	struct cf_rule r = one_rule("virtualize pcie.devctl.mps\n");

	expect_rule_act(&r, "pcie.devctl.mps", CF_ACT_VIRTUALIZE, CF_ANCHOR_CAP,
			CF_PCI_CAP_ID_EXP, 0x08, 2, 0x00e0);
}

static void test_each_action_parses_to_its_enum(void **state)
{
	struct cf_policy p;

	assert_int_equal(CF_ACT_AUDIT, 1);
	assert_int_equal(CF_ACT_MASK, 2);
	assert_int_equal(CF_ACT_VIRTUALIZE, 3);
	assert_int_equal(CF_ACT_DENY, 4);
	/* one register, so sorting keeps the file order */
	parse_ok("mask pcie.devctl.mps\n"
		 "virtualize pcie.devctl.phantom\n"
		 "deny pcie.devctl.flr\n"
		 "audit pcie.devctl.ext_tag\n",
		 &p);
	assert_int_equal(p.nrules, 4);
	expect_rule_act(&p.rules[0], "pcie.devctl.mps", CF_ACT_MASK, CF_ANCHOR_CAP,
			CF_PCI_CAP_ID_EXP, 0x08, 2, 0x00e0);
	expect_rule_act(&p.rules[1], "pcie.devctl.phantom", CF_ACT_VIRTUALIZE, CF_ANCHOR_CAP,
			CF_PCI_CAP_ID_EXP, 0x08, 2, 0x0200);
	expect_rule_act(&p.rules[2], "pcie.devctl.flr", CF_ACT_DENY, CF_ANCHOR_CAP,
			CF_PCI_CAP_ID_EXP, 0x08, 2, 0x8000);
	expect_rule_act(&p.rules[3], "pcie.devctl.ext_tag", CF_ACT_AUDIT, CF_ANCHOR_CAP,
			CF_PCI_CAP_ID_EXP, 0x08, 2, 0x0100);
}

static void test_error_line_not_starting_with_a_word(void **state)
{
	/* \f is whitespace to isspace() but not skipped as indentation */
	expect_error("mask pcie.devctl.mps\n\fmask pcie.devctl.phantom\n", FNAME ":2:1: ",
		     "expected an action (mask, virtualize, deny or audit)", NULL);
}

static void test_error_missing_target(void **state)
{
	expect_error("mask\n", FNAME ":1:5: ",
		     "expected a register or field name after 'mask'", NULL);
}

static void test_error_missing_target_before_comment(void **state)
{
	expect_error("mask   # pcie.devctl.mps\n", FNAME ":1:8: ",
		     "expected a register or field name after 'mask'", NULL);
}

static void test_error_missing_target_crlf(void **state)
{
	expect_error("mask \r\n", FNAME ":1:7: ", "expected a register or field name", NULL);
}

static void test_error_unknown_register_with_suggestion(void **state)
{
	expect_error("mask pcie.devctll.mps\n", FNAME ":1:6: ",
		     "unknown register 'pcie.devctll.mps'", "did you mean 'pcie.devctl.mps'?", NULL);
}

static void test_error_unknown_register_name_alone_with_suggestion(void **state)
{
	expect_error("mask hdr.comand\n", FNAME ":1:6: ", "unknown register 'hdr.comand'",
		     "did you mean 'hdr.command'?", NULL);
}

static void test_error_unknown_register_without_suggestion(void **state)
{
	struct cf_policy p;
	char err[ERRLEN];

	expect_error_is("mask zzzz\n", FNAME ":1:6: unknown register 'zzzz' (expected a name like "
			"pcie.devctl.mps or a raw target like cap(0x10)+0x08/2:0x00e0)");
	assert_int_equal(parse_text("mask zzzz\n", &p, err), -1);
	assert_null(strstr(err, "did you mean"));
}

static void test_error_unknown_field_with_suggestion(void **state)
{
	/* column of the field, not of the target */
	expect_error("mask pcie.devctl.mpss\n", FNAME ":1:18: ",
		     "register pcie.devctl has no field 'mpss'", "did you mean 'pcie.devctl.mps'?",
		     NULL);
}

static void test_error_unknown_field_without_suggestion(void **state)
{
	struct cf_policy p;
	char err[ERRLEN];

	assert_int_equal(parse_text("mask pcie.devctl.qqqqqqqqqqqqq\n", &p, err), -1);
	assert_string_equal(err, FNAME ":1:18: register pcie.devctl has no field 'qqqqqqqqqqqqq'");
}

static void test_error_empty_field_name(void **state)
{
	expect_error("mask pcie.devctl.\n", FNAME ":1:18: ", "register pcie.devctl has no field ''",
		     NULL);
}

static void test_error_trailing_garbage(void **state)
{
	expect_error("mask pcie.devctl.mps extra words\n", FNAME ":1:22: ",
		     "expected 'on SELECTOR' or end of line after 'pcie.devctl.mps', found 'extra'",
		     NULL);
}

static void test_error_trailing_garbage_crlf(void **state)
{
	struct cf_policy p;
	char err[ERRLEN];

	/* the \r is not part of the reported word */
	assert_int_equal(parse_text("mask pcie.devctl.mps junk\r\n", &p, err), -1);
	assert_string_equal(err, FNAME ":1:22: expected 'on SELECTOR' or end of line after "
				 "'pcie.devctl.mps', found 'junk'");
}

static void test_error_duplicate_rule_names_earlier_line(void **state)
{
	expect_error("mask pcie.devctl.mps\n# c\n\n  mask pcie.devctl.mps\n", FNAME ":4:3: ",
		     "rule 'pcie.devctl.mps' repeats line 1", NULL);
	expect_error("mask hdr.command\nmask pcie.devctl\nmask pcie.devctl # again\n",
		     FNAME ":3:1: ", "rule 'pcie.devctl' repeats line 2", NULL);
}

/* 33 distinct targets (48 names are known, so the limit is reachable for
 * real). */
static const char *const distinct_names[] = {
	"hdr.command", "hdr.command.io", "hdr.command.memory", "hdr.command.bus_master",
	"hdr.command.special", "hdr.command.mwi", "hdr.command.vga_snoop", "hdr.command.parity",
	"hdr.command.serr", "hdr.command.fast_b2b", "hdr.command.intx_disable",
	"pcie.devctl", "pcie.devctl.correctable_report", "pcie.devctl.nonfatal_report",
	"pcie.devctl.fatal_report", "pcie.devctl.unsupported_report",
	"pcie.devctl.relaxed_ordering", "pcie.devctl.mps", "pcie.devctl.ext_tag",
	"pcie.devctl.phantom", "pcie.devctl.aux_pm", "pcie.devctl.no_snoop", "pcie.devctl.mrrs",
	"pcie.devctl.flr", "pcie.lnkctl", "pcie.lnkctl.aspm", "pcie.lnkctl.rcb",
	"pcie.lnkctl.link_disable", "pcie.lnkctl.retrain", "pcie.lnkctl.common_clock",
	"pcie.lnkctl.extended_synch", "pcie.lnkctl.clkpm", "pcie.lnkctl.bw_mgmt_int",
};

static char *rules_text(size_t n, const char *extra)
{
	size_t cap = 64 * (n + 2);
	char *t = malloc(cap);
	size_t used = 0;

	assert_non_null(t);
	t[0] = 0;
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(t + used, cap - used, "mask %s\n", distinct_names[i]);
	if (extra)
		snprintf(t + used, cap - used, "%s", extra);
	return t;
}

static void test_max_rules_accepted(void **state)
{
	struct cf_policy p;
	char *t;

	assert_int_equal(sizeof(distinct_names) / sizeof(distinct_names[0]), CF_MAX_RULES + 1);
	t = rules_text(CF_MAX_RULES, NULL);
	parse_ok(t, &p);
	free(t);
	assert_int_equal(p.nrules, CF_MAX_RULES);
	/* still grouped: the (anchor, offset) keys never go down */
	for (__u32 i = 1; i < p.nrules; i++) {
		assert_true(p.rules[i - 1].anchor <= p.rules[i].anchor);
		if (p.rules[i - 1].anchor == p.rules[i].anchor)
			assert_true(p.rules[i - 1].offset <= p.rules[i].offset);
	}
}

static void test_error_too_many_rules(void **state)
{
	char *t = rules_text(CF_MAX_RULES + 1, NULL);

	expect_error(t, FNAME ":33:1: ", "too many rules (at most 32)", NULL);
	free(t);
}

static void test_error_duplicate_caught_before_rule_limit(void **state)
{
	char *t = rules_text(CF_MAX_RULES, "mask hdr.command\n");

	expect_error(t, FNAME ":33:1: ", "rule 'hdr.command' repeats line 1", NULL);
	free(t);
}

static void test_error_name_too_long(void **state)
{
	/* 48 characters: one more than fits in cf_rule.name (CF_NAME_LEN 48) */
	expect_error("mask pcie.devctl.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", FNAME ":1:6: ",
		     "name 'pcie.devctl.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is too long",
		     "(at most 47 characters)", NULL);
}

static void test_error_nul_byte(void **state)
{
	const char text[] = "mask pcie.devctl.mps\nmask pc\0ie.devctl.phantom\n";

	expect_error_n(text, sizeof(text) - 1, FNAME ":2:8: ", "NUL byte in policy text", NULL);
}

static void test_error_nul_byte_in_comment(void **state)
{
	const char text[] = "mask pcie.devctl.mps\n# hi\0 there\n";

	expect_error_n(text, sizeof(text) - 1, FNAME ":2:5: ", "NUL byte in policy text", NULL);
}

static void test_error_empty_policy(void **state)
{
	struct cf_policy p;
	char err[ERRLEN];

	assert_int_equal(parse_text("", &p, err), -1);
	assert_string_equal(err, FNAME ":1:1: policy has no rules; it would filter nothing");
}

static void test_error_only_comments(void **state)
{
	expect_error("# nothing\n\n   # to see\n", FNAME ":3:1: ", "policy has no rules", NULL);
}

static void test_error_message_truncated_to_buffer(void **state)
{
	struct cf_policy p;
	char err[16];

	memset(err, 'x', sizeof(err));
	assert_int_equal(cf_policy_parse("frob\n", 5, FNAME, &p, err, 8), -1);
	assert_string_equal(err, "t.polic");
	assert_int_equal(err[8], 'x');
}

/* ---- files ---------------------------------------------------------------- */

static void test_error_in_file_names_the_path(void **state)
{
	const char text[] = "mask pcie.devctl.mps\nmask pcie.devctl.mpss\n";
	char *path = temp_file(text, strlen(text));
	char err[ERRLEN] = "", prefix[256];
	struct cf_policy p;

	assert_int_equal(cf_policy_load_file(path, &p, err, sizeof(err)), -1);
	snprintf(prefix, sizeof(prefix), "%s:2:18: register pcie.devctl has no field 'mpss'", path);
	remove_temp(path);
	assert_true(strncmp(err, prefix, strlen(prefix)) == 0);
}

static void test_error_nonexistent_file(void **state)
{
	const char *path = "/nonexistent/cf-test/none.policy";
	char err[ERRLEN] = "", want[256];
	struct cf_policy p;

	assert_int_equal(cf_policy_load_file(path, &p, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: cannot read: No such file or directory", path);
	assert_string_equal(err, want);
}

static void test_error_directory_is_not_a_policy(void **state)
{
	char err[ERRLEN] = "";
	struct cf_policy p;

	assert_int_equal(cf_policy_load_file("policy", &p, err, sizeof(err)), -1);
	assert_string_equal(err, "policy: cannot read: Is a directory");
}

static void test_error_empty_file(void **state)
{
	char *path = temp_file("", 0);
	char err[ERRLEN] = "", want[256];
	struct cf_policy p;

	assert_int_equal(cf_policy_load_file(path, &p, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:1:1: policy has no rules; it would filter nothing", path);
	remove_temp(path);
	assert_string_equal(err, want);
}

/* A file of `size` bytes: one rule, then comment lines as padding. */
static char *big_policy_file(size_t size)
{
	char *text = malloc(size);
	const char rule[] = "mask pcie.devctl.mps\n";
	char *path;

	assert_non_null(text);
	memset(text, '#', size);
	memcpy(text, rule, sizeof(rule) - 1);
	for (size_t i = sizeof(rule) - 1 + 79; i < size; i += 80)
		text[i] = '\n';
	text[size - 1] = '\n';
	path = temp_file(text, size);
	free(text);
	return path;
}

static void test_file_just_under_1mib_is_read(void **state)
{
	char *path = big_policy_file((1u << 20) - 1);
	char err[ERRLEN] = "";
	struct cf_policy p;
	int ret = cf_policy_load_file(path, &p, err, sizeof(err));

	remove_temp(path);
	if (ret)
		fail_msg("%s", err);
	assert_int_equal(p.nrules, 1);
}

/* The limit message says "larger than 1 MiB": a file of exactly 1 MiB is
 * not larger and should be read. */
static void test_file_of_exactly_1mib_is_read(void **state)
{
	char *path = big_policy_file(1u << 20);
	char err[ERRLEN] = "";
	struct cf_policy p;
	int ret = cf_policy_load_file(path, &p, err, sizeof(err));

	remove_temp(path);
	if (ret)
		fail_msg("1048576-byte file rejected: %s", err);
	assert_int_equal(p.nrules, 1);
}

static void test_error_file_larger_than_1mib(void **state)
{
	char *path = big_policy_file((1u << 20) + 1);
	char err[ERRLEN] = "", want[256];
	struct cf_policy p;

	assert_int_equal(cf_policy_load_file(path, &p, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: cannot read: larger than 1 MiB", path);
	remove_temp(path);
	assert_string_equal(err, want);
}

/* Not exercised: "cannot read: Permission denied" (the tests run as root,
 * which reads a mode-000 file anyway), "cannot read: out of memory"
 * (realloc failure) and a read error after a successful open other than
 * EISDIR. */

/* ---- names and description ---------------------------------------------- */

static void test_action_names(void **state)
{
	assert_string_equal(cf_action_name(CF_ACT_MASK), "mask");
	assert_string_equal(cf_action_name(CF_ACT_AUDIT), "audit");
	assert_string_equal(cf_action_name(CF_ACT_VIRTUALIZE), "virtualize");
	assert_string_equal(cf_action_name(CF_ACT_DENY), "deny");
	assert_string_equal(cf_action_name(5), "?");
	assert_string_equal(cf_action_name(0), "?");
	assert_string_equal(cf_action_name(99), "?");
}

static void test_describe_default_policy(void **state)
{
	struct cf_policy p = default_policy();
	char buf[1024];

	cf_policy_describe(&p, buf, sizeof(buf));
	assert_string_equal(buf,
		"rule 0  mask       pcie.devctl.mps                    cap 0x10    "
		"+0x008 width 2 mask 0x00e0 on all\n"
		"rule 1  mask       pcie.devctl.phantom                cap 0x10    "
		"+0x008 width 2 mask 0x0200 on all\n");
}

static void test_describe_header_rule(void **state)
{
	struct cf_policy p;
	char buf[1024];

	parse_ok("mask hdr.command.bus_master\n", &p);
	cf_policy_describe(&p, buf, sizeof(buf));
	assert_string_equal(buf, "rule 0  mask       hdr.command.bus_master             header      "
				 "+0x004 width 2 mask 0x0004 on all\n");
}

/* Each action, anchor and selector kind as describe shows it. */
static void test_describe_actions_anchors_and_selectors(void **state)
{
	struct cf_policy p;
	char buf[2048];

	parse_ok("deny hdr+0x04/2:0x0004 on 0000:01:00.0\n"
		 "virtualize aer.uncor_mask.ecrc on class 0200\n"
		 "audit cap(0x01)+0x04/2:0x0003 on 8086:*\n"
		 "mask pcie.devctl.mps on 8086:10d3\n"
		 "audit ecap(0x0010)+0x100/1:0x80 on class 01\n"
		 "mask hdr.command on class 010802\n",
		 &p);
	cf_policy_describe(&p, buf, sizeof(buf));
	assert_string_equal(buf,
		"rule 0  deny       hdr+0x04/2:0x0004                  header      "
		"+0x004 width 2 mask 0x0004 on 0000:01:00.0\n"
		"rule 1  mask       hdr.command                        header      "
		"+0x004 width 2 mask 0xffff on class 010802\n"
		"rule 2  audit      cap(0x01)+0x04/2:0x0003            cap 0x01    "
		"+0x004 width 2 mask 0x0003 on 8086:*\n"
		"rule 3  mask       pcie.devctl.mps                    cap 0x10    "
		"+0x008 width 2 mask 0x00e0 on 8086:10d3\n"
		"rule 4  virtualize aer.uncor_mask.ecrc                ecap 0x0001 "
		"+0x008 width 4 mask 0x00080000 on class 0200\n"
		"rule 5  audit      ecap(0x0010)+0x100/1:0x80          ecap 0x0010 "
		"+0x100 width 1 mask 0x80 on class 01\n");
}

/* A short buffer gets a NUL-terminated prefix, and nothing past it. */
static void test_describe_truncates_to_buffer(void **state)
{
	struct cf_policy p = default_policy();
	char full[1024], buf[40];

	cf_policy_describe(&p, full, sizeof(full));
	memset(buf, 'x', sizeof(buf));
	cf_policy_describe(&p, buf, 20);
	assert_int_equal(strlen(buf), 19);
	assert_memory_equal(buf, full, 19);
	assert_int_equal(buf[20], 'x');
}

/* ---- raw targets ------------------------------------------------------------ */

static void test_raw_target_header(void **state)
{
	struct cf_rule r = one_rule("mask hdr+0x04/2:0x0004\n");

	expect_rule(&r, "hdr+0x04/2:0x0004", CF_ANCHOR_HDR, 0, 0x04, 2, 0x0004);
	expect_sel(&r, CF_SEL_ALL, 0, 0, "");
}

static void test_raw_target_capability(void **state)
{
	struct cf_rule r = one_rule("deny cap(0x10)+0x08/2:0x00e0\n");

	expect_rule_act(&r, "cap(0x10)+0x08/2:0x00e0", CF_ACT_DENY, CF_ANCHOR_CAP, 0x10, 0x08, 2,
			0x00e0);
	r = one_rule("mask cap(0x01)+0x04/1:0x03\n");
	expect_rule(&r, "cap(0x01)+0x04/1:0x03", CF_ANCHOR_CAP, 0x01, 0x04, 1, 0x03);
}

static void test_raw_target_extended_capability(void **state)
{
	struct cf_rule r = one_rule("virtualize ecap(0x0001)+0x08/4:0x00000010\n");

	expect_rule_act(&r, "ecap(0x0001)+0x08/4:0x00000010", CF_ACT_VIRTUALIZE, CF_ANCHOR_ECAP,
			0x0001, 0x08, 4, 0x00000010);
	r = one_rule("audit ecap(0xffff)+0xefc/4:0xffffffff\n");
	expect_rule_act(&r, "ecap(0xffff)+0xefc/4:0xffffffff", CF_ACT_AUDIT, CF_ANCHOR_ECAP,
			0xffff, 0xefc, 4, 0xffffffff);
}

/* Numbers are C syntax: decimal, 0x or 0X hex. */
static void test_raw_target_number_syntax(void **state)
{
	struct cf_rule r = one_rule("mask cap(16)+8/2:224\n");

	expect_rule(&r, "cap(16)+8/2:224", CF_ANCHOR_CAP, 0x10, 0x08, 2, 0x00e0);
	r = one_rule("mask ecap(0X1)+0X8/0x4:0XFF\n");
	expect_rule(&r, "ecap(0X1)+0X8/0x4:0XFF", CF_ANCHOR_ECAP, 0x0001, 0x08, 4, 0xff);
}

/* The largest offsets each region takes, and masks as wide as the register. */
static void test_raw_target_region_limits(void **state)
{
	struct cf_rule r = one_rule("mask hdr+0xffc/4:0xffffffff\n");

	expect_rule(&r, "hdr+0xffc/4:0xffffffff", CF_ANCHOR_HDR, 0, 0xffc, 4, 0xffffffff);
	r = one_rule("mask hdr+0xfff/1:0xff\n");
	expect_rule(&r, "hdr+0xfff/1:0xff", CF_ANCHOR_HDR, 0, 0xfff, 1, 0xff);
	r = one_rule("mask cap(0xff)+0xbe/2:0xffff\n");
	expect_rule(&r, "cap(0xff)+0xbe/2:0xffff", CF_ANCHOR_CAP, 0xff, 0xbe, 2, 0xffff);
	r = one_rule("mask cap(0x10)+0xbf/1:0x01\n");
	expect_rule(&r, "cap(0x10)+0xbf/1:0x01", CF_ANCHOR_CAP, 0x10, 0xbf, 1, 0x01);
	r = one_rule("mask ecap(0x0001)+0xeff/1:0x80\n");
	expect_rule(&r, "ecap(0x0001)+0xeff/1:0x80", CF_ANCHOR_ECAP, 0x0001, 0xeff, 1, 0x80);
	r = one_rule("mask hdr+0/2:0x8000\n");
	expect_rule(&r, "hdr+0/2:0x8000", CF_ANCHOR_HDR, 0, 0, 2, 0x8000);
}

static void test_raw_target_then_comment_and_selector(void **state)
{
	struct cf_rule r = one_rule("mask hdr+0x04/2:0x0004# bus master\n");

	expect_rule(&r, "hdr+0x04/2:0x0004", CF_ANCHOR_HDR, 0, 0x04, 2, 0x0004);
	r = one_rule("mask cap(0x10)+0x08/2:0x00e0 on 8086:* # intel\r\n");
	expect_rule(&r, "cap(0x10)+0x08/2:0x00e0", CF_ANCHOR_CAP, 0x10, 0x08, 2, 0x00e0);
	expect_sel(&r, CF_SEL_ID, 0x80860000, 0xffff0000, "");
}

static void test_error_raw_bad_capability_id(void **state)
{
	expect_error_is("mask cap(zz)+0x08/2:0x1\n",
			FNAME ":1:10: expected a capability id (0x01..0xff) and ')'");
	expect_error_is("mask cap(0x100)+0x08/2:0x1\n",
			FNAME ":1:10: expected a capability id (0x01..0xff) and ')'");
	expect_error_is("mask cap()+0x08/2:0x1\n",
			FNAME ":1:10: expected a capability id (0x01..0xff) and ')'");
	expect_error_is("mask cap(-1)+0x08/2:0x1\n",
			FNAME ":1:10: expected a capability id (0x01..0xff) and ')'");
	expect_error_is("mask cap(+1)+0x08/2:0x1\n",
			FNAME ":1:10: expected a capability id (0x01..0xff) and ')'");
	expect_error_is("mask ecap(0x10000)+0x08/4:0x1\n",
			FNAME ":1:11: expected a capability id (0x0001..0xffff) and ')'");
	expect_error_is("mask ecap(one)+0x08/4:0x1\n",
			FNAME ":1:11: expected a capability id (0x0001..0xffff) and ')'");
}

static void test_error_raw_capability_id_zero(void **state)
{
	expect_error_is("mask cap(0)+0x08/2:0x1\n", FNAME ":1:10: capability id 0 does not exist");
	expect_error_is("mask ecap(0x0000)+0x08/4:0x1\n",
			FNAME ":1:11: capability id 0 does not exist");
}

static void test_error_raw_missing_paren(void **state)
{
	expect_error_is("mask cap(0x10+0x08/2:0x00e0\n",
			FNAME ":1:10: expected a capability id (0x01..0xff) and ')'");
	expect_error_is("mask ecap(0x0001\n",
			FNAME ":1:11: expected a capability id (0x0001..0xffff) and ')'");
}

static void test_error_raw_missing_plus(void **state)
{
	expect_error_is("mask cap(0x10)0x08/2:0x00e0\n",
			FNAME ":1:15: expected '+OFFSET/WIDTH:MASK' after the anchor");
	expect_error_is("mask cap(0x10)\n",
			FNAME ":1:15: expected '+OFFSET/WIDTH:MASK' after the anchor");
	expect_error_is("mask ecap(0x0001)-0x08/4:1\n",
			FNAME ":1:18: expected '+OFFSET/WIDTH:MASK' after the anchor");
}

static void test_error_raw_bad_offset(void **state)
{
	expect_error_is("mask hdr+zz/2:0x1\n",
			FNAME ":1:10: expected an offset below 0x1000 and '/WIDTH:MASK'");
	expect_error_is("mask hdr+/2:0x1\n",
			FNAME ":1:10: expected an offset below 0x1000 and '/WIDTH:MASK'");
	expect_error_is("mask hdr+-4/2:0x1\n",
			FNAME ":1:10: expected an offset below 0x1000 and '/WIDTH:MASK'");
	expect_error_is("mask cap(0x10)+0x8g/2:0x1\n",
			FNAME ":1:16: expected an offset below 0xc0 and '/WIDTH:MASK'");
}

static void test_error_raw_offset_too_large_for_region(void **state)
{
	expect_error_is("mask hdr+0x1000/4:0x1\n",
			FNAME ":1:10: expected an offset below 0x1000 and '/WIDTH:MASK'");
	expect_error_is("mask cap(0x10)+0xc0/1:0x1\n",
			FNAME ":1:16: expected an offset below 0xc0 and '/WIDTH:MASK'");
	expect_error_is("mask ecap(0x0001)+0xf00/1:0x1\n",
			FNAME ":1:19: expected an offset below 0xf00 and '/WIDTH:MASK'");
	expect_error_is("mask hdr+0xffffffffffffffff/4:0x1\n",
			FNAME ":1:10: expected an offset below 0x1000 and '/WIDTH:MASK'");
}

static void test_error_raw_missing_slash(void **state)
{
	expect_error_is("mask hdr+0x04\n",
			FNAME ":1:10: expected an offset below 0x1000 and '/WIDTH:MASK'");
	expect_error_is("mask hdr+0x04:0x4\n",
			FNAME ":1:10: expected an offset below 0x1000 and '/WIDTH:MASK'");
}

static void test_error_raw_bad_width(void **state)
{
	expect_error_is("mask hdr+0x04/3:0x1\n",
			FNAME ":1:15: expected a width of 1, 2 or 4 bytes and ':MASK'");
	expect_error_is("mask hdr+0x08/8:0x1\n",
			FNAME ":1:15: expected a width of 1, 2 or 4 bytes and ':MASK'");
	expect_error_is("mask hdr+0x08/0:0x1\n",
			FNAME ":1:15: expected a width of 1, 2 or 4 bytes and ':MASK'");
	expect_error_is("mask hdr+0x08/two:0x1\n",
			FNAME ":1:15: expected a width of 1, 2 or 4 bytes and ':MASK'");
	/* missing ':MASK' */
	expect_error_is("mask hdr+0x08/2\n",
			FNAME ":1:15: expected a width of 1, 2 or 4 bytes and ':MASK'");
}

static void test_error_raw_misaligned_offset(void **state)
{
	expect_error_is("mask hdr+0x05/2:0x1\n",
			FNAME ":1:6: offset 0x5 is not aligned to its width 2");
	expect_error_is("mask cap(0x10)+0x0a/4:0x1\n",
			FNAME ":1:6: offset 0xa is not aligned to its width 4");
	expect_error_is("  deny ecap(0x0001)+0x09/2:0x1\n",
			FNAME ":1:8: offset 0x9 is not aligned to its width 2");
}

static void test_error_raw_mask_zero(void **state)
{
	expect_error_is("mask hdr+0x04/2:0\n", FNAME ":1:17: mask 0 protects nothing");
	expect_error_is("mask hdr+0x04/2:0x0000\n", FNAME ":1:17: mask 0 protects nothing");
}

static void test_error_raw_mask_wider_than_width(void **state)
{
	expect_error_is("mask hdr+0x04/2:0x10000\n",
			FNAME ":1:17: mask 0x10000 is wider than the register (2 bytes)");
	expect_error_is("mask hdr+0x04/1:0x100\n",
			FNAME ":1:17: mask 0x100 is wider than the register (1 byte)");
	expect_error_is("mask cap(0x10)+0x08/2:0x1ffff\n",
			FNAME ":1:23: mask 0x1ffff is wider than the register (2 bytes)");
}

static void test_error_raw_bad_mask_text(void **state)
{
	expect_error_is("mask hdr+0x04/2:zz\n", FNAME ":1:17: expected a bit mask such as 0x00e0");
	expect_error_is("mask hdr+0x04/2:\n", FNAME ":1:17: expected a bit mask such as 0x00e0");
	expect_error_is("mask hdr+0x04/2:0x4:5\n",
			FNAME ":1:17: expected a bit mask such as 0x00e0");
	expect_error_is("mask hdr+0x04/4:0x100000000\n",
			FNAME ":1:17: expected a bit mask such as 0x00e0");
	expect_error_is("mask hdr+0x04/2:-1\n", FNAME ":1:17: expected a bit mask such as 0x00e0");
}

/* Almost raw: not an anchor the parser knows, so it is an unknown name. */
static void test_error_raw_like_unknown_names(void **state)
{
	expect_error("mask hdr+\n", FNAME ":1:6: ", "unknown register 'hdr+'", NULL);
	expect_error("mask cap(\n", FNAME ":1:6: ", "unknown register 'cap('", NULL);
	expect_error("mask pci(0x10)+0x08/2:0x1\n", FNAME ":1:6: ",
		     "unknown register 'pci(0x10)+0x08/2:0x1'", NULL);
}

/* ---- AER names --------------------------------------------------------------- */

static void test_aer_names(void **state)
{
	struct cf_rule r = one_rule("mask aer.uncor_mask.ecrc\n");

	expect_rule(&r, "aer.uncor_mask.ecrc", CF_ANCHOR_ECAP, 0x0001, 0x08, 4, 0x00080000);
	r = one_rule("deny aer.cor_mask.receiver_error\n");
	expect_rule_act(&r, "aer.cor_mask.receiver_error", CF_ACT_DENY, CF_ANCHOR_ECAP, 0x0001, 0x14,
			4, 0x00000001);
	r = one_rule("virtualize aer.cap_control.ecrc_gen_enable\n");
	expect_rule_act(&r, "aer.cap_control.ecrc_gen_enable", CF_ACT_VIRTUALIZE, CF_ANCHOR_ECAP,
			0x0001, 0x18, 4, 0x00000040);
	r = one_rule("audit aer.uncor_severity.surprise_down\n");
	expect_rule_act(&r, "aer.uncor_severity.surprise_down", CF_ACT_AUDIT, CF_ANCHOR_ECAP, 0x0001,
			0x0c, 4, 0x00000020);
	r = one_rule("mask aer.uncor_mask\n");
	expect_rule(&r, "aer.uncor_mask", CF_ANCHOR_ECAP, 0x0001, 0x08, 4, 0xffffffff);
}

/* The name and its raw spelling compile to the same register and bits. */
static void test_aer_name_equals_raw_target(void **state)
{
	struct cf_rule a = one_rule("mask aer.uncor_mask.ecrc\n");
	struct cf_rule b = one_rule("mask ecap(0x0001)+0x08/4:0x00080000\n");

	assert_int_equal(a.anchor, b.anchor);
	assert_int_equal(a.cap_id, b.cap_id);
	assert_int_equal(a.offset, b.offset);
	assert_int_equal(a.width, b.width);
	assert_int_equal(a.mask, b.mask);
}

static void test_error_aer_unknown_field(void **state)
{
	expect_error("mask aer.cor_mask.ecrc\n", FNAME ":1:19: ",
		     "register aer.cor_mask has no field 'ecrc'", NULL);
	expect_error("mask aer.uncor_mask.ecrcc\n", FNAME ":1:21: ",
		     "register aer.uncor_mask has no field 'ecrcc'",
		     "did you mean 'aer.uncor_mask.ecrc'?", NULL);
}

/* ---- selectors ------------------------------------------------------------- */

static void test_selector_absent_means_all(void **state)
{
	struct cf_rule r = one_rule("mask pcie.devctl.mps\n");

	expect_sel(&r, CF_SEL_ALL, 0, 0, "");
	r = one_rule("mask pcie.devctl.mps on all\n");
	expect_sel(&r, CF_SEL_ALL, 0, 0, "");
	r = one_rule("mask pcie.devctl.mps\ton\tall\t# every device\r\n");
	expect_sel(&r, CF_SEL_ALL, 0, 0, "");
}

static void test_selector_device_address(void **state)
{
	struct cf_rule r = one_rule("mask pcie.devctl.mps on 0000:01:00.0\n");

	expect_sel(&r, CF_SEL_BDF, 0, 0, "0000:01:00.0");
	r = one_rule("mask pcie.devctl.mps on 0000:AB:1F.7\n");
	expect_sel(&r, CF_SEL_BDF, 0, 0, "0000:ab:1f.7");
	r = one_rule("mask pcie.devctl.mps on 0:01:00.0\n");
	expect_sel(&r, CF_SEL_BDF, 0, 0, "0000:01:00.0");
	r = one_rule("mask pcie.devctl.mps on 00000000:02:03.4\n");
	expect_sel(&r, CF_SEL_BDF, 0, 0, "0000:02:03.4");
	r = one_rule("mask pcie.devctl.mps on 10000:00:1f.7\n");
	expect_sel(&r, CF_SEL_BDF, 0, 0, "10000:00:1f.7");
	r = one_rule("mask pcie.devctl.mps on 1234567:00:00.0\n");
	expect_sel(&r, CF_SEL_BDF, 0, 0, "1234567:00:00.0");
	r = one_rule("mask pcie.devctl.mps on 00aB:ff:00.1# c\n");
	expect_sel(&r, CF_SEL_BDF, 0, 0, "00ab:ff:00.1");
}

static void test_selector_vendor_device(void **state)
{
	struct cf_rule r = one_rule("mask pcie.devctl.mps on 8086:10d3\n");

	expect_sel(&r, CF_SEL_ID, 0x808610d3, 0xffffffff, "");
	r = one_rule("mask pcie.devctl.mps on 8086:10D3\n");
	expect_sel(&r, CF_SEL_ID, 0x808610d3, 0xffffffff, "");
	r = one_rule("mask pcie.devctl.mps on 0000:0000\n");
	expect_sel(&r, CF_SEL_ID, 0x00000000, 0xffffffff, "");
	r = one_rule("mask pcie.devctl.mps on ffff:ffff\n");
	expect_sel(&r, CF_SEL_ID, 0xffffffff, 0xffffffff, "");
}

static void test_selector_vendor_any_device(void **state)
{
	struct cf_rule r = one_rule("mask pcie.devctl.mps on 8086:*\n");

	expect_sel(&r, CF_SEL_ID, 0x80860000, 0xffff0000, "");
	r = one_rule("mask pcie.devctl.mps on 10DE:*\n");
	expect_sel(&r, CF_SEL_ID, 0x10de0000, 0xffff0000, "");
}

static void test_selector_class(void **state)
{
	struct cf_rule r = one_rule("mask pcie.devctl.mps on class 02\n");

	expect_sel(&r, CF_SEL_CLASS, 0x020000, 0xff0000, "");
	r = one_rule("mask pcie.devctl.mps on class 0200\n");
	expect_sel(&r, CF_SEL_CLASS, 0x020000, 0xffff00, "");
	r = one_rule("mask pcie.devctl.mps on class 010802\n");
	expect_sel(&r, CF_SEL_CLASS, 0x010802, 0xffffff, "");
	r = one_rule("mask pcie.devctl.mps on class 0x0300\n");
	expect_sel(&r, CF_SEL_CLASS, 0x030000, 0xffff00, "");
	r = one_rule("mask pcie.devctl.mps on class 0Cff\n");
	expect_sel(&r, CF_SEL_CLASS, 0x0cff00, 0xffff00, "");
	r = one_rule("mask pcie.devctl.mps on class\t\tff# c\n");
	expect_sel(&r, CF_SEL_CLASS, 0xff0000, 0xff0000, "");
	r = one_rule("mask pcie.devctl.mps on class 0c0330\r\n");
	expect_sel(&r, CF_SEL_CLASS, 0x0c0330, 0xffffff, "");
}

/* cf_selector_text gives the canonical spelling, and that spelling parses
 * back to the same rule. */
static void test_selector_text_round_trip(void **state)
{
	static const struct {
		const char *in, *text;
	} cases[] = {
		{ "all", "all" },
		{ "0000:01:00.0", "0000:01:00.0" },
		{ "0:1f:1f.7", "0000:1f:1f.7" },
		{ "ABCD:EF:0a.3", "abcd:ef:0a.3" },
		{ "10000:00:00.0", "10000:00:00.0" },
		{ "8086:10d3", "8086:10d3" },
		{ "8086:10D3", "8086:10d3" },
		{ "0000:0001", "0000:0001" },
		{ "8086:*", "8086:*" },
		{ "abcd:*", "abcd:*" },
		{ "class 02", "class 02" },
		{ "class 0200", "class 0200" },
		{ "class 010802", "class 010802" },
		{ "class 0x0c03", "class 0c03" },
		{ "class 00", "class 00" },
		{ "class 000000", "class 000000" },
		{ "class FF", "class ff" },
	};
	char text[128], sel[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cf_rule a, b;

		snprintf(text, sizeof(text), "deny pcie.devctl.mps on %s\n", cases[i].in);
		a = one_rule(text);
		cf_selector_text(&a, sel, sizeof(sel));
		if (strcmp(sel, cases[i].text))
			fail_msg("'%s': selector text '%s', expected '%s'", cases[i].in, sel,
				 cases[i].text);
		snprintf(text, sizeof(text), "deny pcie.devctl.mps on %s\n", sel);
		b = one_rule(text);
		if (memcmp(&a, &b, sizeof(a)))
			fail_msg("'%s' and its text '%s' parse differently", cases[i].in, sel);
	}
}

static void test_selector_text_without_selector_is_all(void **state)
{
	struct cf_rule r = one_rule("mask pcie.devctl.mps\n");
	char sel[16];

	cf_selector_text(&r, sel, sizeof(sel));
	assert_string_equal(sel, "all");
}

static void test_selector_text_truncates_to_buffer(void **state)
{
	struct cf_rule r = one_rule("mask pcie.devctl.mps on 0000:01:00.0\n");
	char sel[8];

	memset(sel, 'x', sizeof(sel));
	cf_selector_text(&r, sel, 5);
	assert_string_equal(sel, "0000");
	assert_int_equal(sel[5], 'x');
}

/* The text need not be NUL-terminated (cf_policy_parse's contract; a file is
 * read into a buffer with no terminator). Whatever follows the last byte in
 * memory must not change what a selector at the very end means. */
static void test_selector_at_end_of_unterminated_text(void **state)
{
	/* each buffer: the policy, then bytes outside it */
	static const struct {
		const char *buf;
		size_t outside;
		__u8 selector;
		__u32 value, mask;
		const char *bdf;
	} cases[] = {
		{ "mask pcie.devctl.mps on 0000:01:00.0" "7", 1, CF_SEL_BDF, 0, 0, "0000:01:00.0" },
		{ "mask pcie.devctl.mps on 8086:*" "ff", 2, CF_SEL_ID, 0x80860000, 0xffff0000, "" },
		{ "mask pcie.devctl.mps on all" "x", 1, CF_SEL_ALL, 0, 0, "" },
		{ "mask pcie.devctl.mps on class 02" "00", 2, CF_SEL_CLASS, 0x020000, 0xff0000, "" },
		{ "mask pcie.devctl.mps on class 0200" "ab", 2, CF_SEL_CLASS, 0x020000, 0xffff00, "" },
		{ "mask pcie.devctl.mps on 8086:10d3" "ff", 2, CF_SEL_ID, 0x808610d3, 0xffffffff, "" },
	};
	char bad[2048] = "", err[ERRLEN];
	size_t used = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].buf) - cases[i].outside;
		struct cf_policy p;
		const struct cf_rule *r = &p.rules[0];

		if (cf_policy_parse(cases[i].buf, len, FNAME, &p, err, sizeof(err))) {
			used += (size_t)snprintf(bad + used, sizeof(bad) - used, "\n  '%.*s': %s",
						 (int)len, cases[i].buf, err);
			continue;
		}
		if (r->selector == cases[i].selector && r->sel_value == cases[i].value &&
		    r->sel_mask == cases[i].mask && !strcmp(r->sel_bdf, cases[i].bdf))
			continue;
		used += (size_t)snprintf(bad + used, sizeof(bad) - used,
					 "\n  '%.*s': selector %u value 0x%x mask 0x%x bdf '%s', "
					 "expected %u 0x%x 0x%x '%s'",
					 (int)len, cases[i].buf, r->selector, r->sel_value,
					 r->sel_mask, r->sel_bdf, cases[i].selector, cases[i].value,
					 cases[i].mask, cases[i].bdf);
	}
	if (used)
		fail_msg("selector at the end of the text read past it:%s", bad);
}

/* An address whose canonical spelling does not fit in sel_bdf must not be
 * cut short: a cut one names no device, and two addresses that differ only
 * in the cut-off function become "duplicates". Either reject it or keep it
 * whole. */
static void test_selector_long_domain_not_truncated(void **state)
{
	const char *addrs[] = { "ffffffff:00:00.0", "12345678:00:00.1" };
	char text[128], err[ERRLEN];
	struct cf_policy p;

	for (size_t i = 0; i < 2; i++) {
		snprintf(text, sizeof(text), "mask pcie.devctl.mps on %s\n", addrs[i]);
		if (parse_text(text, &p, err))
			continue; /* rejected: fine */
		if (strcmp(p.rules[0].sel_bdf, addrs[i]))
			fail_msg("'%s' accepted as sel_bdf '%s'", addrs[i], p.rules[0].sel_bdf);
	}
	/* two different functions are not a duplicate */
	if (parse_text("mask pcie.devctl.mps on ffffffff:00:00.0\n"
		       "mask pcie.devctl.mps on ffffffff:00:00.1\n",
		       &p, err) &&
	    strstr(err, "repeats line"))
		fail_msg("two functions of one device called duplicates: %s", err);
}

static void test_error_unknown_selector(void **state)
{
	static const char *const sels[] = {
		"frob", "ALL", "All", "8086", "808:10d3", "80861:10d3", "8086:10d", "8086:10d3x",
		"8086:**", "8086:*0", "zzzz:1234", "8086:zzzz", "0000:01:00", ":*", "*:*", "classes",
		"Class", "0000:01",
	};
	char text[128], want[256];

	for (size_t i = 0; i < sizeof(sels) / sizeof(sels[0]); i++) {
		snprintf(text, sizeof(text), "mask pcie.devctl.mps on %s\n", sels[i]);
		snprintf(want, sizeof(want),
			 FNAME ":1:25: unknown device selector '%s' (expected: all, DDDD:BB:DD.F, "
			       "VVVV:DDDD, VVVV:* or class CC[SS[PP]])",
			 sels[i]);
		expect_error_is(text, want);
	}
}

static void test_error_bad_device_address(void **state)
{
	static const char *const sels[] = {
		"0000:1:00.0",    "0000:001:00.0", "0000:01:0.0",      "0000:01:000.0",
		"0000:01:00.00",  "0000:01:00.",   "0000:01:00.a",     "000g:01:00.0",
		":01:00.0",       "0000:0g:00.0",  "0000:01:0g.0",     "123456789:01:00.0",
		"0000:01.00.0",   "0000.01:00:0",  "0000:01:00.0:",    "0000:01:00:0.0",
		"0x00:01:00.0",   "0000:01:00.-1", "0000::01:00.0",    "8086:10d3.0",
	};
	char text[128];

	for (size_t i = 0; i < sizeof(sels) / sizeof(sels[0]); i++) {
		snprintf(text, sizeof(text), "mask pcie.devctl.mps on %s\n", sels[i]);
		expect_error_is(text, FNAME ":1:25: expected a device address DDDD:BB:DD.F, "
					    "e.g. 0000:01:00.0");
	}
}

static void test_error_device_address_out_of_range(void **state)
{
	static const char *const sels[] = {
		"0000:01:20.0", "0000:01:ff.0", "0000:01:00.8", "0000:01:00.9", "0000:00:3f.7",
	};
	char text[128], want[256];

	for (size_t i = 0; i < sizeof(sels) / sizeof(sels[0]); i++) {
		snprintf(text, sizeof(text), "mask pcie.devctl.mps on %s\n", sels[i]);
		snprintf(want, sizeof(want),
			 FNAME ":1:25: device address %s is out of range (device 00-1f, "
			       "function 0-7)",
			 sels[i]);
		expect_error_is(text, want);
	}
	/* the upper bounds themselves are fine */
	one_rule("mask pcie.devctl.mps on 0000:ff:1f.7\n");
}

static void test_error_bad_class(void **state)
{
	static const struct {
		const char *sel;
		unsigned int col;
	} cases[] = {
		{ "class 2", 31 },      { "class 020", 31 },     { "class 02000", 31 },
		{ "class 0200000", 31 }, { "class 0g", 31 },     { "class zz", 31 },
		{ "class 02-0", 31 },    { "class", 30 },        { "class # net", 31 },
		{ "class 0x", 31 },      { "class 0x020", 33 },  { "class 0x2", 33 },
		{ "class 0x0x02", 33 },  { "class\t\t", 32 },    { "class -2", 31 },
	};
	char text[128], want[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "mask pcie.devctl.mps on %s\n", cases[i].sel);
		snprintf(want, sizeof(want),
			 FNAME ":1:%u: expected a class code of 2, 4 or 6 hex digits "
			       "(base class, +subclass, +prog-if), e.g. class 0200",
			 cases[i].col);
		expect_error_is(text, want);
	}
}

static void test_error_on_without_selector(void **state)
{
	expect_error_is("mask pcie.devctl.mps on\n",
			FNAME ":1:24: expected a device selector after 'on'");
	expect_error_is("mask pcie.devctl.mps on", FNAME ":1:24: expected a device selector after 'on'");
	expect_error_is("mask pcie.devctl.mps on   # c\n",
			FNAME ":1:27: expected a device selector after 'on'");
	expect_error_is("mask pcie.devctl.mps on#c\n",
			FNAME ":1:24: expected a device selector after 'on'");
	expect_error_is("mask pcie.devctl.mps on \r\n",
			FNAME ":1:26: expected a device selector after 'on'");
}

static void test_error_junk_after_selector(void **state)
{
	expect_error_is("mask pcie.devctl.mps on all extra\n",
			FNAME ":1:29: expected end of line after the selector, found 'extra'");
	expect_error_is("mask pcie.devctl.mps on 0000:01:00.0 0000:02:00.0\n",
			FNAME ":1:38: expected end of line after the selector, found '0000:02:00.0'");
	expect_error_is("mask pcie.devctl.mps on 8086:* and more\n",
			FNAME ":1:32: expected end of line after the selector, found 'and'");
	expect_error_is("mask pcie.devctl.mps on class 02 00\r\n",
			FNAME ":1:34: expected end of line after the selector, found '00'");
	expect_error_is("mask pcie.devctl.mps on 8086:10d3 on all\n",
			FNAME ":1:35: expected end of line after the selector, found 'on'");
	expect_error_is("mask pcie.devctl.mps on all x#y\n",
			FNAME ":1:29: expected end of line after the selector, found 'x'");
}

static void test_error_word_other_than_on(void **state)
{
	static const char *const words[] = { "at", "ON", "On", "onn", "o", "for", "all", "class" };
	char text[128], want[256];

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		snprintf(text, sizeof(text), "mask pcie.devctl.mps %s all\n", words[i]);
		snprintf(want, sizeof(want),
			 FNAME ":1:22: expected 'on SELECTOR' or end of line after "
			       "'pcie.devctl.mps', found '%s'",
			 words[i]);
		expect_error_is(text, want);
	}
	expect_error_is("deny hdr+0x04/2:0x4 0000:01:00.0\n",
			FNAME ":1:21: expected 'on SELECTOR' or end of line after "
			      "'hdr+0x04/2:0x4', found '0000:01:00.0'");
}

/* ---- duplicates -------------------------------------------------------------- */

static void test_error_duplicate_same_action_and_selector(void **state)
{
	expect_error_is("deny pcie.devctl.mps on 0000:01:00.0\n"
			"deny pcie.devctl.mps on 0000:01:00.0\n",
			FNAME ":2:1: rule 'pcie.devctl.mps' repeats line 1");
	expect_error_is("audit hdr.command on 8086:*\n\n  audit hdr.command on 8086:*  # again\n",
			FNAME ":3:3: rule 'hdr.command' repeats line 1");
	expect_error_is("virtualize aer.uncor_mask.ecrc on class 0200\n"
			"mask aer.uncor_mask.ecrc on class 0200\n"
			"virtualize aer.uncor_mask.ecrc on class 0200\n",
			FNAME ":3:1: rule 'aer.uncor_mask.ecrc' repeats line 1");
	expect_error_is("mask cap(0x10)+0x08/2:0x00e0\nmask cap(0x10)+0x08/2:0x00e0\n",
			FNAME ":2:1: rule 'cap(0x10)+0x08/2:0x00e0' repeats line 1");
}

/* Selectors compare as what they compile to, not as text. */
static void test_error_duplicate_selector_spelled_differently(void **state)
{
	expect_error_is("mask pcie.devctl.mps on 0000:01:00.0\nmask pcie.devctl.mps on 0:01:00.0\n",
			FNAME ":2:1: rule 'pcie.devctl.mps' repeats line 1");
	expect_error_is("mask pcie.devctl.mps on 0000:0a:00.0\nmask pcie.devctl.mps on 0000:0A:00.0\n",
			FNAME ":2:1: rule 'pcie.devctl.mps' repeats line 1");
	expect_error_is("mask pcie.devctl.mps on 8086:10d3\nmask pcie.devctl.mps on 8086:10D3\n",
			FNAME ":2:1: rule 'pcie.devctl.mps' repeats line 1");
	expect_error_is("mask pcie.devctl.mps on class 02\nmask pcie.devctl.mps on class 0x02\n",
			FNAME ":2:1: rule 'pcie.devctl.mps' repeats line 1");
	expect_error_is("mask pcie.devctl.mps\nmask pcie.devctl.mps on all\n",
			FNAME ":2:1: rule 'pcie.devctl.mps' repeats line 1");
}

static void test_duplicate_target_with_other_action_accepted(void **state)
{
	struct cf_policy p;

	parse_ok("mask pcie.devctl.mps\n"
		 "deny pcie.devctl.mps\n"
		 "virtualize pcie.devctl.mps\n"
		 "audit pcie.devctl.mps\n",
		 &p);
	assert_int_equal(p.nrules, 4);
	assert_int_equal(p.rules[0].action, CF_ACT_MASK);
	assert_int_equal(p.rules[1].action, CF_ACT_DENY);
	assert_int_equal(p.rules[2].action, CF_ACT_VIRTUALIZE);
	assert_int_equal(p.rules[3].action, CF_ACT_AUDIT);
}

static void test_duplicate_target_with_other_selector_accepted(void **state)
{
	struct cf_policy p;

	parse_ok("mask pcie.devctl.mps\n"
		 "mask pcie.devctl.mps on 0000:01:00.0\n"
		 "mask pcie.devctl.mps on 0000:01:00.1\n"
		 "mask pcie.devctl.mps on 0001:01:00.0\n"
		 "mask pcie.devctl.mps on 8086:10d3\n"
		 "mask pcie.devctl.mps on 8086:10d4\n"
		 "mask pcie.devctl.mps on 8086:*\n"
		 "mask pcie.devctl.mps on 10de:*\n"
		 "mask pcie.devctl.mps on class 02\n"
		 "mask pcie.devctl.mps on class 0200\n"
		 "mask pcie.devctl.mps on class 020000\n"
		 "mask pcie.devctl.mps on class 03\n",
		 &p);
	assert_int_equal(p.nrules, 12);
	expect_sel(&p.rules[0], CF_SEL_ALL, 0, 0, "");
	expect_sel(&p.rules[1], CF_SEL_BDF, 0, 0, "0000:01:00.0");
	expect_sel(&p.rules[2], CF_SEL_BDF, 0, 0, "0000:01:00.1");
	expect_sel(&p.rules[3], CF_SEL_BDF, 0, 0, "0001:01:00.0");
	expect_sel(&p.rules[4], CF_SEL_ID, 0x808610d3, 0xffffffff, "");
	expect_sel(&p.rules[5], CF_SEL_ID, 0x808610d4, 0xffffffff, "");
	expect_sel(&p.rules[6], CF_SEL_ID, 0x80860000, 0xffff0000, "");
	expect_sel(&p.rules[7], CF_SEL_ID, 0x10de0000, 0xffff0000, "");
	expect_sel(&p.rules[8], CF_SEL_CLASS, 0x020000, 0xff0000, "");
	expect_sel(&p.rules[9], CF_SEL_CLASS, 0x020000, 0xffff00, "");
	expect_sel(&p.rules[10], CF_SEL_CLASS, 0x020000, 0xffffff, "");
	expect_sel(&p.rules[11], CF_SEL_CLASS, 0x030000, 0xff0000, "");
}

/* Duplicates are by name: a name and its raw spelling are two rules. */
static void test_duplicate_is_by_name_not_by_bits(void **state)
{
	struct cf_policy p;

	parse_ok("mask pcie.devctl.mps\nmask cap(0x10)+0x08/2:0x00e0\n", &p);
	assert_int_equal(p.nrules, 2);
}

/* ---- policy flags ------------------------------------------------------------ */

static __u32 flags_of(const char *text)
{
	struct cf_policy p;

	parse_ok(text, &p);
	return p.flags;
}

static void test_flags(void **state)
{
	const int E = CF_POL_ENFORCE, M = CF_POL_MASK | CF_POL_ENFORCE;

	assert_int_equal(CF_POL_DENY, 1);
	assert_int_equal(CF_POL_VIRTUALIZE, 2);
	assert_int_equal(CF_POL_ECAP, 4);
	assert_int_equal(CF_POL_CAP, 8);
	assert_int_equal(CF_POL_ENFORCE, 16);
	assert_int_equal(CF_POL_MASK, 64);
	assert_int_equal(default_policy().flags, M);
	assert_int_equal(flags_of("mask hdr.command\n"), M);
	assert_int_equal(flags_of("audit pcie.devctl.mps\n"), 0);
	assert_int_equal(flags_of("mask hdr+0x04/2:0x4 on class 02\n"), M);
	assert_int_equal(flags_of("deny pcie.devctl.mps\n"), CF_POL_DENY | E);
	assert_int_equal(flags_of("virtualize pcie.devctl.mps\n"), CF_POL_VIRTUALIZE | E);
	assert_int_equal(flags_of("mask aer.uncor_mask.ecrc\n"), CF_POL_ECAP | M);
	assert_int_equal(flags_of("audit ecap(0x0010)+0x04/4:0x1\n"), CF_POL_ECAP);
	assert_int_equal(flags_of("mask cap(0x01)+0x04/2:0x3\n"), CF_POL_CAP | M);
	assert_int_equal(flags_of("audit cap(0x05)+0x02/2:0x1 on 8086:*\n"), CF_POL_CAP);
	/* the PCIe capability, by name or raw, is not "another" capability */
	assert_int_equal(flags_of("mask cap(0x10)+0x08/2:0x00e0\n"), M);
	assert_int_equal(flags_of("deny pcie.devctl.flr\nmask cap(0x10)+0x28/2:0x0400\n"),
			 CF_POL_DENY | M);
	assert_int_equal(flags_of("deny aer.cor_mask.bad_tlp on 0000:01:00.0\n"
				  "virtualize cap(0x01)+0x04/2:0x3\n"
				  "mask pcie.devctl.mps\n"),
			 CF_POL_DENY | CF_POL_VIRTUALIZE | CF_POL_ECAP | CF_POL_CAP | M);
	assert_int_equal(flags_of("virtualize aer.cap_control.ecrc_gen_enable\n"
				  "deny hdr.command.bus_master\n"),
			 CF_POL_DENY | CF_POL_VIRTUALIZE | CF_POL_ECAP | E);
}

/* on_violation: a setting kept by the flags and the hash, not a rule. */
static void test_on_violation(void **state)
{
	struct cf_policy a, b, c;

	parse_ok("mask hdr.command.serr\n", &a);
	parse_ok("on_violation kill\nmask hdr.command.serr\n", &b);
	parse_ok("mask hdr.command.serr # x\non_violation kill   # why\non_violation report\n", &c);
	assert_int_equal(a.flags & CF_POL_KILL, 0);
	assert_int_equal(b.flags & CF_POL_KILL, CF_POL_KILL);
	assert_int_equal(b.flags & ~CF_POL_KILL, a.flags);
	assert_int_equal(b.nrules, 1);
	/* another setting is another policy; the last line says */
	assert_true(a.hash != b.hash);
	assert_true(c.hash == a.hash);
	expect_error_is("on_violation\nmask hdr.command.serr\n",
			FNAME ":1:13: expected 'kill' or 'report' after 'on_violation'");
	expect_error("on_violation kill now\nmask hdr.command.serr\n", FNAME ":1:19: ",
		     "expected end of line", NULL);
	expect_error("on_violation kill\n", FNAME ":1:1: ", "no rules", NULL);
}

/* ---- sorting ----------------------------------------------------------------- */

/* Rules of one register end up adjacent whatever their action or selector,
 * in file order among themselves. */
static void test_sort_groups_register_across_actions_and_selectors(void **state)
{
	struct cf_policy p;

	parse_ok("deny pcie.devctl.flr on 0000:01:00.0\n"        /* 1: cap 0x10 +0x08 */
		 "audit hdr.command.bus_master\n"                 /* 2: hdr +0x04 */
		 "virtualize aer.uncor_mask.ecrc on class 02\n"   /* 3: ecap 1 +0x08 */
		 "mask pcie.devctl.mps on 8086:*\n"               /* 4: cap 0x10 +0x08 */
		 "deny hdr+0x04/2:0x0400\n"                       /* 5: hdr +0x04 */
		 "audit pcie.devctl.mps\n"                        /* 6: cap 0x10 +0x08 */
		 "mask aer.uncor_mask.poisoned_tlp on 8086:10d3\n" /* 7: ecap 1 +0x08 */
		 "virtualize pcie.devctl.phantom on class 0200\n" /* 8: cap 0x10 +0x08 */
		 "mask hdr.command on 0000:02:00.0\n",            /* 9: hdr +0x04 */
		 &p);
	assert_int_equal(p.nrules, 9);
	expect_rule_act(&p.rules[0], "hdr.command.bus_master", CF_ACT_AUDIT, CF_ANCHOR_HDR, 0, 0x04,
			2, 0x0004);
	expect_rule_act(&p.rules[1], "hdr+0x04/2:0x0400", CF_ACT_DENY, CF_ANCHOR_HDR, 0, 0x04, 2,
			0x0400);
	expect_rule_act(&p.rules[2], "hdr.command", CF_ACT_MASK, CF_ANCHOR_HDR, 0, 0x04, 2, 0xffff);
	expect_sel(&p.rules[2], CF_SEL_BDF, 0, 0, "0000:02:00.0");
	expect_rule_act(&p.rules[3], "pcie.devctl.flr", CF_ACT_DENY, CF_ANCHOR_CAP, 0x10, 0x08, 2,
			0x8000);
	expect_sel(&p.rules[3], CF_SEL_BDF, 0, 0, "0000:01:00.0");
	expect_rule_act(&p.rules[4], "pcie.devctl.mps", CF_ACT_MASK, CF_ANCHOR_CAP, 0x10, 0x08, 2,
			0x00e0);
	expect_sel(&p.rules[4], CF_SEL_ID, 0x80860000, 0xffff0000, "");
	expect_rule_act(&p.rules[5], "pcie.devctl.mps", CF_ACT_AUDIT, CF_ANCHOR_CAP, 0x10, 0x08, 2,
			0x00e0);
	expect_sel(&p.rules[5], CF_SEL_ALL, 0, 0, "");
	expect_rule_act(&p.rules[6], "pcie.devctl.phantom", CF_ACT_VIRTUALIZE, CF_ANCHOR_CAP, 0x10,
			0x08, 2, 0x0200);
	expect_sel(&p.rules[6], CF_SEL_CLASS, 0x020000, 0xffff00, "");
	expect_rule_act(&p.rules[7], "aer.uncor_mask.ecrc", CF_ACT_VIRTUALIZE, CF_ANCHOR_ECAP, 0x0001,
			0x08, 4, 0x00080000);
	expect_sel(&p.rules[7], CF_SEL_CLASS, 0x020000, 0xff0000, "");
	expect_rule_act(&p.rules[8], "aer.uncor_mask.poisoned_tlp", CF_ACT_MASK, CF_ANCHOR_ECAP,
			0x0001, 0x08, 4, 0x00001000);
	expect_sel(&p.rules[8], CF_SEL_ID, 0x808610d3, 0xffffffff, "");
}

/* Key order: anchor, then capability id, then offset, then width. */
static void test_sort_by_anchor_cap_id_offset_width(void **state)
{
	struct cf_policy p;

	parse_ok("mask ecap(0x0002)+0x04/4:0x1\n"
		 "mask ecap(0x0001)+0x10/4:0x1\n"
		 "mask cap(0x10)+0x04/2:0x1\n"
		 "mask cap(0x01)+0x08/2:0x1\n"
		 "mask hdr+0x3c/1:0x1\n"
		 "mask hdr+0x04/2:0x1\n"
		 "mask hdr+0x04/1:0x1\n"
		 "mask hdr+0x04/4:0x1\n"
		 "mask cap(0x05)+0x00/4:0x1\n"
		 "mask ecap(0x0001)+0x08/4:0x1\n",
		 &p);
	assert_int_equal(p.nrules, 10);
	assert_string_equal(p.rules[0].name, "hdr+0x04/1:0x1");
	assert_string_equal(p.rules[1].name, "hdr+0x04/2:0x1");
	assert_string_equal(p.rules[2].name, "hdr+0x04/4:0x1");
	assert_string_equal(p.rules[3].name, "hdr+0x3c/1:0x1");
	assert_string_equal(p.rules[4].name, "cap(0x01)+0x08/2:0x1");
	assert_string_equal(p.rules[5].name, "cap(0x05)+0x00/4:0x1");
	assert_string_equal(p.rules[6].name, "cap(0x10)+0x04/2:0x1");
	assert_string_equal(p.rules[7].name, "ecap(0x0001)+0x08/4:0x1");
	assert_string_equal(p.rules[8].name, "ecap(0x0001)+0x10/4:0x1");
	assert_string_equal(p.rules[9].name, "ecap(0x0002)+0x04/4:0x1");
}

/* 32 rules on one register: the sort keeps all of them in file order. */
static void test_sort_stable_at_rule_limit(void **state)
{
	static const char *const sels[] = { "all", "8086:*", "class 02", "0000:01:00.0" };
	char text[4096];
	size_t used = 0;
	struct cf_policy p;

	for (unsigned int i = 0; i < CF_MAX_RULES; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s pcie.devctl%s on %s\n",
					 cf_action_name(4 - i % 4), i / 16 ? ".mps" : "",
					 sels[i / 4 % 4]);
	parse_ok(text, &p);
	assert_int_equal(p.nrules, CF_MAX_RULES);
	for (unsigned int i = 0; i < CF_MAX_RULES; i++) {
		char sel[32];

		assert_int_equal(p.rules[i].action, 4 - i % 4);
		assert_string_equal(p.rules[i].name, i / 16 ? "pcie.devctl.mps" : "pcie.devctl");
		cf_selector_text(&p.rules[i], sel, sizeof(sel));
		assert_string_equal(sel, sels[i / 4 % 4]);
	}
}

/* ---- hash ---------------------------------------------------------------- */

static void test_hash_changes_with_action_or_selector(void **state)
{
	static const char *const texts[] = {
		"mask pcie.devctl.mps\n",
		"deny pcie.devctl.mps\n",
		"virtualize pcie.devctl.mps\n",
		"audit pcie.devctl.mps\n",
		"mask pcie.devctl.mps on 0000:01:00.0\n",
		"mask pcie.devctl.mps on 0000:01:00.1\n",
		"mask pcie.devctl.mps on 8086:*\n",
		"mask pcie.devctl.mps on 8086:10d3\n",
		"mask pcie.devctl.mps on class 02\n",
		"mask pcie.devctl.mps on class 0200\n",
		"mask cap(0x10)+0x08/2:0x00e0\n",
	};
	const size_t n = sizeof(texts) / sizeof(texts[0]);
	__u64 h[sizeof(texts) / sizeof(texts[0])];
	struct cf_policy p;

	for (size_t i = 0; i < n; i++) {
		parse_ok(texts[i], &p);
		h[i] = p.hash;
		for (size_t j = 0; j < i; j++)
			if (h[i] == h[j])
				fail_msg("same hash for '%s' and '%s'", texts[j], texts[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_default_policy_has_mps_and_phantom),
		cmocka_unit_test(test_shipped_default_policy_file_matches_builtin),
		cmocka_unit_test(test_loaded_temp_file_matches_parsed_text),
		cmocka_unit_test(test_comments_and_blank_lines_are_ignored),
		cmocka_unit_test(test_crlf_line_ends_are_accepted),
		cmocka_unit_test(test_tabs_separate_words),
		cmocka_unit_test(test_trailing_comment_after_rule),
		cmocka_unit_test(test_last_line_without_newline),
		cmocka_unit_test(test_text_need_not_be_nul_terminated),
		cmocka_unit_test(test_whole_register_target_masks_all_bits),
		cmocka_unit_test(test_header_register_target),
		cmocka_unit_test(test_field_targets_resolve_offsets_and_masks),
		cmocka_unit_test(test_pm_pmcsr_fields_resolve_in_the_pm_capability),
		cmocka_unit_test(test_hidden_capability_names_match_their_raw_forms),
		cmocka_unit_test(test_register_name_prefix_of_another_resolves_longest),
		cmocka_unit_test(test_longest_known_name_is_accepted),
		cmocka_unit_test(test_every_known_field_is_a_valid_target),
		cmocka_unit_test(test_rules_grouped_by_register_keeping_file_order),
		cmocka_unit_test(test_rules_sorted_header_first_then_by_offset),
		cmocka_unit_test(test_hash_equal_for_same_text),
		cmocka_unit_test(test_hash_ignores_comments_and_layout),
		cmocka_unit_test(test_hash_changes_when_a_rule_changes),
		cmocka_unit_test(test_error_unknown_action),
		cmocka_unit_test(test_error_action_prefix_suffix_and_case),
		cmocka_unit_test(test_action_deny_parses),
		cmocka_unit_test(test_action_audit_parses),
		cmocka_unit_test(test_action_virtualize_parses),
		cmocka_unit_test(test_each_action_parses_to_its_enum),
		cmocka_unit_test(test_error_line_not_starting_with_a_word),
		cmocka_unit_test(test_error_missing_target),
		cmocka_unit_test(test_error_missing_target_before_comment),
		cmocka_unit_test(test_error_missing_target_crlf),
		cmocka_unit_test(test_error_unknown_register_with_suggestion),
		cmocka_unit_test(test_error_unknown_register_name_alone_with_suggestion),
		cmocka_unit_test(test_error_unknown_register_without_suggestion),
		cmocka_unit_test(test_error_unknown_field_with_suggestion),
		cmocka_unit_test(test_error_unknown_field_without_suggestion),
		cmocka_unit_test(test_error_empty_field_name),
		cmocka_unit_test(test_error_trailing_garbage),
		cmocka_unit_test(test_error_trailing_garbage_crlf),
		cmocka_unit_test(test_error_duplicate_rule_names_earlier_line),
		cmocka_unit_test(test_max_rules_accepted),
		cmocka_unit_test(test_error_too_many_rules),
		cmocka_unit_test(test_error_duplicate_caught_before_rule_limit),
		cmocka_unit_test(test_error_name_too_long),
		cmocka_unit_test(test_error_nul_byte),
		cmocka_unit_test(test_error_nul_byte_in_comment),
		cmocka_unit_test(test_error_empty_policy),
		cmocka_unit_test(test_error_only_comments),
		cmocka_unit_test(test_error_message_truncated_to_buffer),
		cmocka_unit_test(test_error_in_file_names_the_path),
		cmocka_unit_test(test_error_nonexistent_file),
		cmocka_unit_test(test_error_directory_is_not_a_policy),
		cmocka_unit_test(test_error_empty_file),
		cmocka_unit_test(test_file_just_under_1mib_is_read),
		cmocka_unit_test(test_file_of_exactly_1mib_is_read),
		cmocka_unit_test(test_error_file_larger_than_1mib),
		cmocka_unit_test(test_action_names),
		cmocka_unit_test(test_describe_default_policy),
		cmocka_unit_test(test_describe_header_rule),
		cmocka_unit_test(test_describe_actions_anchors_and_selectors),
		cmocka_unit_test(test_describe_truncates_to_buffer),
		cmocka_unit_test(test_raw_target_header),
		cmocka_unit_test(test_raw_target_capability),
		cmocka_unit_test(test_raw_target_extended_capability),
		cmocka_unit_test(test_raw_target_number_syntax),
		cmocka_unit_test(test_raw_target_region_limits),
		cmocka_unit_test(test_raw_target_then_comment_and_selector),
		cmocka_unit_test(test_error_raw_bad_capability_id),
		cmocka_unit_test(test_error_raw_capability_id_zero),
		cmocka_unit_test(test_error_raw_missing_paren),
		cmocka_unit_test(test_error_raw_missing_plus),
		cmocka_unit_test(test_error_raw_bad_offset),
		cmocka_unit_test(test_error_raw_offset_too_large_for_region),
		cmocka_unit_test(test_error_raw_missing_slash),
		cmocka_unit_test(test_error_raw_bad_width),
		cmocka_unit_test(test_error_raw_misaligned_offset),
		cmocka_unit_test(test_error_raw_mask_zero),
		cmocka_unit_test(test_error_raw_mask_wider_than_width),
		cmocka_unit_test(test_error_raw_bad_mask_text),
		cmocka_unit_test(test_error_raw_like_unknown_names),
		cmocka_unit_test(test_aer_names),
		cmocka_unit_test(test_aer_name_equals_raw_target),
		cmocka_unit_test(test_error_aer_unknown_field),
		cmocka_unit_test(test_selector_absent_means_all),
		cmocka_unit_test(test_selector_device_address),
		cmocka_unit_test(test_selector_vendor_device),
		cmocka_unit_test(test_selector_vendor_any_device),
		cmocka_unit_test(test_selector_class),
		cmocka_unit_test(test_selector_text_round_trip),
		cmocka_unit_test(test_selector_text_without_selector_is_all),
		cmocka_unit_test(test_selector_text_truncates_to_buffer),
		cmocka_unit_test(test_selector_at_end_of_unterminated_text),
		cmocka_unit_test(test_selector_long_domain_not_truncated),
		cmocka_unit_test(test_error_unknown_selector),
		cmocka_unit_test(test_error_bad_device_address),
		cmocka_unit_test(test_error_device_address_out_of_range),
		cmocka_unit_test(test_error_bad_class),
		cmocka_unit_test(test_error_on_without_selector),
		cmocka_unit_test(test_error_junk_after_selector),
		cmocka_unit_test(test_error_word_other_than_on),
		cmocka_unit_test(test_error_duplicate_same_action_and_selector),
		cmocka_unit_test(test_error_duplicate_selector_spelled_differently),
		cmocka_unit_test(test_duplicate_target_with_other_action_accepted),
		cmocka_unit_test(test_duplicate_target_with_other_selector_accepted),
		cmocka_unit_test(test_duplicate_is_by_name_not_by_bits),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_on_violation),
		cmocka_unit_test(test_sort_groups_register_across_actions_and_selectors),
		cmocka_unit_test(test_sort_by_anchor_cap_id_offset_width),
		cmocka_unit_test(test_sort_stable_at_rule_limit),
		cmocka_unit_test(test_hash_changes_with_action_or_selector),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
