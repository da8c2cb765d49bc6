// SPDX-License-Identifier: GPL-2.0
/* cfgfilter events: read filtered-write events from the pinned ring buffer.
 * Reading consumes: two readers share the events between them. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "commands.h"
#include "common.h"
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

static long long clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct reader *r = ctx;
	char line[2048];

	if (size < sizeof(struct cf_event))
		return 0;
	if (r->count && r->seen >= r->count)
		return 1; /* leave the rest in the ring for the next reader */
	if (r->json)
		cf_event_json(data, r->have_policy ? &r->live.policy : NULL, r->boot_to_real_ns, line,
			      sizeof(line));
	else
		cf_event_text(data, r->have_policy ? &r->live.policy : NULL, r->boot_to_real_ns, line,
			      sizeof(line));
	puts(line);
	fflush(stdout);
	r->seen++;
	return r->count && r->seen >= r->count ? 1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: cfgfilter events [--json] [--follow] [--count N] [--timeout SECONDS]\n"
		   "Print filtered-write events. Without --follow or --timeout, print what is\n"
		   "waiting and exit; --follow waits for more until --count, --timeout or ^C.\n"
		   "Exit 1 if --count N events did not arrive before --timeout.\n");
}

int cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "follow", no_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct reader r = { 0 };
	struct ring_buffer *rb = NULL;
	double timeout = -1;
	long long deadline = 0;
	int follow = 0, c, fd, ret = 0;
	char path[256], *end;

	while ((c = getopt_long(argc, argv, "jfn:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			r.json = 1;
			break;
		case 'f':
			follow = 1;
			break;
		case 'n':
			r.count = strtol(optarg, &end, 10);
			if (*end || r.count <= 0) {
				cf_err("events: --count takes a positive number, not '%s'", optarg);
				return CF_EXIT_USAGE;
			}
			break;
		case 't':
			timeout = strtod(optarg, &end);
			if (*end || timeout < 0) {
				cf_err("events: --timeout takes seconds (e.g. 5 or 0.5), not '%s'", optarg);
				return CF_EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return CF_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cf_err("events: unexpected argument '%s'", argv[optind]);
		return CF_EXIT_USAGE;
	}
	if (cf_need_root())
		return 1;
	if (!cf_is_loaded()) {
		cf_err("not loaded (no %s/%s); run 'cfgfilter load' first", CF_PIN_DIR, CF_PIN_LINK);
		return CF_EXIT_NOT_LOADED;
	}
	/* Rule names come from the live policy; events of another policy keep indexes. */
	r.have_policy = cf_read_live(&r.live) == 0;
	r.boot_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);

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
		deadline = clock_ns(CLOCK_MONOTONIC) + (long long)(timeout * 1e9);

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
		long long left = deadline ? deadline - clock_ns(CLOCK_MONOTONIC) : 200000000LL;
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
