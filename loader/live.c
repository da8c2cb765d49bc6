// SPDX-License-Identifier: GPL-2.0
/* The enforced state, read back from the pins, and the changes apply makes
 * to it: the policy swap and the deny hooks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cf_hw.h"
#include "live.h"
#include "log.h"
#include "pins.h"
#include "cfgfilter.skel.h"

/* The inner map the array-of-maps slot points at now. */
static int live_inner_fd(void)
{
	__u32 zero = 0, id = 0;
	int slot = cf_pinned_fd(CF_PIN_POLICY_SLOT), fd;

	if (slot < 0)
		return -1;
	if (bpf_map_lookup_elem(slot, &zero, &id)) {
		cf_err("cannot read %s/%s: %s", CF_PIN_DIR, CF_PIN_POLICY_SLOT, strerror(errno));
		close(slot);
		return -1;
	}
	close(slot);
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		cf_err("cannot open policy map %u: %s", id, strerror(errno));
	return fd;
}

__u32 cf_live_policy_map_id(void)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int fd = live_inner_fd();

	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	return info.id;
}

static int read_policy(struct cf_live *live)
{
	__u32 zero = 0;
	int fd = live_inner_fd(), ret = 0;

	if (fd < 0)
		return -1;
	if (bpf_map_lookup_elem(fd, &zero, &live->policy)) {
		cf_err("cannot read the live policy: %s", strerror(errno));
		ret = -1;
	}
	close(fd);
	return ret;
}

/* The hash (as metadata text) and the observers' copy
 * of the policy sit among the other bpf_metadata_* in .data.rodata:
 * rewrite only those. */
static int set_metadata_hash(int meta, const struct cf_policy *p)
{
	struct cfgfilter_bpf__data_rodata val;
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), zero = 0;

	if (bpf_obj_get_info_by_fd(meta, &info, &len) || info.value_size != sizeof(val)) {
		errno = EINVAL;
		return -1;
	}
	if (bpf_map_lookup_elem(meta, &zero, &val))
		return -1;
	snprintf((char *)val.bpf_metadata_policy_hash, sizeof(val.bpf_metadata_policy_hash),
		 "%016llx", (unsigned long long)p->hash);
	memcpy((void *)&val.cf_live_policy, p, sizeof(*p));
	return bpf_map_update_elem(meta, &zero, &val, BPF_ANY);
}

int cf_policy_install(const struct cf_policy *p)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info), zero = 0;
	int old = live_inner_fd(), slot = -1, meta = -1, fresh = -1, btf = -1, ret = -1;
	char path[256];

	if (old < 0)
		return -1;
	/* The new map carries the program's BTF, so bpftool dumps it by field. */
	if (bpf_obj_get_info_by_fd(old, &info, &len)) {
		cf_err("cannot read the live policy map: %s", strerror(errno));
		goto out;
	}
	/* An array-of-maps takes only inner maps like its template, flags too;
	 * freezing (below) is what makes the policy immutable. */
	opts.map_flags = info.map_flags;
	btf = bpf_btf_get_fd_by_id(info.btf_id);
	opts.btf_fd = btf >= 0 ? btf : 0;
	opts.btf_key_type_id = info.btf_key_type_id;
	opts.btf_value_type_id = info.btf_value_type_id;
	fresh = bpf_map_create(BPF_MAP_TYPE_ARRAY, "cfgf_policy", sizeof(__u32),
			       sizeof(struct cf_policy), 1, &opts);
	if (btf >= 0)
		close(btf);
	if (fresh < 0 || bpf_map_update_elem(fresh, &zero, p, BPF_ANY) || bpf_map_freeze(fresh)) {
		cf_err("cannot build the new policy map: %s", strerror(errno));
		goto out;
	}
	slot = cf_pinned_fd(CF_PIN_POLICY_SLOT);
	if (slot < 0)
		goto out;
	/* The switch: one pointer swap, RCU-protected for running programs.
	 * A plan compiled for the old policy decides nothing after it: every
	 * access compares the plan's hash with the policy it looked up. */
	if (bpf_map_update_elem(slot, &zero, &fresh, BPF_ANY)) {
		cf_err("cannot switch to the new policy: %s; the old one stays", strerror(errno));
		goto out;
	}
	ret = 0;
	meta = cf_pinned_fd(CF_PIN_META);
	if (meta < 0 || set_metadata_hash(meta, p))
		cf_err("policy switched, but bpf_metadata_policy_hash was not updated: %s",
		       strerror(errno));
	cf_pin_path(path, sizeof(path), CF_PIN_POLICY);
	unlink(path);
	if (bpf_obj_pin(fresh, path))
		cf_err("policy switched, but %s could not be pinned: %s", path, strerror(errno));
