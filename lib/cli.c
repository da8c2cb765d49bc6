// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "cli.h"

const struct cf_option cf_global_opts[] = {
	{ "json", 'j', NULL, "results as one JSON object (events: one per line)" },
	{ "pretty", 'p', NULL, "JSON indented (implies --json)" },
	{ "verbose", 'v', NULL, "libbpf and verifier detail on stderr" },
	{ "help", 'h', NULL, "this help" },
	{ "version", 0, NULL, "print the version" },
	{ NULL, 0, NULL, NULL },
};

static const struct cf_command *find_cmd(const struct cf_command *cmds, const char *name)
{
	for (const struct cf_command *c = cmds; c && c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* The option `word` names in table t: its index, or -1. *value is set to
 * the text after '=' in "--name=value". */
static int find_opt(const struct cf_option *t, const char *word, const char **value)
{
	*value = NULL;
	for (int i = 0; t && t[i].name; i++) {
		size_t n = strlen(t[i].name);

		if (word[1] != '-') {
			if (t[i].short_name && word[1] == t[i].short_name && !word[2])
				return i;
			continue;
		}
		if (strncmp(word + 2, t[i].name, n))
			continue;
		if (!word[2 + n])
			return i;
		if (word[2 + n] == '=') {
			*value = word + 3 + n;
			return i;
		}
	}
	return -1;
}

static void set_global(struct cf_globals *g, const char *name)
{
	if (!strcmp(name, "json"))
		g->json = 1;
	else if (!strcmp(name, "pretty"))
		g->json = g->pretty = 1;
	else if (!strcmp(name, "verbose"))
		g->verbose = 1;
	else if (!strcmp(name, "help"))
		g->help = 1;
	else if (!strcmp(name, "version"))
		g->version = 1;
}

/* The words after the program name, from command level `level` (NULL: a
 * tool with no commands, already in p->cmd). */
static int parse_words(const struct cf_command *level, int argc, char **argv,
		       struct cf_parsed *p, struct cf_globals *g, char *err, size_t errlen)
{
	int options_done = 0;

	for (int i = 0; i < argc; i++) {
		const char *w = argv[i], *value;
		int k;

		if (!options_done && !strcmp(w, "--")) {
			options_done = 1;
			continue;
		}
		if (!options_done && w[0] == '-' && w[1]) {
			k = find_opt(cf_global_opts, w, &value);
			if (k >= 0) {
				if (value) {
					snprintf(err, errlen, "option --%s takes no value",
						 cf_global_opts[k].name);
					return -1;
				}
				set_global(g, cf_global_opts[k].name);
				continue;
			}
			k = p->cmd ? find_opt(p->cmd->opts, w, &value) : -1;
			if (k < 0) {
				snprintf(err, errlen, "%s: unknown option '%s'",
					 p->cmd ? p->path : "cfgfilter", w);
				return -1;
			}
			if (k >= CF_MAX_OPTS) {
				snprintf(err, errlen, "%s: too many options declared", p->path);
				return -1;
			}
			if (!p->cmd->opts[k].arg) {
				if (value) {
					snprintf(err, errlen, "%s: option --%s takes no value", p->path,
						 p->cmd->opts[k].name);
					return -1;
				}
				p->val[k] = "";
				continue;
			}
			if (!value) {
				if (i + 1 >= argc) {
					snprintf(err, errlen, "%s: option --%s needs %s", p->path,
						 p->cmd->opts[k].name, p->cmd->opts[k].arg);
					return -1;
				}
				value = argv[++i];
			}
			p->val[k] = value;
			continue;
		}
		/* a word: the next command level, or a positional */
		if (level) {
			const struct cf_command *c = find_cmd(level, w);

			if (!c) {
				if (p->cmd)
					snprintf(err, errlen, "%s: unknown command '%s'", p->path, w);
				else
					snprintf(err, errlen, "unknown command '%s'", w);
				return -1;
			}
			if (p->cmd) {
				size_t n = strlen(p->path_buf);

				snprintf(p->path_buf + n, sizeof(p->path_buf) - n, " %s", c->name);
			} else {
				snprintf(p->path_buf, sizeof(p->path_buf), "%s", c->name);
			}
			p->path = p->path_buf;
			p->cmd = c;
			level = c->subs;
			continue;
		}
		if (p->npos >= p->cmd->max_args || p->npos >= CF_MAX_POS) {
			snprintf(err, errlen, "%s: unexpected argument '%s'", p->path, w);
			return -1;
		}
		p->pos[p->npos++] = w;
	}
	if (g->help || g->version)
		return 0;
	if (!p->cmd) {
		snprintf(err, errlen, "no command given");
		return -1;
	}
	if (level) {
		snprintf(err, errlen, "%s: expected a command after it", p->path);
		return -1;
	}
	if (p->npos < p->cmd->min_args) {
		snprintf(err, errlen, "%s: missing %s", p->path, p->cmd->args ? p->cmd->args : "argument");
		return -1;
	}
	return 0;
}

int cf_cli_parse(const struct cf_command *cmds, int argc, char **argv, struct cf_parsed *p,
		 struct cf_globals *g, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	memset(g, 0, sizeof(*g));
	return parse_words(cmds, argc, argv, p, g, err, errlen);
}

int cf_cli_parse_tool(const struct cf_command *tool, int argc, char **argv, struct cf_parsed *p,
		      struct cf_globals *g, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	memset(g, 0, sizeof(*g));
	p->cmd = tool;
	p->path = tool->name;
	p->tool = 1;
	return parse_words(NULL, argc, argv, p, g, err, errlen);
}

const char *cf_cli_opt(const struct cf_parsed *p, const char *name)
{
	for (int i = 0; p->cmd && p->cmd->opts && p->cmd->opts[i].name && i < CF_MAX_OPTS; i++)
		if (!strcmp(p->cmd->opts[i].name, name))
			return p->val[i];
	return NULL;
}

static void opt_usage(FILE *f, const struct cf_option *o)
{
	fprintf(f, " [--%s%s%s]", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

static void opt_lines(FILE *f, const struct cf_option *t)
{
	for (int i = 0; t && t[i].name; i++) {
		char left[48], flag[4] = "   ";

		if (t[i].short_name)
			snprintf(flag, sizeof(flag), "-%c,", t[i].short_name);
		snprintf(left, sizeof(left), "%s --%s%s%s", flag, t[i].name, t[i].arg ? " " : "",
			 t[i].arg ? t[i].arg : "");
		fprintf(f, "  %-26s %s\n", left, t[i].help);
	}
}

/* One line per leaf command, under the words that lead to it. */
static void list_cmds(FILE *f, const struct cf_command *cmds, const char *prefix)
{
	for (const struct cf_command *c = cmds; c && c->name; c++) {
		char name[64];

		snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? " " : "", c->name);
		if (c->subs) {
			list_cmds(f, c->subs, name);
			continue;
		}
		if (c->args) {
			size_t n = strlen(name);
			snprintf(name + n, sizeof(name) - n, " %s", c->args);
		}
		fprintf(f, "  %-22s %s\n", name, c->help);
	}
}

void cf_cli_help(FILE *f, const struct cf_command *cmds, const struct cf_parsed *p)
{
	const struct cf_command *c = p ? p->cmd : NULL;

	if (!c) {
		fprintf(f, "usage: cfgfilter [OPTIONS] COMMAND [ARGS]\n\ncommands:\n");
		list_cmds(f, cmds, "");
		fprintf(f, "\noptions (any command):\n");
		opt_lines(f, cf_global_opts);
		fprintf(f, "\n'cfgfilter COMMAND --help' for a command's own options.\n");
		return;
	}
	if (c->subs) {
		fprintf(f, "usage: cfgfilter %s COMMAND\n\ncommands:\n", p->path);
		list_cmds(f, c->subs, p->path);
		return;
	}
	fprintf(f, "usage: %s%s", p->tool ? "" : "cfgfilter ", p->path);
	for (int i = 0; c->opts && c->opts[i].name; i++)
		opt_usage(f, &c->opts[i]);
	fprintf(f, "%s%s\n%s\n", c->args ? " " : "", c->args ? c->args : "", c->help);
	if (c->more)
		fprintf(f, "%s", c->more);
	if (c->opts && c->opts[0].name) {
		fprintf(f, "\noptions:\n");
		opt_lines(f, c->opts);
	}
	fprintf(f, "\noptions%s:\n", p->tool ? " (common)" : " (any command)");
	opt_lines(f, cf_global_opts);
}
