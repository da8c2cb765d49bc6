// SPDX-License-Identifier: GPL-2.0
/* Policy parser: loader/policy.c through cf_policy_parse and
 * cf_policy_load_file. Run with the repository root as the working
 * directory (policy/default.policy is read by relative path). */
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

static void expect_rule(const struct cf_rule *r, const char *name, __u8 anchor, __u16 cap_id,
			__u16 offset, __u8 width, __u32 mask)
{
	assert_string_equal(r->name, name);
	assert_int_equal(r->anchor, anchor);
	if (anchor == CF_ANCHOR_CAP)
		assert_int_equal(r->cap_id, cap_id);
	assert_int_equal(r->offset, offset);
	assert_int_equal(r->width, width);
	assert_int_equal(r->mask, mask);
	assert_int_equal(r->action, CF_ACT_MASK);
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
		     "unknown action 'allow'", "(expected: mask)", NULL);
	expect_error("  frob x\n", FNAME ":1:3: ", "unknown action 'frob'", NULL);
	expect_error("MASK pcie.devctl.mps\n", FNAME ":1:1: ", "unknown action 'MASK'", NULL);
}

static void test_error_action_deny_not_yet_supported(void **state)
{
	expect_error("deny pcie.devctl.mps\n", FNAME ":1:1: ",
		     "action 'deny' is not supported by this version", "(expected: mask)", NULL);
}

static void test_error_action_audit_not_yet_supported(void **state)
{
	expect_error("# c\n\taudit pcie.devctl.mps\n", FNAME ":2:2: ",
		     "action 'audit' is not supported by this version", NULL);
}

static void test_error_action_virtualize_not_yet_supported(void **state)
{
	expect_error("virtualize pcie.devctl.mps\n", FNAME ":1:1: ",
		     "action 'virtualize' is not supported by this version", NULL);
}

static void test_error_line_not_starting_with_a_word(void **state)
{
	/* \f is whitespace to isspace() but not skipped as indentation */
	expect_error("mask pcie.devctl.mps\n\fmask pcie.devctl.phantom\n", FNAME ":2:1: ",
		     "expected an action (mask)", NULL);
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

	expect_error("mask zzzz\n", FNAME ":1:6: ", "unknown register 'zzzz'",
		     "(expected a name like pcie.devctl.mps)", NULL);
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
		     "expected end of line after 'pcie.devctl.mps', found 'extra'", NULL);
}

static void test_error_trailing_garbage_crlf(void **state)
{
	struct cf_policy p;
	char err[ERRLEN];

	/* the \r is not part of the reported word */
	assert_int_equal(parse_text("mask pcie.devctl.mps junk\r\n", &p, err), -1);
	assert_string_equal(err,
			    FNAME ":1:22: expected end of line after 'pcie.devctl.mps', found 'junk'");
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
	assert_string_equal(cf_action_name(0), "?");
	assert_string_equal(cf_action_name(99), "?");
}

static void test_describe_default_policy(void **state)
{
	struct cf_policy p = default_policy();
	char buf[1024];

	cf_policy_describe(&p, buf, sizeof(buf));
	assert_non_null(strstr(buf, "rule 0  pcie.devctl.mps"));
	assert_non_null(strstr(buf, "rule 1  pcie.devctl.phantom"));
	assert_non_null(strstr(buf, "mask cap 0x10 +0x08 width 2 mask 0x00e0\n"));
	assert_non_null(strstr(buf, "mask cap 0x10 +0x08 width 2 mask 0x0200\n"));
}

static void test_describe_header_rule(void **state)
{
	struct cf_policy p;
	char buf[1024];

	parse_ok("mask hdr.command.bus_master\n", &p);
	cf_policy_describe(&p, buf, sizeof(buf));
	assert_non_null(strstr(buf, "hdr.command.bus_master"));
	assert_non_null(strstr(buf, "mask header +0x04 width 2 mask 0x0004\n"));
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
		cmocka_unit_test(test_register_name_prefix_of_another_resolves_longest),
		cmocka_unit_test(test_longest_known_name_is_accepted),
		cmocka_unit_test(test_every_known_field_is_a_valid_target),
		cmocka_unit_test(test_rules_grouped_by_register_keeping_file_order),
		cmocka_unit_test(test_rules_sorted_header_first_then_by_offset),
		cmocka_unit_test(test_hash_equal_for_same_text),
		cmocka_unit_test(test_hash_ignores_comments_and_layout),
		cmocka_unit_test(test_hash_changes_when_a_rule_changes),
		cmocka_unit_test(test_error_unknown_action),
		cmocka_unit_test(test_error_action_deny_not_yet_supported),
		cmocka_unit_test(test_error_action_audit_not_yet_supported),
		cmocka_unit_test(test_error_action_virtualize_not_yet_supported),
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
