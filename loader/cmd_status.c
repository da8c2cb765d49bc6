// SPDX-License-Identifier: GPL-2.0
/* cfgfilter status: what is attached, what it enforces, what it counted. */
#include <jansson.h>
#include <bpf/btf.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <stdlib.h>
#include "bus_ops.h"
#include "commands.h"
#include "counts.h"
#include "landing.h"
#include "live.h"
#include "log.h"
#include "methods.h"
#include "pins.h"
#include "probes.h"
#include "result.h"
#include "policy.h"
#include "policy_json.h"

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

/* status --json "counters", in this order: name, field of struct cf_stats. */
#define C(name, field) { name, offsetof(struct cf_stats, field) }
static const struct {
	const char *name;
	size_t off;
} status_counters[] = {
	C("writes", writes),
	C("filtered", filtered),
	C("events_lost", events_lost),
	C("rewrite_failed", rewrite_failed),
	C("audited", audited),
	C("denied", denied),
	C("deny_fallback", deny_fallback),
	C("virtualized_reads", virt_reads),
	C("races", races),
	C("hw_unknown", hw_unknown),
	C("plans_compiled", plans),
	C("plans_unpublished", plan_unpublished),
	C("counts_full", counts_full),
	C("counts_other", counts_other),
	C("refused_value_unknown", refused_value_unknown),
	C("refused_unreadable_buffer", refused_unreadable_buffer),
	C("refused_undecodable_call", refused_undecodable_call),
	C("refused_unwritable_buffer", refused_unwritable_buffer),
	C("hw_full", hw_full),
	C("caps_partial", caps_partial),
};
#undef C

/* What each bus hook link is attached to, read from the link itself. */
static const char *const bus_hook_pins[] = { "link_hw_read", "link_hw_write", "link_hw_read2",
					     "link_hw_write2" };

#define N_BUS_HOOKS (sizeof(bus_hook_pins) / sizeof(bus_hook_pins[0]))

/* Each bus hook pin's target, "" where none; vmlinux's BTF parsed once,
 * if any is pinned. */
static void read_bus_hooks(char fn[N_BUS_HOOKS][128])
{
	struct btf *vmlinux = NULL;

	for (size_t i = 0; i < N_BUS_HOOKS && !vmlinux; i++)
		if (cf_pin_exists(bus_hook_pins[i]))
			vmlinux = btf__load_vmlinux_btf();

	for (size_t i = 0; i < N_BUS_HOOKS; i++)
		if (!vmlinux || cf_link_target(bus_hook_pins[i], vmlinux, fn[i], sizeof(fn[i])))
			fn[i][0] = 0;
	btf__free(vmlinux);
}

static json_t *bus_hooks_json(void)
{
	json_t *o = json_object();
	char fn[N_BUS_HOOKS][128];

	read_bus_hooks(fn);
	for (size_t i = 0; i < N_BUS_HOOKS; i++)
		if (fn[i][0])
			json_object_set_new(o, bus_hook_pins[i], json_string(fn[i]));
	return o;
}

static void print_bus_hooks(void)
{
	char fn[N_BUS_HOOKS][128];
	int n = 0;

	read_bus_hooks(fn);
	printf("bus hooks:  ");
	for (size_t i = 0; i < N_BUS_HOOKS; i++)
		if (fn[i][0])
			printf("%s fexit %s", n++ ? "," : "", fn[i]);
	printf("%s\n", n ? " (the config accessors of the devices' buses)" : " NONE ATTACHED");
}

