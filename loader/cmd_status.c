// SPDX-License-Identifier: GPL-2.0
/* cfgfilter status: what is attached, what it enforces, what it counted. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"
#include "common.h"
#include "policy.h"

static int stats_enabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int v = 0;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static void hex(char *buf, size_t len, unsigned int v, unsigned int bytes)
{
	snprintf(buf, len, "0x%0*x", bytes * 2, v);
}

static int print_json(const struct cf_live *l, int loaded)
{
	json_t *o = json_object(), *rules, *counters;
	char h[24];

	json_object_set_new(o, "loaded", json_boolean(loaded));
	json_object_set_new(o, "pin_dir", json_string(CF_PIN_DIR));
	if (loaded) {
		json_object_set_new(o, "attach", json_string(CF_ATTACH_POINT));
		json_object_set_new(o, "module", json_string(CF_MODULE));
		json_object_set_new(o, "method", json_string("bpf_probe_write_user"));
		json_object_set_new(o, "prog_id", json_integer(l->prog_id));
		json_object_set_new(o, "prog_name", json_string(l->prog_name));
		json_object_set_new(o, "link_id", json_integer(l->link_id));
		json_object_set_new(o, "bpf_stats_enabled", json_boolean(stats_enabled()));
		json_object_set_new(o, "run_cnt", json_integer((json_int_t)l->run_cnt));
		json_object_set_new(o, "run_time_ns", json_integer((json_int_t)l->run_time_ns));
		snprintf(h, sizeof(h), "%016llx", (unsigned long long)l->policy.hash);
		json_object_set_new(o, "policy_hash", json_string(h));
		rules = json_array();
		for (unsigned int i = 0; i < l->policy.nrules; i++) {
			const struct cf_rule *r = &l->policy.rules[i];
			json_t *jr = json_object();
			json_object_set_new(jr, "name", json_string(r->name));
			json_object_set_new(jr, "action", json_string(cf_action_name(r->action)));
			json_object_set_new(jr, "anchor",
					    json_string(r->anchor == CF_ANCHOR_HDR ? "header" : "cap"));
			hex(h, sizeof(h), r->cap_id, 1);
			if (r->anchor != CF_ANCHOR_HDR)
				json_object_set_new(jr, "cap_id", json_string(h));
			hex(h, sizeof(h), r->offset, 1);
			json_object_set_new(jr, "offset", json_string(h));
			json_object_set_new(jr, "width", json_integer(r->width));
			hex(h, sizeof(h), r->mask, r->width);
			json_object_set_new(jr, "mask", json_string(h));
			json_array_append_new(rules, jr);
		}
		json_object_set_new(o, "rules", rules);
		counters = json_object();
		json_object_set_new(counters, "writes", json_integer((json_int_t)l->stats.writes));
		json_object_set_new(counters, "filtered", json_integer((json_int_t)l->stats.filtered));
		json_object_set_new(counters, "events_lost",
				    json_integer((json_int_t)l->stats.events_lost));
		json_object_set_new(counters, "rewrite_failed",
				    json_integer((json_int_t)l->stats.rewrite_failed));
		json_object_set_new(o, "counters", counters);
		json_object_set_new(o, "ringbuf_bytes", json_integer(l->ringbuf_bytes));
	}
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(o);
	return loaded ? 0 : CF_EXIT_NOT_LOADED;
}

static void print_text(const struct cf_live *l)
{
	char desc[CF_MAX_RULES * 128];

	printf("loaded:      yes, pinned in %s\n", CF_PIN_DIR);
	printf("program:     %s (id %d) on %s in module %s, link id %d\n", l->prog_name,
	       l->prog_id, CF_ATTACH_POINT, CF_MODULE, l->link_id);
	printf("method:      mask by rewriting the writer's buffer (bpf_probe_write_user)\n");
	if (stats_enabled())
		printf("runs:        %llu, %llu ns total, %.0f ns each\n", l->run_cnt, l->run_time_ns,
		       l->run_cnt ? (double)l->run_time_ns / l->run_cnt : 0.0);
	else
		printf("runs:        not counted (sysctl kernel.bpf_stats_enabled=1 to count)\n");
	printf("counters:    %llu writes seen, %llu filtered, %llu events lost, "
	       "%llu rewrites failed\n",
	       (unsigned long long)l->stats.writes, (unsigned long long)l->stats.filtered,
	       (unsigned long long)l->stats.events_lost,
	       (unsigned long long)l->stats.rewrite_failed);
	printf("policy:      %016llx, %u rules\n", (unsigned long long)l->policy.hash,
	       l->policy.nrules);
	cf_policy_describe(&l->policy, desc, sizeof(desc));
	fputs(desc, stdout);
}

int cmd_status(int argc, char **argv)
{
	struct cf_live live;
	int json = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			json = 1;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: cfgfilter status [--json]\nShow what is attached, the policy "
			       "and the counters. Exit 3 when not loaded.\n");
			return 0;
		} else {
			cf_err("status: unknown option '%s'", argv[i]);
			return CF_EXIT_USAGE;
		}
	}
	if (cf_need_root())
		return 1;
	if (!cf_is_loaded()) {
		if (json)
			return print_json(NULL, 0);
		printf("loaded:      no (no %s/%s)\n", CF_PIN_DIR, CF_PIN_LINK);
		return CF_EXIT_NOT_LOADED;
	}
	if (cf_read_live(&live))
		return 1;
	if (json)
		return print_json(&live, 1);
	print_text(&live);
	return 0;
}