out:
	if (meta >= 0)
		close(meta);
	if (slot >= 0)
		close(slot);
	if (fresh >= 0)
		close(fresh);
	close(old);
	return ret;
}

static int attach_pinned(const char *prog_pin, const char *link_pin)
{
	char path[256];
	int prog = cf_pinned_fd(prog_pin), link;

	if (prog < 0)
		return -1;
	link = bpf_raw_tracepoint_open(NULL, prog);
	close(prog);
	if (link < 0) {
		cf_err("cannot attach %s: %s", prog_pin, strerror(errno));
		return -1;
	}
	cf_pin_path(path, sizeof(path), link_pin);
	if (bpf_obj_pin(link, path)) {
		cf_err("cannot pin %s: %s", path, strerror(errno));
		close(link);
		return -1;
	}
	close(link);
	return 0;
}

int cf_deny_attach(void)
{
	char path[256];

	cf_pin_path(path, sizeof(path), CF_PIN_LINK_DENY);
	if (access(path, F_OK) == 0)
		return 0;
	/* the io_uring decider first (its end before it): the enforcer acts
	 * on its verdicts, and refuses io_uring writes with none */
	cf_pin_path(path, sizeof(path), CF_PIN_PROG_DENY_URING);
	if (access(path, F_OK) == 0 &&
	    (attach_pinned(CF_PIN_PROG_DENY_URING_DONE, CF_PIN_LINK_DENY_URING_DONE) ||
	     attach_pinned(CF_PIN_PROG_DENY_URING, CF_PIN_LINK_DENY_URING))) {
		cf_deny_detach();
		return -1;
	}
	if (attach_pinned(CF_PIN_PROG_DENY, CF_PIN_LINK_DENY)) {
		cf_deny_detach();
		return -1;
	}
	return 0;
}

void cf_deny_detach(void)
{
	char path[256];

	cf_pin_path(path, sizeof(path), CF_PIN_LINK_DENY);
	unlink(path);
	cf_pin_path(path, sizeof(path), CF_PIN_LINK_DENY_URING);
	unlink(path);
	cf_pin_path(path, sizeof(path), CF_PIN_LINK_DENY_URING_DONE);
	unlink(path);
}

/* Every field of struct cf_stats is a __u64 counter: summed as an array. */
_Static_assert(sizeof(struct cf_stats) % sizeof(__u64) == 0, "cf_stats holds __u64 counters only");

/* The per-CPU counters summed, and the write counter the write program
 * keeps in its .bss (an atomic add there costs less than the lookup). */
int cf_stats_sum(int stats_fd, int bss_fd, struct cf_stats *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct cfgfilter_bpf__bss *bss;
	struct cf_stats *per;
	__u32 zero = 0;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	per = calloc(ncpu > 0 ? ncpu : 1, sizeof(*per));
	bss = malloc(sizeof(*bss));
	if (ncpu <= 0 || !per || !bss || bpf_map_lookup_elem(stats_fd, &zero, per) ||
	    bpf_map_lookup_elem(bss_fd, &zero, bss))
		goto out;
	for (int i = 0; i < ncpu; i++)
		for (size_t k = 0; k < sizeof(*out) / sizeof(__u64); k++)
			((__u64 *)out)[k] += ((const __u64 *)&per[i])[k];
	out->writes += bss->cf_writes;
	ret = 0;
out:
	free(per);
	free(bss);
	return ret;
}

