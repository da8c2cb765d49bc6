// SPDX-License-Identifier: GPL-2.0
/* cfgfilter unload: remove every pin; the kernel detaches the program when
 * the link's last reference goes. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "commands.h"
#include "common.h"

/* The kernel frees a detached program after RCU grace periods; wait for it
 * so that "unloaded" means gone from `bpftool prog show`. */
static int wait_prog_gone(int prog_id)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };

	for (int i = 0; i < 500; i++) {
		int fd = bpf_prog_get_fd_by_id(prog_id);
		if (fd < 0)
			return 0;
		close(fd);
		nanosleep(&tick, NULL);
	}
	return cf_err("filter detached, but program %d is still in the kernel after 10 s; "
		      "something holds it (see 'bpftool prog show id %d')", prog_id, prog_id);
}

int cmd_unload(int argc, char **argv)
{
	struct cf_live live;
	int prog_id = 0;
	struct dirent *de;
	DIR *d;
	int failed = 0;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: cfgfilter unload\nDetach the filter and remove %s.\n", CF_PIN_DIR);
		return 0;
	}
	if (argc > 1) {
		cf_err("unload: unexpected argument '%s'", argv[1]);
		return CF_EXIT_USAGE;
	}
	if (cf_need_root())
		return 1;
	if (cf_is_loaded() && cf_read_live(&live) == 0)
		prog_id = live.prog_id;
	d = opendir(CF_PIN_DIR);
	if (!d) {
		if (errno == ENOENT) {
			cf_err("not loaded (no %s); nothing to unload", CF_PIN_DIR);
			return CF_EXIT_NOT_LOADED;
		}
		return cf_err("cannot open %s: %s", CF_PIN_DIR, strerror(errno));
	}
	/* The link first, so enforcement stops before its state disappears. */
	if (unlinkat(dirfd(d), CF_PIN_LINK, 0) && errno != ENOENT)
		failed = cf_err("cannot remove %s/%s: %s", CF_PIN_DIR, CF_PIN_LINK, strerror(errno));
	while (!failed && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0))
			failed = cf_err("cannot remove %s/%s: %s", CF_PIN_DIR, de->d_name,
					strerror(errno));
	}
	closedir(d);
	if (!failed && rmdir(CF_PIN_DIR))
		failed = cf_err("cannot remove %s: %s", CF_PIN_DIR, strerror(errno));
	if (!failed && prog_id)
		failed = wait_prog_gone(prog_id);
	if (!failed)
		cf_info("unloaded: filter detached, %s removed", CF_PIN_DIR);
	return failed;
}
