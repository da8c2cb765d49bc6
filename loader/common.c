// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "common.h"
#include "cfgfilter.skel.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

struct cf_opts cf_opts;

int cf_err(const char *fmt, ...)
{
	va_list ap;

	fputs("cfgfilter: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

void cf_info(const char *fmt, ...)
{
	va_list ap;

	fputs("cfgfilter: ", stdout);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's own messages and the verifier log are detail: -v only */
	if (!cf_opts.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void cf_libbpf_setup(void)
{
	libbpf_set_print(libbpf_print);
}

int cf_need_root(void)
{
	if (geteuid() != 0)
		return cf_err("must run as root (loading and pinning BPF programs needs "
			      "CAP_BPF and CAP_SYS_ADMIN); run it with sudo");
	return 0;
}

int cf_need_bpffs(void)
{
	struct statfs fs;

	if (statfs("/sys/fs/bpf", &fs) || fs.f_type != BPF_FS_MAGIC)
		return cf_err("no BPF filesystem at /sys/fs/bpf; mount it with "
			      "'mount -t bpf bpf /sys/fs/bpf'");
	return 0;
}

int cf_need_btf(void)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return cf_err("kernel has no BTF (/sys/kernel/btf/vmlinux missing); use a kernel "
			      "built with CONFIG_DEBUG_INFO_BTF=y");
	if (access("/sys/kernel/btf/" CF_MODULE, R_OK))
		return cf_err("module %s is not loaded (no /sys/kernel/btf/%s); run "
			      "'modprobe vfio-pci' first", CF_MODULE, CF_MODULE);
	return 0;
}

void cf_pin_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", CF_PIN_DIR, name);
}

bool cf_is_loaded(void)
{
	char p[256];

	cf_pin_path(p, sizeof(p), CF_PIN_LINK);
	return access(p, F_OK) == 0;
}

static int pinned_fd(const char *name)
{
	char p[256];
	int fd;

	cf_pin_path(p, sizeof(p), name);
	fd = bpf_obj_get(p);
	if (fd < 0)
		cf_err("cannot open pin %s: %s; is cfgfilter loaded? ('cfgfilter status')", p,
		       strerror(errno));
	return fd;
}

static int read_policy(struct cf_live *live)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), zero = 0;
	int fd = pinned_fd(CF_PIN_POLICY), ret = -1;
	void *val = NULL;

	if (fd < 0)
		return -1;
	/* The section can be shorter than the skeleton's padded struct. */
	if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
	    info.value_size < offsetof(struct cfgfilter_bpf__rodata, cf_policy) +
				  sizeof(struct cf_policy)) {
		cf_err("pin %s/%s is not cfgfilter's policy map; run 'cfgfilter unload' and load again",
		       CF_PIN_DIR, CF_PIN_POLICY);
		goto out;
	}
	val = calloc(1, info.value_size > sizeof(struct cfgfilter_bpf__rodata)
				? info.value_size : sizeof(struct cfgfilter_bpf__rodata));
	if (!val || bpf_map_lookup_elem(fd, &zero, val)) {
		cf_err("cannot read the policy map: %s", strerror(errno));
		goto out;
	}
	memcpy(&live->policy, (void *)&((struct cfgfilter_bpf__rodata *)val)->cf_policy,
	       sizeof(live->policy));
	ret = 0;
out:
	free(val);
	close(fd);
	return ret;
}

static int read_stats(struct cf_live *live)
{
	int ncpu = libbpf_num_possible_cpus(), fd = pinned_fd(CF_PIN_STATS), ret = -1;
	__u32 zero = 0;
	struct cf_stats *per;

	if (fd < 0)
		return -1;
	per = calloc(ncpu > 0 ? ncpu : 1, sizeof(*per));
	if (ncpu <= 0 || !per || bpf_map_lookup_elem(fd, &zero, per)) {
		cf_err("cannot read the stats map: %s", strerror(errno));
		goto out;
	}
	memset(&live->stats, 0, sizeof(live->stats));
	for (int i = 0; i < ncpu; i++) {
		live->stats.writes += per[i].writes;
		live->stats.filtered += per[i].filtered;
		live->stats.events_lost += per[i].events_lost;
		live->stats.rewrite_failed += per[i].rewrite_failed;
	}
	ret = 0;
out:
	free(per);
	close(fd);
	return ret;
}

int cf_read_live(struct cf_live *live)
{
	struct bpf_link_info li = { 0 };
	struct bpf_prog_info pi = { 0 };
	struct bpf_map_info mi = { 0 };
	__u32 len;
	int fd;

	memset(live, 0, sizeof(*live));
	fd = pinned_fd(CF_PIN_LINK);
	if (fd < 0)
		return -1;
	len = sizeof(li);
	if (bpf_obj_get_info_by_fd(fd, &li, &len)) {
		close(fd);
		return cf_err("cannot read link info: %s", strerror(errno)), -1;
	}
	close(fd);
	live->link_id = li.id;
	live->prog_id = li.prog_id;

	fd = bpf_prog_get_fd_by_id(li.prog_id);
	len = sizeof(pi);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &pi, &len)) {
		if (fd >= 0)
			close(fd);
		return cf_err("cannot read program %u: %s", li.prog_id, strerror(errno)), -1;
	}
	close(fd);
	snprintf(live->prog_name, sizeof(live->prog_name), "%s", pi.name);
	live->run_cnt = pi.run_cnt;
	live->run_time_ns = pi.run_time_ns;

	fd = pinned_fd(CF_PIN_EVENTS);
	if (fd < 0)
		return -1;
	len = sizeof(mi);
	if (!bpf_obj_get_info_by_fd(fd, &mi, &len))
		live->ringbuf_bytes = mi.max_entries;
	close(fd);

	if (read_policy(live) || read_stats(live))
		return -1;
	return 0;
}