static int read_stats(struct cf_live *live)
{
	int fd = cf_pinned_fd(CF_PIN_STATS), bss = cf_pinned_fd(CF_PIN_BSS), ret = -1;

	if (fd >= 0 && bss >= 0) {
		ret = cf_stats_sum(fd, bss, &live->stats);
		if (ret)
			cf_err("cannot read the stats maps (%s, %s): %s", CF_PIN_STATS, CF_PIN_BSS,
			       strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	if (bss >= 0)
		close(bss);
	return ret;
}

/* recursion_misses of the program behind each pinned link, and whether
 * the refusing hook's is a BPF LSM program. */
static void read_skips(struct cf_live *live)
{
	for (size_t i = 0; i < cf_npins; i++) {
		struct bpf_prog_info pi = { 0 };
		__u32 len = sizeof(pi);
		int pfd;

		if (cf_pins[i].kind != CF_PIN_KIND_LINK)
			continue;
		pfd = cf_link_prog_fd(cf_pins[i].name);
		if (pfd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(pfd, &pi, &len)) {
			snprintf(live->progs[live->nprogs].name, sizeof(live->progs[0].name), "%s",
				 pi.name);
			live->progs[live->nprogs].skipped = pi.recursion_misses;
			live->skipped += pi.recursion_misses;
			live->nprogs++;
			if (!strcmp(cf_pins[i].name, CF_PIN_LINK_DENY))
				live->deny_lsm = pi.type == BPF_PROG_TYPE_LSM;
		}
		close(pfd);
	}
}

int cf_read_live(struct cf_live *live)
{
	struct bpf_link_info li = { 0 };
	struct bpf_prog_info pi = { 0 };
	struct bpf_map_info mi = { 0 };
	__u32 len;
	int fd;

	memset(live, 0, sizeof(*live));
	fd = cf_pinned_fd(CF_PIN_LINK);
	if (fd < 0)
		return -1;
	len = sizeof(li);
	if (bpf_obj_get_info_by_fd(fd, &li, &len)) {
		close(fd);
		cf_err("cannot read link info: %s", strerror(errno));
		return -1;
	}
	close(fd);
	live->link_id = li.id;
	live->prog_id = li.prog_id;

	fd = bpf_prog_get_fd_by_id(li.prog_id);
	len = sizeof(pi);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &pi, &len)) {
		if (fd >= 0)
			close(fd);
		cf_err("cannot read program %u: %s", li.prog_id, strerror(errno));
		return -1;
	}
	close(fd);
	snprintf(live->prog_name, sizeof(live->prog_name), "%s", pi.name);
	live->run_cnt = pi.run_cnt;
	live->run_time_ns = pi.run_time_ns;

	fd = cf_pinned_fd(CF_PIN_EVENTS);
	if (fd < 0)
		return -1;
	len = sizeof(mi);
	if (!bpf_obj_get_info_by_fd(fd, &mi, &len))
		live->ringbuf_bytes = mi.max_entries;
	close(fd);

	if (read_policy(live) || read_stats(live))
		return -1;
	fd = cf_pinned_fd("hw_devices");
	if (fd >= 0) {
		struct cf_dev_key key, next;
		void *prev = NULL;

		while (!bpf_map_get_next_key(fd, prev, &next)) {
			live->hw_devices++;
			key = next;
			prev = &key;
		}
		close(fd);
	}
	{
		char p[256];
		cf_pin_path(p, sizeof(p), CF_PIN_LINK_DENY);
		live->deny_attached = access(p, F_OK) == 0;
		cf_pin_path(p, sizeof(p), CF_PIN_LINK_DENY_URING);
		live->deny_uring_attached = access(p, F_OK) == 0;
	}
	read_skips(live);
	return 0;
}