static int print_json(const struct cf_live *l, int loaded, const struct cf_count_row *rows,
		      size_t nrows)
{
	json_t *o = json_object(), *counters, *pins, *skipped;

	json_object_set_new(o, "loaded", json_boolean(loaded));
	json_object_set_new(o, "pin_dir", json_string(CF_PIN_DIR));
	if (!loaded) {
		char left[512], *save = NULL, *tok;
		json_t *a = json_array();

		cf_leftover_links(left, sizeof(left));
		for (tok = strtok_r(left, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			json_array_append_new(a, json_string(tok));
		/* an interrupted load or unload: these programs still run */
		json_object_set_new(o, "leftover_links", a);
	}
	if (loaded) {
		json_object_set_new(o, "attach", json_string(CF_ATTACH_POINT));
		json_object_set_new(o, "module", json_string(CF_MODULE));
		json_object_set_new(o, "prog_id", json_integer(l->prog_id));
		json_object_set_new(o, "prog_name", json_string(l->prog_name));
		json_object_set_new(o, "link_id", json_integer(l->link_id));
		json_object_set_new(o, "bpf_stats_enabled", json_boolean(stats_enabled()));
		json_object_set_new(o, "run_cnt", json_integer((json_int_t)l->run_cnt));
		json_object_set_new(o, "run_time_ns", json_integer((json_int_t)l->run_time_ns));
		json_object_set_new(o, "deny_hook_attached", json_boolean(l->deny_attached));
		json_object_set_new(o, "deny_io_uring_hook_attached",
				    json_boolean(l->deny_uring_attached));
		json_object_set_new(o, "refusing_hook", json_string(cf_refusing_hook(l)));
		skipped = json_object();
		for (unsigned int i = 0; i < l->nprogs; i++)
			json_object_set_new(skipped, l->progs[i].name,
					    json_integer((json_int_t)l->progs[i].skipped));
		/* runs the kernel skipped: those writes were not judged */
		json_object_set_new(o, "skipped_by_kernel", skipped);
		cf_methods_json_into(o, l);
		cf_policy_json_into(o, &l->policy);
		/* before "counters": scripts that take the last "filtered" get the total */
		json_object_set_new(o, "counts", cf_counts_json(rows, nrows));
		counters = json_object();
		for (size_t i = 0; i < sizeof(status_counters) / sizeof(status_counters[0]); i++)
			json_object_set_new(counters, status_counters[i].name,
					    json_integer((json_int_t)*(const __u64 *)
						((const char *)&l->stats + status_counters[i].off)));
		json_object_set_new(o, "counters", counters);
		pins = json_object();
		for (size_t i = 0; i < cf_npins; i++)
			json_object_set_new(pins, cf_pins[i].name,
					    json_boolean(cf_pin_exists(cf_pins[i].name)));
		json_object_set_new(o, "pins", pins);
		json_object_set_new(o, "ringbuf_bytes", json_integer(l->ringbuf_bytes));
		json_object_set_new(o, "hw_devices_followed", json_integer(l->hw_devices));
		json_object_set_new(o, "bus_hooks", bus_hooks_json());
	}
	cf_json_print(o);
	return loaded ? 0 : CF_EXIT_NOT_LOADED;
}

static void print_text(const struct cf_live *l, const struct cf_count_row *rows, size_t nrows)
{
	printf("loaded:      yes, pinned in %s\n", CF_PIN_DIR);
	printf("program:     %s (id %d) on %s in module %s, link id %d\n", l->prog_name,
	       l->prog_id, CF_ATTACH_POINT, CF_MODULE, l->link_id);
	for (unsigned int a = CF_ACT_MAX; a >= 1; a--)
		for (unsigned int i = 0; i < l->policy.nrules && i < CF_MAX_RULES; i++)
			if (l->policy.rules[i].action == a) {
				printf("%-12s %s\n", cf_action_name(a), cf_method_of(a, l));
				break;
			}
	if (cf_fallbacks(l))
		printf("fallback:    %u mask/virtualize rules run as deny: this kernel forbids "
		       "bpf_probe_write_user (lockdown)\n", cf_fallbacks(l));
	if (l->skipped) {
		printf("SKIPPED:     the kernel skipped %llu runs of the filter's programs (a task "
		       "preempted inside one holds it on its CPU), so those accesses were not "
		       "judged:", l->skipped);
		for (unsigned int i = 0; i < l->nprogs; i++)
			if (l->progs[i].skipped)
				printf(" %s %llu", l->progs[i].name, l->progs[i].skipped);
		printf("; see README, threat model\n");
	}
	if (stats_enabled())
		printf("runs:        %llu, %llu ns total, %.0f ns each\n", l->run_cnt, l->run_time_ns,
		       l->run_cnt ? (double)l->run_time_ns / l->run_cnt : 0.0);
	else
		printf("runs:        not counted (sysctl kernel.bpf_stats_enabled=1 to count)\n");
	printf("counters:    %llu writes seen, %llu filtered, %llu denied, %llu audited, "
	       "%llu virtualized reads, %llu events lost, %llu rewrites failed, "
	       "%llu deny fallbacks, %llu races, %llu judged without the device's value\n",
	       (unsigned long long)l->stats.writes, (unsigned long long)l->stats.filtered,
	       (unsigned long long)l->stats.denied, (unsigned long long)l->stats.audited,
	       (unsigned long long)l->stats.virt_reads, (unsigned long long)l->stats.events_lost,
	       (unsigned long long)l->stats.rewrite_failed,
	       (unsigned long long)l->stats.deny_fallback, (unsigned long long)l->stats.races,
	       (unsigned long long)l->stats.hw_unknown);
	printf("refused:     %llu writes the filter could not judge: %llu value_unknown, "
	       "%llu unreadable_buffer, %llu unwritable_buffer, %llu undecodable_call\n",
	       (unsigned long long)(l->stats.refused_value_unknown +
				    l->stats.refused_unreadable_buffer +
				    l->stats.refused_unwritable_buffer +
				    l->stats.refused_undecodable_call),
	       (unsigned long long)l->stats.refused_value_unknown,
	       (unsigned long long)l->stats.refused_unreadable_buffer,
	       (unsigned long long)l->stats.refused_unwritable_buffer,
	       (unsigned long long)l->stats.refused_undecodable_call);
	print_bus_hooks();
	printf("hardware:    config space of %u vfio device%s followed on the bus; %llu "
	       "decisions without the device's value; %llu devices with no room (hw_full); "
	       "%llu capability lists not all seen (caps_partial)\n",
	       l->hw_devices, l->hw_devices == 1 ? "" : "s",
	       (unsigned long long)l->stats.hw_unknown, (unsigned long long)l->stats.hw_full,
	       (unsigned long long)l->stats.caps_partial);
	printf("plans:       the policy compiled %llu times for a device (%llu not kept: "
	       "device not followed, or its plan in use); %llu rule counts lost (the counts map was full), "
	       "%llu counted in a device's \"other\" writer row\n",
	       (unsigned long long)l->stats.plans, (unsigned long long)l->stats.plan_unpublished,
	       (unsigned long long)l->stats.counts_full, (unsigned long long)l->stats.counts_other);
	cf_counts_print(stdout, rows, nrows);
	printf("policy:      %016llx, %u rules\n", (unsigned long long)l->policy.hash,
	       l->policy.nrules);
	cf_policy_print(stdout, &l->policy);
	{
		/* from each device's sysfs config: the text status only, so that
		 * `status --json`, which scripts poll, leaves the view as it is */
		static struct cf_landing landed[CF_LAND_MAX];
		int n = cf_land_vfio_devices(&l->policy, landed, CF_LAND_MAX);

		for (int i = 0; i < n; i++)
			cf_landing_print(stdout, &l->policy, &landed[i]);
		cf_warn_unmatched(&l->policy, landed, n);
	}
}

int cmd_status(const struct cf_parsed *p)
{
	struct cf_count_row *rows;
	struct cf_live live;
	size_t nrows;
	int rc;

	if (cf_need_root())
		return 1;
	if (!cf_is_loaded()) {
		char left[512];
		int n = cf_leftover_links(left, sizeof(left));

		if (cf_opts.json)
			return print_json(NULL, 0, NULL, 0);
		if (n)
			printf("loaded:      no, but %d link%s of an interrupted load or unload still "
			       "attached (%s); run 'cfgfilter unload'\n", n, n == 1 ? "" : "s", left);
		else
			printf("loaded:      no (no %s/%s)\n", CF_PIN_DIR, CF_PIN_LINK);
		return CF_EXIT_NOT_LOADED;
	}
	if (cf_read_live(&live) || cf_counts_read(&rows, &nrows))
		return 1;
	rc = 0;
	if (cf_opts.json)
		rc = print_json(&live, 1, rows, nrows);
	else
		print_text(&live, rows, nrows);
	free(rows);
	return rc;
}
