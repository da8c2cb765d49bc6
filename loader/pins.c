// SPDX-License-Identifier: GPL-2.0
/* The pin directory: paths, the lock, removal. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <bpf/bpf.h>
#include "log.h"
#include "pins.h"
#include "cfgfilter.skel.h"

#define MAP(pin, obj, w) { pin, CF_PIN_KIND_MAP, false, offsetof(struct cfgfilter_bpf, maps.obj), w }
#define PROG(pin, obj, opt, w) \
	{ pin, CF_PIN_KIND_PROG, opt, offsetof(struct cfgfilter_bpf, progs.obj), w }
#define LINK(pin, obj, opt, w) \
	{ pin, CF_PIN_KIND_LINK, opt, offsetof(struct cfgfilter_bpf, links.obj), w }

const struct cf_pin cf_pins[] = {
	MAP(CF_PIN_EVENTS, cfgf_events, "ring buffer of filtered writes"),
	MAP(CF_PIN_STATS, cfgf_stats, "per-CPU counters (struct cf_stats)"),
	MAP(CF_PIN_POLICY, cfgf_policy_0, "the live policy, frozen; replaced by apply"),
	MAP(CF_PIN_POLICY_SLOT, cfgf_policy, "array-of-maps holding the live policy"),
	MAP(CF_PIN_META, data_rodata, "bpf_metadata_* shown by bpftool prog show"),
	MAP(CF_PIN_BSS, bss, "globals: config writes seen (cf_writes), tasks in a checked write"),
	MAP("shadow", cfgf_shadow, "virtualize: what writers wrote, per open device"),
	MAP("counts", cfgf_counts,
	    "exact counts per device, writer and rule (struct cf_counts); writer \"other\" past the bound"),
	MAP("hw_devices", cfgf_hw_devices,
	    "followed devices: reset generation, the policy compiled for the open (struct cf_plan), capabilities, config space as seen on the bus"),
	MAP(CF_PIN_HW_SEED, cfgf_hw_seed, "set while load/apply read sysfs config"),
	PROG("prog_config_write", cfgfilter_write, false, "the write program"),
	PROG("prog_config_read", cfgfilter_read, false, "the read program (virtualize)"),
	PROG("prog_device_close", cfgfilter_close, false, "drops per-open state"),
	PROG(CF_PIN_PROG_DENY, cfgfilter_deny, false,
	     "the refusing hook, attached by deny, mask and virtualize rules"),
	PROG(CF_PIN_PROG_DENY_URING, cfgfilter_deny_uring, true, "io_uring's write decider"),
	PROG(CF_PIN_PROG_DENY_URING_DONE, cfgfilter_deny_uring_done, true,
	     "ends io_uring's write verdict"),
	LINK("link_hw_read", cfgfilter_hw_read, false,
	     "fexit on the devices' bus read accessor (x86: pci_read)"),
	LINK("link_hw_write", cfgfilter_hw_write, false,
	     "fexit on their bus write accessor (x86: pci_write): record, races"),
	LINK("link_hw_read2", cfgfilter_hw_read2, true,
	     "fexit on a second kind of bus's read accessor, where vfio devices sit on one"),
	LINK("link_hw_write2", cfgfilter_hw_write2, true, "... and on its write accessor"),
	LINK("link_device_open", cfgfilter_open, false, "fentry vfio_pci_core_enable"),
	LINK("link_reset", cfgfilter_reset, true,
	     "fentry pci_try_reset_function: the kernel's reset inside a vfio write"),
	LINK("link_reset_done", cfgfilter_reset_done, true, "fexit pci_try_reset_function"),
	LINK("link_restore", cfgfilter_restore, true,
	     "fentry pci_restore_state: the kernel's restore inside a vfio write"),
	LINK("link_restore_done", cfgfilter_restore_done, true, "fexit pci_restore_state"),
	LINK("link_config_read", cfgfilter_read, false, "fexit vfio_pci_config_rw"),
	LINK("link_device_close", cfgfilter_close, false, "fentry vfio_pci_core_disable"),
	LINK(CF_PIN_LINK_DENY_URING_DONE, cfgfilter_deny_uring_done, true, "fexit io_write"),
	LINK(CF_PIN_LINK_DENY_URING, cfgfilter_deny_uring, true, "fentry io_write"),
	LINK(CF_PIN_LINK_DENY, cfgfilter_deny, true, "the refusing hook: lsm file_permission, else fmod_ret security_file_permission"),
	LINK(CF_PIN_LINK, cfgfilter_write, false, "fentry vfio_pci_config_rw"),
};
const size_t cf_npins = sizeof(cf_pins) / sizeof(cf_pins[0]);
_Static_assert(sizeof(cf_pins) / sizeof(cf_pins[0]) <= CF_PINS_MAX, "raise CF_PINS_MAX");

bool cf_pin_exists(const char *name)
{
	char p[256];

	cf_pin_path(p, sizeof(p), name);
	return access(p, F_OK) == 0;
}

void cf_pin_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", CF_PIN_DIR, name);
}

bool cf_is_loaded(void)
{
	return cf_pin_exists(CF_PIN_LINK);
}

int cf_leftover_links(char *buf, size_t len)
{
	size_t used = 0;
	int n = 0;

	buf[0] = 0;
	if (cf_is_loaded())
		return 0;
	for (size_t i = 0; i < cf_npins; i++) {
		if (cf_pins[i].kind != CF_PIN_KIND_LINK || !cf_pin_exists(cf_pins[i].name))
			continue;
		if (used < len)
			used += snprintf(buf + used, len - used, "%s%s", n ? "," : "", cf_pins[i].name);
		n++;
	}
	return n;
}

int cf_pinned_fd(const char *name)
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

int cf_lock_pins(void)
{
	int fd = open(CF_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return cf_err("cannot open the lock %s: %s (is /run mounted?)", CF_LOCK_FILE,
			      strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK)
			return cf_err("cannot lock %s: %s", CF_LOCK_FILE, strerror(errno));
		cf_info("waiting for another cfgfilter command holding %s", CF_LOCK_FILE);
		if (flock(fd, LOCK_EX))
			return cf_err("cannot lock %s: %s", CF_LOCK_FILE, strerror(errno));
	}
	return 0; /* the fd stays open: the lock lasts until exit */
}

