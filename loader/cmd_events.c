// SPDX-License-Identifier: GPL-2.0
/* cfgfilter events: read filtered-write events from the pinned ring buffer.
 * Reading consumes: two readers share the events between them. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "commands.h"
#include "live.h"
#include "log.h"
#include "vm_name.h"
#include "pins.h"
#include "probes.h"
#include "event_fmt.h"

static volatile sig_atomic_t stop;

struct reader {
	int json;
	long count;    /* stop after this many; 0: no limit */
	long seen;
	long long boot_to_real_ns;
	struct cf_live live;
	int have_policy;
};

static void on_signal(int sig)
{
	stop = 1;
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct cf_event *e = data;
	struct reader *r = ctx;
	char line[2048], vm[CF_VM_LEN], comm[CF_COMM_LEN + 1] = "";

	if (size < sizeof(struct cf_event))
		return 0;
	memcpy(comm, e->comm, CF_COMM_LEN);
	cf_vm_resolve(e->pid, comm, vm, sizeof(vm));
	if (r->count && r->seen >= r->count)
		return 1; /* leave the rest in the ring for the next reader */
	if (r->json)
		cf_event_json(data, r->have_policy ? &r->live.policy : NULL, r->boot_to_real_ns, vm,
			      line, sizeof(line));
	else
		cf_event_text(data, r->have_policy ? &r->live.policy : NULL, r->boot_to_real_ns, vm,
			      line, sizeof(line));
	puts(line);
	fflush(stdout);
	r->seen++;
	return r->count && r->seen >= r->count ? 1 : 0;
}

int cmd_events(const struct cf_parsed *p)
{
	const char *count = cf_cli_opt(p, "count"), *secs = cf_cli_opt(p, "timeout");
	struct reader r = { .json = cf_opts.json };
	struct ring_buffer *rb = NULL;
	double timeout = -1;
	long long deadline = 0;
	int follow = cf_cli_opt(p, "follow") != NULL, fd, ret = 0;
	char path[256], *end;

	if (count) {
		r.count = strtol(count, &end, 10);
		if (*end || r.count <= 0) {
			cf_err("events: --count takes a positive number, not '%s'", count);
			return CF_EXIT_USAGE;
		}
	}
	if (secs) {
		timeout = strtod(secs, &end);
		if (*end || timeout < 0) {
			cf_err("events: --timeout takes seconds (e.g. 5 or 0.5), not '%s'", secs);
			return CF_EXIT_USAGE;
		}
	}
	if (cf_need_root())
		return 1;
	if (!cf_is_loaded()) {
		cf_err("not loaded (no %s/%s); run 'cfgfilter load' first", CF_PIN_DIR, CF_PIN_LINK);
		return CF_EXIT_NOT_LOADED;
	}
	/* Rule names come from the live policy; events of another policy keep indexes. */
	r.have_policy = cf_read_live(&r.live) == 0;
	r.boot_to_real_ns = cf_clock_ns(CLOCK_REALTIME) - cf_clock_ns(CLOCK_BOOTTIME);

	cf_pin_path(path, sizeof(path), CF_PIN_EVENTS);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return cf_err("cannot open %s: %s; is cfgfilter loaded?", path, strerror(errno));
	rb = ring_buffer__new(fd, on_event, &r, NULL);
	if (!rb) {
		close(fd);
		return cf_err("cannot read ring buffer %s: %s", path, strerror(errno));
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (timeout >= 0)
		deadline = cf_clock_ns(CLOCK_MONOTONIC) + (long long)(timeout * 1e9);

	for (;;) {
		int n = ring_buffer__consume(rb);
		if (n < 0 && n != -EINTR) {
			ret = cf_err("reading events failed: %s", strerror(-n));
			break;
		}
		if (stop || (r.count && r.seen >= r.count))
			break;
		if (!follow && timeout < 0)
			break;
		long long left = deadline ? deadline - cf_clock_ns(CLOCK_MONOTONIC) : 200000000LL;
		if (deadline && left <= 0)
			break;
		n = ring_buffer__poll(rb, (int)((left > 200000000LL ? 200000000LL : left) / 1000000));
		if (n < 0 && n != -EINTR) {
			ret = cf_err("reading events failed: %s", strerror(-n));
			break;
		}
	}
	if (!ret && r.count && r.seen < r.count && deadline) {
		cf_err("events: %ld of %ld events arrived before the %.1f s timeout", r.seen, r.count,
		       timeout);
		ret = 1;
	}
	ring_buffer__free(rb);
	close(fd);
	return ret;
}
