// SPDX-License-Identifier: GPL-2.0
/* The Prometheus exposition of the filter's state (see metrics_fmt.h).
 * Names, units and suffixes follow Prometheus' naming conventions:
 * cfgfilter_ prefix, _total on counters, _seconds for time, _info for
 * constant-1 series that carry labels. */
#include <string.h>
#include "metrics_fmt.h"
#include "policy.h"

void cf_prom_label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			fputs("\\\\", f);
		else if (*v == '"')
			fputs("\\\"", f);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(FILE *f, const char *name, const char *type, const char *help,
		unsigned long long v)
{
	head(f, name, type, help);
	fprintf(f, "%s %llu\n", name, v);
}

/* The action a counted rule has now; for a rule no longer in the policy,
 * the action its counter implies. */
static const char *rule_action(const struct cf_policy *p, const char *rule, const char *dflt)
{
	for (unsigned int i = 0; p && i < p->nrules && i < CF_MAX_RULES; i++)
		if (!strncmp(p->rules[i].name, rule, CF_NAME_LEN))
			return cf_action_name(p->rules[i].action);
	return dflt;
}

struct family {
	const char *name, *help, *dflt;
	size_t off;
};

static const struct family families[] = {
	{ "cfgfilter_filtered_writes_total",
	  "Config writes whose bits under the rule were rewritten to the device's value.", "mask",
	  offsetof(struct cf_counts, filtered) },
	{ "cfgfilter_virtualized_writes_total",
	  "Config writes whose bits under a virtualize rule were kept from the device.",
	  "virtualize", offsetof(struct cf_counts, virtualized) },
	{ "cfgfilter_denied_writes_total", "Config writes failed with EPERM by the rule.", "deny",
	  offsetof(struct cf_counts, denied) },
	{ "cfgfilter_audited_writes_total", "Config writes that changed bits under an audit rule.",
	  "audit", offsetof(struct cf_counts, audited) },
	{ "cfgfilter_races_total",
	  "Protected bits that changed in the device during a vfio write anyway.", "mask",
	  offsetof(struct cf_counts, races) },
	{ "cfgfilter_unverified_writes_total",
	  "vfio writes of protected bits over a device value not known to the filter.", "mask",
	  offsetof(struct cf_counts, unverified) },
	{ "cfgfilter_rewrite_failures_total",
	  "Rewrites of the writer's buffer that failed: the bits reached vfio unchanged.", "mask",
	  offsetof(struct cf_counts, rewrite_failed) },
	{ "cfgfilter_rule_events_lost_total",
	  "Counted decisions whose event found the ring buffer full.", "mask",
	  offsetof(struct cf_counts, events_lost) },
	{ "cfgfilter_refused_writes_total",
	  "Config writes failed with EPERM because the rule's bits could not be judged.", "mask",
	  offsetof(struct cf_counts, refused) },
};

static void per_rule(FILE *f, const struct cf_metrics_in *in, const struct family *fam)
{
	head(f, fam->name, "counter", fam->help);
	for (size_t i = 0; i < in->nrows; i++) {
		char dev[CF_DEV_LEN + 1] = "", rule[CF_NAME_LEN + 1] = "";
		unsigned long long v;

		memcpy(dev, in->rows[i].key.dev, CF_DEV_LEN);
		memcpy(rule, in->rows[i].key.rule, CF_NAME_LEN);
		memcpy(&v, (const char *)&in->rows[i].c + fam->off, sizeof(v));
		fprintf(f, "%s{device=\"", fam->name);
		cf_prom_label(f, dev);
		fputs("\",vm=\"", f);
		cf_prom_label(f, in->vm && in->vm[i] ? in->vm[i] : "");
		fputs("\",rule=\"", f);
		cf_prom_label(f, rule);
		fprintf(f, "\",action=\"%s\"} %llu\n", rule_action(in->policy, rule, fam->dflt), v);
	}
}