int cf_remove_pins(void)
{
	struct dirent *de;
	int failed = 0;
	DIR *d = opendir(CF_PIN_DIR);

	if (!d)
		return errno == ENOENT ? 0 : cf_err("cannot open %s: %s", CF_PIN_DIR, strerror(errno));
	/* The table's links first, the write link before the others, so
	 * enforcement stops before its state disappears; then whatever else is
	 * there (a pin of another version, a half-made load). */
	for (size_t i = cf_npins; i-- > 0;) {
		if (cf_pins[i].kind != CF_PIN_KIND_LINK)
			continue;
		if (unlinkat(dirfd(d), cf_pins[i].name, 0) && errno != ENOENT)
			failed = cf_err("cannot remove %s/%s: %s", CF_PIN_DIR, cf_pins[i].name,
					strerror(errno));
	}
	while (!failed && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) && errno != ENOENT)
			failed = cf_err("cannot remove %s/%s: %s", CF_PIN_DIR, de->d_name,
					strerror(errno));
	}
	closedir(d);
	if (!failed && rmdir(CF_PIN_DIR))
		failed = cf_err("cannot remove %s: %s", CF_PIN_DIR, strerror(errno));
	return failed;
}

int cf_link_prog_fd(const char *name)
{
	struct bpf_link_info li = { 0 };
	__u32 len = sizeof(li);
	char path[256];
	int lfd, pfd = -1;

	cf_pin_path(path, sizeof(path), name);
	lfd = bpf_obj_get(path);
	if (lfd < 0)
		return -1;
	if (!bpf_obj_get_info_by_fd(lfd, &li, &len))
		pfd = bpf_prog_get_fd_by_id(li.prog_id);
	close(lfd);
	return pfd;
}
