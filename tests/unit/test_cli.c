// SPDX-License-Identifier: GPL-2.0
/* The command-line tables (lib/cli.c): parsing in any order, global
 * options anywhere, errors in one line, and --help generated from the same
 * tables. The tables here mirror the shape of loader/main.c's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli.h"

static int ran;
static int run_stub(const struct cf_parsed *p)
{
	return ++ran;
}

static const struct cf_option load_opts[] = {
	{ "policy", 0, "FILE", "policy file" },
	{ "strict", 0, NULL, "refuse fallbacks" },
	{ "wait", 'w', "SECONDS", "wait for the module" },
	{ NULL, 0, NULL, NULL },
};
static const struct cf_option apply_opts[] = {
	{ "strict", 0, NULL, "refuse fallbacks" },
	{ NULL, 0, NULL, NULL },
};
static const struct cf_command policy_cmds[] = {
	{ "check", "FILE", 1, 1, NULL, "validate FILE", NULL, run_stub, NULL },
	{ "show", NULL, 0, 0, NULL, "the live policy", NULL, run_stub, NULL },
	{ "apply", "FILE", 1, 1, apply_opts, "make FILE live", NULL, run_stub, NULL },
	{ NULL },
};
static const struct cf_command cmds[] = {
	{ "load", NULL, 0, 0, load_opts, "load the filter", "More about load.\n", run_stub, NULL },
	{ "unload", NULL, 0, 0, NULL, "unload it", NULL, run_stub, NULL },
	{ "policy", NULL, 0, 0, NULL, "policies", NULL, NULL, policy_cmds },
	{ NULL },
};

struct result {
	int rc;
	struct cf_parsed p;
	struct cf_globals g;
	char err[256];
};

/* Parse a space-separated command line (no quoting needed here). */
static struct result *parse(const char *line)
{
	static struct result r;
	static char buf[256];
	char *argv[32], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *w = strtok_r(buf, " ", &save); w && argc < 32; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	memset(&r, 0, sizeof(r));
	r.rc = cf_cli_parse(cmds, argc, argv, &r.p, &r.g, r.err, sizeof(r.err));
	return &r;
}

static void expect_load(const char *line, const char *policy, int strict, int json)
{
	struct result *r = parse(line);

	if (r->rc)
		fail_msg("'%s': %s", line, r->err);
	assert_string_equal(r->p.path, "load");
	if (policy)
		assert_string_equal(cf_cli_opt(&r->p, "policy"), policy);
	else
		assert_null(cf_cli_opt(&r->p, "policy"));
	assert_int_equal(cf_cli_opt(&r->p, "strict") != NULL, strict);
	assert_int_equal(r->g.json, json);
}

static void test_options_in_any_order_and_forms(void **state)
{
	expect_load("load --strict --policy a.policy", "a.policy", 1, 0);
	expect_load("load --policy a.policy --strict", "a.policy", 1, 0);
	expect_load("load --policy=a.policy", "a.policy", 0, 0);
	expect_load("load", NULL, 0, 0);
	assert_string_equal(cf_cli_opt(&parse("load -w 3")->p, "wait"), "3");
	assert_string_equal(cf_cli_opt(&parse("load --wait=0.5")->p, "wait"), "0.5");
	/* a value that looks like an option is still the value */
	expect_load("load --policy --strict", "--strict", 0, 0);
}

static void test_global_options_anywhere(void **state)
{
	struct result *r;

	expect_load("-j load --policy a", "a", 0, 1);
	expect_load("load --policy a -j", "a", 0, 1);
	expect_load("load --json --policy a", "a", 0, 1);
	r = parse("-v policy show -p");
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->g.verbose, 1);
	assert_int_equal(r->g.json, 1);
	assert_int_equal(r->g.pretty, 1);
	assert_string_equal(r->p.path, "policy show");
}

static void test_subcommand_options_after_positionals(void **state)
{
	struct result *r = parse("policy apply x.policy --strict");

	assert_int_equal(r->rc, 0);
	assert_string_equal(r->p.path, "policy apply");
	assert_int_equal(r->p.npos, 1);
	assert_string_equal(r->p.pos[0], "x.policy");
	assert_non_null(cf_cli_opt(&r->p, "strict"));
	r = parse("policy apply --strict x.policy");
	assert_int_equal(r->rc, 0);
	assert_string_equal(r->p.pos[0], "x.policy");
	r = parse("policy check -- --odd-name");
	assert_int_equal(r->rc, 0);
	assert_string_equal(r->p.pos[0], "--odd-name");
}

static void expect_error(const char *line, const char *msg)
{
	struct result *r = parse(line);

	if (!r->rc)
		fail_msg("'%s' parsed; wanted error '%s'", line, msg);
	assert_string_equal(r->err, msg);
	assert_null(strchr(r->err, '\n'));
}

