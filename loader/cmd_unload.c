// SPDX-License-Identifier: GPL-2.0
/* cfgfilter unload: remove every pin; the kernel detaches the program when
 * the link's last reference goes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "commands.h"
#include "live.h"
#include "log.h"
#include "pins.h"
#include "probes.h"
#include "result.h"

/* The kernel frees a detached program, and then its maps, after RCU grace
 * periods; wait for them so that "unloaded" means gone from `bpftool prog
 * show` and `bpftool map show`. */
static int wait_gone(int (*get_fd)(__u32), const __u32 *ids, __u32 n, const char *what)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };

	for (__u32 i = 0; i < n; i++) {
		int k;
		for (k = 0; k < 500; k++) {
			int fd = get_fd(ids[i]);
			if (fd < 0)
				break;
			close(fd);
			nanosleep(&tick, NULL);
		}
		if (k == 500)
			return cf_err("filter detached, but %s %u is still in the kernel after 10 s; "
				      "something holds it (see 'bpftool %s show id %u')",
				      what, ids[i], what, ids[i]);
	}
	return 0;
}

/* The ids of the write program and the maps it uses. */
static __u32 collect_ids(__u32 *prog_id, __u32 *map_ids, __u32 max)
{
	struct bpf_prog_info info = { 0 };
	struct cf_live live;
	__u32 len = sizeof(info), n = 0;
	int fd;

	*prog_id = 0;
	if (!cf_is_loaded() || cf_read_live(&live))
		return 0;
	*prog_id = live.prog_id;
	fd = bpf_prog_get_fd_by_id(live.prog_id);
	if (fd < 0)
		return 0;
	info.nr_map_ids = max - 1;
	info.map_ids = (__u64)(unsigned long)map_ids;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		n = info.nr_map_ids < max - 1 ? info.nr_map_ids : max - 1;
	close(fd);
	/* the policy map hangs off the array-of-maps, not off the program */
	map_ids[n] = cf_live_policy_map_id();
	return map_ids[n] ? n + 1 : n;
}

int cmd_unload(const struct cf_parsed *p)
{
	json_t *res = cf_result_new("unload");
	__u32 prog_id, map_ids[32], nmaps;
	int failed;

	if (cf_need_root() || cf_lock_pins())
		return cf_result_end(res, 1);
	/* read under the lock: what a load or apply just did is what goes */
	nmaps = collect_ids(&prog_id, map_ids, 32);
	if (access(CF_PIN_DIR, F_OK)) {
		cf_err("not loaded (no %s); nothing to unload", CF_PIN_DIR);
		return cf_result_end(res, CF_EXIT_NOT_LOADED);
	}
	failed = cf_remove_pins();
	if (!failed && prog_id)
		failed = wait_gone(bpf_prog_get_fd_by_id, &prog_id, 1, "prog") ||
			 wait_gone(bpf_map_get_fd_by_id, map_ids, nmaps, "map");
	if (!failed)
		cf_info("unloaded: filter detached, %s removed", CF_PIN_DIR);
	json_object_set_new(res, "unloaded", json_boolean(!failed));
	json_object_set_new(res, "prog_id", json_integer(prog_id));
	return cf_result_end(res, failed);
}
