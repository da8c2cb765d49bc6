// SPDX-License-Identifier: GPL-2.0
/* The Prometheus exposition (lib/metrics_fmt.c): every series under a
 * HELP and TYPE of its own family, counters ending in _total, label values
 * escaped, the per-rule counts with device, vm, rule and action. When
 * promtool is installed (make test installs it), it checks the output too. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics_fmt.h"

static char *render(const struct cf_metrics_in *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cf_metrics_write(f, in);
	fclose(f);
	return buf;
}

static struct cf_policy pol;
static struct cf_stats st;
static struct cf_count_row rows[2];
static const char *vms[2] = { "web-01", "we\"ird\\vm\nname" };
static const struct cf_metrics_prog progs[2] = {
	{ .name = "cfgfilter_write", .attached = true, .run_cnt = 10, .run_time_ns = 2500 },
	{ .name = "cfgfilter_read" },
};

static void setup_in(struct cf_metrics_in *in)
{
	memset(in, 0, sizeof(*in));
	memset(&pol, 0, sizeof(pol));
	pol.nrules = 2;
	pol.hash = 0x3cde2dafff57d4daull;
	pol.rules[0].action = CF_ACT_MASK;
	strcpy(pol.rules[0].name, "pcie.devctl.mps");
	pol.rules[1].action = CF_ACT_DENY;
	strcpy(pol.rules[1].name, "hdr.command.serr");
	memset(&st, 0, sizeof(st));
	st.writes = 7;
	st.events = 5;
	st.events_lost = 2;
	memset(rows, 0, sizeof(rows));
	strcpy(rows[0].key.dev, "0000:01:00.0");
	strcpy(rows[0].key.rule, "pcie.devctl.mps");
	rows[0].c.filtered = 3000;
	rows[0].c.events_lost = 2;
	strcpy(rows[1].key.dev, "0000:02:00.0");
	strcpy(rows[1].key.rule, "hdr.command.serr");
	rows[1].c.denied = 4;
	in->loaded = true;
	in->policy = &pol;
	in->stats = &st;
	in->method[CF_ACT_MASK] = "rewrite \"buffer\"";
	in->rows = rows;
	in->vm = vms;
	in->nrows = 2;
	in->progs = progs;
	in->nprogs = 2;
	in->bpf_stats = true;
}

/* Each series' family has a HELP and a TYPE line before it; counters end in
 * _total; no family is declared twice. */
static void check_structure(const char *text)
{
	char *copy = strdup(text), *save = NULL, *line;
	char declared[64][96];
	int n = 0;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[96], type[32];

		if (sscanf(line, "# TYPE %95s %31s", name, type) == 2) {
			for (int i = 0; i < n; i++)
				assert_string_not_equal(declared[i], name);
			assert_true(n < 64);
			strcpy(declared[n++], name);
			if (!strcmp(type, "counter"))
				assert_non_null(strstr(name, "_total"));
			continue;
		}
		if (line[0] == '#')
			continue;
		{
			size_t l = strcspn(line, "{ ");
			int found = 0;

			for (int i = 0; i < n; i++)
				found |= strlen(declared[i]) == l && !strncmp(declared[i], line, l);
			assert_true(found);
		}
	}
	free(copy);
}

static void test_exposition(void **state)
{
	struct cf_metrics_in in;
	char *t;

	(void)state;
	setup_in(&in);
	t = render(&in);
	check_structure(t);
	assert_non_null(strstr(t, "cfgfilter_up 1\n"));
	assert_non_null(strstr(t, "cfgfilter_filtered_writes_total{device=\"0000:01:00.0\","
				  "vm=\"web-01\",rule=\"pcie.devctl.mps\",action=\"mask\"} 3000\n"));
	assert_non_null(strstr(t, "cfgfilter_denied_writes_total{device=\"0000:02:00.0\","
				  "vm=\"we\\\"ird\\\\vm\\nname\",rule=\"hdr.command.serr\","
				  "action=\"deny\"} 4\n"));
	assert_non_null(strstr(t, "cfgfilter_policy_info{hash=\"3cde2dafff57d4da\"} 1\n"));
	assert_non_null(strstr(t, "cfgfilter_action_method_info{action=\"mask\","
				  "method=\"rewrite \\\"buffer\\\"\"} 1\n"));
	assert_non_null(strstr(t, "cfgfilter_events_lost_total 2\n"));
	assert_non_null(strstr(t, "cfgfilter_program_attached{program=\"cfgfilter_read\"} 0\n"));
	assert_non_null(strstr(t, "cfgfilter_program_run_seconds_total{program=\"cfgfilter_write\"} "
				  "0.000002500\n"));
	assert_null(strstr(t, "cfgfilter_events_read_total"));
	free(t);

	/* a rule gone from the policy: the action its counter implies */
	strcpy(pol.rules[0].name, "other");
	t = render(&in);
	assert_non_null(strstr(t, "rule=\"pcie.devctl.mps\",action=\"mask\"} 3000\n"));
	free(t);

	/* not loaded: up 0, nothing else but the attachment gauges */
	in.loaded = false;
	t = render(&in);
	check_structure(t);
	assert_non_null(strstr(t, "cfgfilter_up 0\n"));
	assert_null(strstr(t, "cfgfilter_filtered_writes_total"));
	free(t);
}

/* promtool, where installed, is the judge of the format */
static void test_promtool(void **state)
{
	struct cf_metrics_in in;
	char *t, cmd[256];
	FILE *p;
	int rc;

	(void)state;
	if (system("command -v promtool >/dev/null 2>&1")) {
		if (getenv("CF_NEED_PROMTOOL"))
			fail_msg("promtool is not installed (apt-get install prometheus)");
		skip();
	}
	setup_in(&in);
	in.serving = true;
	t = render(&in);
	snprintf(cmd, sizeof(cmd), "promtool check metrics >/tmp/cf-promtool.out 2>&1");
	p = popen(cmd, "w");
	assert_non_null(p);
	fputs(t, p);
	rc = pclose(p);
	if (rc)
		system("cat /tmp/cf-promtool.out >&2");
	assert_int_equal(rc, 0);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exposition),
		cmocka_unit_test(test_promtool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