static void test_errors_say_what_and_where(void **state)
{
	expect_error("load --bogus", "load: unknown option '--bogus'");
	expect_error("load --policy", "load: option --policy needs FILE");
	expect_error("load --strict=yes", "load: option --strict takes no value");
	expect_error("load extra", "load: unexpected argument 'extra'");
	expect_error("policy apply", "policy apply: missing FILE");
	expect_error("policy apply a b", "policy apply: unexpected argument 'b'");
	expect_error("policy frob", "policy: unknown command 'frob'");
	expect_error("policy", "policy: expected a command after it");
	expect_error("frob", "unknown command 'frob'");
	expect_error("", "no command given");
	expect_error("--bogus load", "cfgfilter: unknown option '--bogus'");
	expect_error("unload --strict", "unload: unknown option '--strict'");
	expect_error("load --json=1", "option --json takes no value");
}

static char *help_of(const char *line)
{
	static char *text;
	struct result *r = parse(line);
	size_t len;
	FILE *f;

	assert_int_equal(r->rc, 0);
	assert_int_equal(r->g.help, 1);
	free(text);
	f = open_memstream(&text, &len);
	cf_cli_help(f, cmds, &r->p);
	fclose(f);
	return text;
}

static void test_help_comes_from_the_tables(void **state)
{
	char *h = help_of("load --help");

	assert_non_null(strstr(h, "usage: cfgfilter load [--policy FILE] [--strict] [--wait SECONDS]\n"));
	assert_non_null(strstr(h, "More about load."));
	for (const struct cf_option *o = load_opts; o->name; o++)
		assert_non_null(strstr(h, o->help));
	for (const struct cf_option *o = cf_global_opts; o->name; o++)
		assert_non_null(strstr(h, o->help));
	h = help_of("policy apply -h");
	assert_non_null(strstr(h, "usage: cfgfilter policy apply [--strict] FILE\n"));
	h = help_of("--help");
	assert_non_null(strstr(h, "policy check FILE"));
	assert_non_null(strstr(h, "policy apply FILE"));
	assert_non_null(strstr(h, "unload"));
	h = help_of("policy --help");
	assert_non_null(strstr(h, "policy show"));
}

static void test_help_and_version_need_no_command(void **state)
{
	struct result *r = parse("--version");

	assert_int_equal(r->rc, 0);
	assert_int_equal(r->g.version, 1);
	assert_null(r->p.cmd);
}

/* A tool with no commands (cfgfilter-exporter): its options straight
 * after the program name, a word is an error, help names the program. */
static const struct cf_option tool_opts[] = {
	{ "listen", 'l', "IP:PORT", "where to listen" },
	{ NULL, 0, NULL, NULL },
};
static const struct cf_command tool = { "exporter", NULL, 0, 0, tool_opts, "serve things",
					NULL, run_stub, NULL };

static struct result *parse_tool(int argc, char **argv)
{
	static struct result r;

	memset(&r, 0, sizeof(r));
	r.rc = cf_cli_parse_tool(&tool, argc, argv, &r.p, &r.g, r.err, sizeof(r.err));
	return &r;
}

static void test_tool_without_commands(void **state)
{
	char *ok[] = { "-j", "--listen", "0.0.0.0:1" }, *eq[] = { "--listen=1.2.3.4:5" },
	     *word[] = { "serve" }, *bad[] = { "--bogus" }, *help[] = { "-h" };
	struct result *r = parse_tool(3, ok);
	char *text = NULL;
	size_t len;
	FILE *f;

	assert_int_equal(r->rc, 0);
	assert_ptr_equal(r->p.cmd, &tool);
	assert_string_equal(cf_cli_opt(&r->p, "listen"), "0.0.0.0:1");
	assert_int_equal(r->g.json, 1);
	r = parse_tool(1, eq);
	assert_string_equal(cf_cli_opt(&r->p, "listen"), "1.2.3.4:5");
	r = parse_tool(0, NULL);
	assert_int_equal(r->rc, 0);
	assert_null(cf_cli_opt(&r->p, "listen"));
	r = parse_tool(1, word);
	assert_int_equal(r->rc, -1);
	assert_string_equal(r->err, "exporter: unexpected argument 'serve'");
	r = parse_tool(1, bad);
	assert_string_equal(r->err, "exporter: unknown option '--bogus'");
	r = parse_tool(1, help);
	assert_int_equal(r->g.help, 1);
	f = open_memstream(&text, &len);
	cf_cli_help(f, NULL, &r->p);
	fclose(f);
	assert_non_null(strstr(text, "usage: exporter [--listen IP:PORT]\nserve things\n"));
	assert_non_null(strstr(text, "where to listen"));
	assert_null(strstr(text, "cfgfilter"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_in_any_order_and_forms),
		cmocka_unit_test(test_global_options_anywhere),
		cmocka_unit_test(test_subcommand_options_after_positionals),
		cmocka_unit_test(test_errors_say_what_and_where),
		cmocka_unit_test(test_help_comes_from_the_tables),
		cmocka_unit_test(test_help_and_version_need_no_command),
		cmocka_unit_test(test_tool_without_commands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
