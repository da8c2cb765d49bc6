/* SPDX-License-Identifier: GPL-2.0 */
/* Commands and options declared once, in tables; parsing and --help are
 * generated from them (bpftool's cmd_select and xdp-tools' option tables
 * are the models). Pure: the unit tests drive it. */
#ifndef CF_CLI_H
#define CF_CLI_H

#include <stddef.h>
#include <stdio.h>

/* Exit codes beyond 0/1. */
#define CF_EXIT_USAGE 2
#define CF_EXIT_NOT_LOADED 3
#define CF_EXIT_LINT 4 /* policy lint: the policy is valid, with warnings */

#define CF_MAX_OPTS 8
#define CF_MAX_POS 4

struct cf_option {
	const char *name;  /* long name without "--"; NULL ends a table */
	char short_name;   /* 0: none */
	const char *arg;   /* the argument's name in help; NULL: a flag */
	const char *help;
};

struct cf_parsed;

struct cf_command {
	const char *name;  /* NULL ends a table */
	const char *args;  /* positionals in help ("FILE"), or NULL */
	int min_args, max_args;
	const struct cf_option *opts; /* the command's own, or NULL */
	const char *help;  /* one line */
	const char *more;  /* the rest of its --help, or NULL */
	int (*run)(const struct cf_parsed *p);
	const struct cf_command *subs; /* a command of commands ("policy"), or NULL */
};

/* Options every command takes, before or after its name. */
struct cf_globals {
	int verbose, json, pretty, help, version;
};
extern const struct cf_option cf_global_opts[];

struct cf_parsed {
	const struct cf_command *cmd; /* the leaf command; NULL: none given */
	const char *path;             /* "policy apply" */
	const char *val[CF_MAX_OPTS]; /* by option index: its value, "" for a flag; NULL: unset */
	const char *pos[CF_MAX_POS];
	int npos;
	int tool; /* parsed by cf_cli_parse_tool: no command word */
	char path_buf[64];
};

/* Parse argv[0..argc) (the words after the program name) against cmds.
 * Options in any order, anywhere after the command's name: "--name VALUE",
 * "--name=VALUE", "-x VALUE"; "--" ends options. Returns 0, or -1 with a
 * one-line message in err (an unknown command or option, a missing or
 * unexpected argument). With --help, returns 0 and sets g->help; p->cmd
 * is the command asked about (NULL: the whole tool). */
int cf_cli_parse(const struct cf_command *cmds, int argc, char **argv, struct cf_parsed *p,
		 struct cf_globals *g, char *err, size_t errlen);

/* The same for a tool with no commands (cfgfilter-exporter): `tool` is
 * the whole tool, its name the program's. */
int cf_cli_parse_tool(const struct cf_command *tool, int argc, char **argv, struct cf_parsed *p,
		      struct cf_globals *g, char *err, size_t errlen);

/* An option's value as parsed: the value, "" for a set flag, NULL if unset. */
const char *cf_cli_opt(const struct cf_parsed *p, const char *name);

/* --help text: of cmd (its usage line, help, options and the global ones),
 * or of the whole tool when cmd is NULL. */
void cf_cli_help(FILE *f, const struct cf_command *cmds, const struct cf_parsed *p);

#endif