void cf_metrics_write(FILE *f, const struct cf_metrics_in *in)
{
	const struct cf_stats *s = in->stats;

	one(f, "cfgfilter_up", "gauge",
	    "1 if the filter is loaded (pinned in /sys/fs/bpf/cfgfilter), else 0.", in->loaded);
	head(f, "cfgfilter_program_attached", "gauge",
	     "1 if the program's link is pinned and attached, else 0.");
	for (size_t i = 0; i < in->nprogs; i++)
		fprintf(f, "cfgfilter_program_attached{program=\"%s\"} %d\n", in->progs[i].name,
			in->progs[i].attached);
	if (!in->loaded || !in->policy || !s)
		return;
	head(f, "cfgfilter_policy_info", "gauge", "The live policy, by its hash.");
	fprintf(f, "cfgfilter_policy_info{hash=\"%016llx\"} 1\n",
		(unsigned long long)in->policy->hash);
	one(f, "cfgfilter_policy_rules", "gauge", "Rules in the live policy.", in->policy->nrules);
	one(f, "cfgfilter_policy_fallback_rules", "gauge",
	    "Mask and virtualize rules enforced as deny: the kernel forbids rewriting (lockdown).",
	    in->fallbacks);
	head(f, "cfgfilter_action_method_info", "gauge",
	     "How each action of the live policy is enforced on this kernel.");
	for (unsigned int a = 1; a <= CF_ACT_MAX; a++)
		if (in->method[a]) {
			fprintf(f, "cfgfilter_action_method_info{action=\"%s\",method=\"",
				cf_action_name(a));
			cf_prom_label(f, in->method[a]);
			fputs("\"} 1\n", f);
		}
	for (size_t k = 0; k < sizeof(families) / sizeof(families[0]); k++)
		per_rule(f, in, &families[k]);
	one(f, "cfgfilter_config_writes_total", "counter", "Config writes seen through vfio.",
	    s->writes);
	/* Host totals, present from load on: a per-writer series is born with
	 * its first count, which increase() and rate() cannot see, so alerts
	 * watch these. */
	one(f, "cfgfilter_host_filtered_writes_total", "counter",
	    "Config writes whose protected bits were rewritten, all devices.", s->filtered);
	one(f, "cfgfilter_host_denied_writes_total", "counter",
	    "Config writes failed with EPERM, all devices.", s->denied);
	one(f, "cfgfilter_host_races_total", "counter",
	    "Protected bits that changed in a device during a vfio write, all devices.", s->races);
	one(f, "cfgfilter_host_rewrite_failures_total", "counter",
	    "Failed rewrites of a writer's buffer, all devices.", s->rewrite_failed);
	one(f, "cfgfilter_events_total", "counter", "Events put in the ring buffer.", s->events);
	one(f, "cfgfilter_events_lost_total", "counter",
	    "Events dropped because the ring buffer was full (the counts stay exact).",
	    s->events_lost);
	one(f, "cfgfilter_hw_unknown_decisions_total", "counter",
	    "Decisions on protected bits whose device value was not known (never judged "
	    "against vfio's copy).", s->hw_unknown);
	head(f, "cfgfilter_host_refused_writes_total", "counter",
	     "Config writes failed with EPERM because the filter could not judge them, by reason.");
	fprintf(f, "cfgfilter_host_refused_writes_total{reason=\"value_unknown\"} %llu\n",
		(unsigned long long)s->refused_value_unknown);
	fprintf(f, "cfgfilter_host_refused_writes_total{reason=\"unreadable_buffer\"} %llu\n",
		(unsigned long long)s->refused_unreadable_buffer);
	fprintf(f, "cfgfilter_host_refused_writes_total{reason=\"unwritable_buffer\"} %llu\n",
		(unsigned long long)s->refused_unwritable_buffer);
	fprintf(f, "cfgfilter_host_refused_writes_total{reason=\"undecodable_call\"} %llu\n",
		(unsigned long long)s->refused_undecodable_call);
	one(f, "cfgfilter_hw_full_total", "counter",
	    "Devices the hardware view had no room for (their protected bits are refused).",
	    s->hw_full);
	one(f, "cfgfilter_virtualized_reads_total", "counter",
	    "Reads whose virtualized bits were replaced by the writer's own.", s->virt_reads);
	one(f, "cfgfilter_plans_compiled_total", "counter",
	    "Times the policy was compiled for a device.", s->plans);
	one(f, "cfgfilter_counts_lost_total", "counter",
	    "Rule counts lost because the counts map was full.", s->counts_full);
	head(f, "cfgfilter_program_skipped_total", "counter",
	     "Runs of the BPF program the kernel skipped (recursion_misses: already running on "
	     "that CPU); the accesses of those runs were not judged.");
	for (size_t i = 0; i < in->nprogs; i++)
		fprintf(f, "cfgfilter_program_skipped_total{program=\"%s\"} %llu\n",
			in->progs[i].name, in->progs[i].skipped);
	one(f, "cfgfilter_bpf_stats_enabled", "gauge",
	    "1 if kernel.bpf_stats_enabled is on (program run counts and time below).",
	    in->bpf_stats);
	if (in->bpf_stats) {
		head(f, "cfgfilter_program_runs_total", "counter", "Runs of the BPF program.");
		for (size_t i = 0; i < in->nprogs; i++)
			fprintf(f, "cfgfilter_program_runs_total{program=\"%s\"} %llu\n",
				in->progs[i].name, in->progs[i].run_cnt);
		head(f, "cfgfilter_program_run_seconds_total", "counter",
		     "Time spent in the BPF program.");
		for (size_t i = 0; i < in->nprogs; i++)
			fprintf(f, "cfgfilter_program_run_seconds_total{program=\"%s\"} %.9f\n",
				in->progs[i].name, in->progs[i].run_time_ns / 1e9);
	}
	if (in->serving)
		one(f, "cfgfilter_events_read_total", "counter",
		    "Events this exporter drained from the ring buffer.", in->events_read);
}
