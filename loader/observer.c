// SPDX-License-Identifier: GPL-2.0
/* Reading the filter's state for metrics, from descriptors opened once. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cfgfilter.skel.h"
#include "counts.h"
#include "live.h"
#include "log.h"
#include "methods.h"
#include "metrics_fmt.h"
#include "observer.h"
#include "pins.h"
#include "vm_name.h"

static int get_ro(const char *name)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);
	char path[256];
	int fd;

	cf_pin_path(path, sizeof(path), name);
	fd = bpf_obj_get_opts(path, &opts);
	if (fd < 0)
		cf_err("cannot open %s: %s; is the filter loaded ('cfgfilter status')?", path,
		       strerror(errno));
	return fd;
}

int cf_observer_open(struct cf_observer *o, bool with_events)
{
	memset(o, 0, sizeof(*o));
	o->dir = o->counts = o->stats = o->bss = o->meta = o->events = -1;
	o->dir = open(CF_PIN_DIR, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (o->dir < 0 || !cf_observer_loaded(o)) {
		cf_err("not loaded (no %s/%s); run 'cfgfilter load' first", CF_PIN_DIR, CF_PIN_LINK);
		cf_observer_close(o);
		return -1;
	}
	o->counts = get_ro("counts");
	o->stats = get_ro(CF_PIN_STATS);
	o->bss = get_ro(CF_PIN_BSS);
	o->meta = get_ro(CF_PIN_META);
	if (with_events)
		o->events = cf_pinned_fd(CF_PIN_EVENTS);
	if (o->counts < 0 || o->stats < 0 || o->bss < 0 || o->meta < 0 || (with_events && o->events < 0)) {
		cf_observer_close(o);
		return -1;
	}
	for (size_t i = 0; i < cf_npins; i++) {
		struct bpf_prog_info pi = { 0 };
		__u32 len = sizeof(pi);
		int pfd;

		if (cf_pins[i].kind != CF_PIN_KIND_LINK)
			continue;
		o->progs[o->nprogs].link = cf_pins[i].name;
		snprintf(o->progs[o->nprogs].name, sizeof(o->progs[0].name), "%s", cf_pins[i].name);
		pfd = cf_link_prog_fd(cf_pins[i].name);
		if (pfd >= 0 && !bpf_obj_get_info_by_fd(pfd, &pi, &len))
			snprintf(o->progs[o->nprogs].name, sizeof(o->progs[0].name), "%s", pi.name);
		o->progs[o->nprogs].fd = pfd;
		o->nprogs++;
	}
	return 0;
}

void cf_observer_close(struct cf_observer *o)
{
	cf_observer_release(o);
	if (o->dir >= 0) {
		close(o->dir);
		o->dir = -1;
	}
}

void cf_observer_release(struct cf_observer *o)
{
	int *fds[] = { &o->counts, &o->stats, &o->bss, &o->meta, &o->events };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	for (size_t i = 0; i < o->nprogs; i++)
		if (o->progs[i].fd >= 0) {
			close(o->progs[i].fd);
			o->progs[i].fd = -1;
		}
}

static bool pinned(const struct cf_observer *o, const char *name)
{
	struct stat st;

	return o->dir >= 0 && !fstatat(o->dir, name, &st, AT_SYMLINK_NOFOLLOW);
}

bool cf_observer_loaded(const struct cf_observer *o)
{
	return pinned(o, CF_PIN_LINK);
}

static pthread_mutex_t vm_lock = PTHREAD_MUTEX_INITIALIZER;

int cf_observer_metrics(const struct cf_observer *o, FILE *f, bool serving,
			unsigned long long events_read)
{
	struct cfgfilter_bpf__data_rodata meta;
	struct cf_metrics_prog progs[CF_PINS_MAX];
	struct cf_metrics_in in = { 0 };
	struct cf_count_row *rows = NULL;
	struct cf_live live = { 0 };
	struct cf_stats st;
	char (*vm)[CF_VM_LEN] = NULL;
	const char **vmp = NULL;
	size_t nrows = 0;
	__u32 zero = 0;
	int stats_on = 0;
	FILE *sf;

	in.loaded = cf_observer_loaded(o);
	for (size_t i = 0; i < o->nprogs; i++) {
		struct bpf_prog_info pi = { 0 };
		__u32 len = sizeof(pi);

		progs[i].name = o->progs[i].name;
		progs[i].attached = in.loaded && pinned(o, o->progs[i].link);
		progs[i].run_cnt = progs[i].run_time_ns = progs[i].skipped = 0;
		if (o->progs[i].fd >= 0 && !bpf_obj_get_info_by_fd(o->progs[i].fd, &pi, &len)) {
			progs[i].run_cnt = pi.run_cnt;
			progs[i].run_time_ns = pi.run_time_ns;
			progs[i].skipped = pi.recursion_misses;
			if (!strcmp(o->progs[i].link, CF_PIN_LINK_DENY))
				live.deny_lsm = pi.type == BPF_PROG_TYPE_LSM;
		}
	}
	in.progs = progs;
	in.nprogs = o->nprogs;
	if ((sf = fopen("/proc/sys/kernel/bpf_stats_enabled", "re"))) {
		if (fscanf(sf, "%d", &stats_on) != 1)
			stats_on = 0;
		fclose(sf);
	}
	in.bpf_stats = stats_on;
	in.serving = serving;
	in.events_read = events_read;
	if (in.loaded && !bpf_map_lookup_elem(o->meta, &zero, &meta) &&
	    !cf_stats_sum(o->stats, o->bss, &st) && !cf_counts_read_fd(o->counts, &rows, &nrows)) {
		memcpy(&live.policy, (const void *)meta.cf_live_policy, sizeof(live.policy));
		live.deny_attached = pinned(o, CF_PIN_LINK_DENY);
		live.deny_uring_attached = pinned(o, CF_PIN_LINK_DENY_URING);
		in.policy = &live.policy;
		in.stats = &st;
		for (unsigned int i = 0; i < live.policy.nrules && i < CF_MAX_RULES; i++) {
			unsigned int a = live.policy.rules[i].action;

			if (a >= 1 && a <= CF_ACT_MAX)
				in.method[a] = cf_method_of(a, &live);
		}
		in.fallbacks = cf_fallbacks(&live);
		vm = calloc(nrows ? nrows : 1, sizeof(*vm));
		vmp = calloc(nrows ? nrows : 1, sizeof(*vmp));
		if (!vm || !vmp) {
			free(vm);
			free(vmp);
			free(rows);
			return -1;
		}
		pthread_mutex_lock(&vm_lock);
		for (size_t i = 0; i < nrows; i++) {
			char comm[CF_COMM_LEN + 1] = "";

			memcpy(comm, rows[i].key.comm, CF_COMM_LEN);
			cf_vm_resolve(rows[i].key.tgid, comm, vm[i], sizeof(vm[i]));
			vmp[i] = vm[i];
		}
		pthread_mutex_unlock(&vm_lock);
		in.rows = rows;
		in.vm = vmp;
		in.nrows = nrows;
	} else {
		in.loaded = false;
	}
	cf_metrics_write(f, &in);
	free(vm);
	free(vmp);
	free(rows);
	return 0;
}

void cf_vm_resolve_locked(unsigned int tgid, const char *comm, char *out, size_t outlen)
{
	pthread_mutex_lock(&vm_lock);
	cf_vm_resolve(tgid, comm, out, outlen);
	pthread_mutex_unlock(&vm_lock);
}
