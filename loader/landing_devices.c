// SPDX-License-Identifier: GPL-2.0
/* Where each rule lands on the vfio devices bound now, read from sysfs, for
 * policy check --device, status and the no-match warnings of check, load
 * and apply. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include "hw_seed.h"
#include "landing.h"
#include "log.h"
#include "policy.h"

#define PCI_DEVICES "/sys/bus/pci/devices"

int cf_land_device(const struct cf_policy *p, const char *dev, struct cf_landing *out)
{
	unsigned char cfg[4096];
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/config", dev);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : pread(fd, cfg, sizeof(cfg), 0);
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		cf_err("cannot read %s: %s; name a device as in /sys/bus/pci/devices "
		       "(DDDD:BB:DD.F)", path, strerror(errno));
		return -1;
	}
	if (n <= 64) {
		cf_err("cannot read %s whole (%zd bytes); run as root", path, n);
		return -1;
	}
	cf_land(p, dev, cfg, n, out);
	return 0;
}

int cf_land_vfio_devices(const struct cf_policy *p, struct cf_landing *out, int max)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(PCI_DEVICES);

	if (!d) {
		cf_err("cannot list %s: %s", PCI_DEVICES, strerror(errno));
		return -1;
	}
	while (n < max && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !cf_bound_to_vfio(de->d_name))
			continue;
		if (!cf_land_device(p, de->d_name, &out[n]))
			n++;
	}
	closedir(d);
	return n;
}

int cf_warn_unmatched(const struct cf_policy *p, const struct cf_landing *l, int n)
{
	int warned = 0;

	if (n <= 0)
		return 0;
	for (__u32 i = 0; i < p->nrules && i < CF_MAX_RULES; i++) {
		int hit = 0;

		for (int d = 0; d < n && !hit; d++)
			hit = l[d].how[i] == CF_LAND_AT || l[d].how[i] == CF_LAND_UNKNOWN;
		if (hit)
			continue;
		cf_warn("rule %u (%s %s) matches nothing on the %d vfio device%s bound now; "
			"'cfgfilter policy check FILE --device BDF' says why", i,
			cf_action_name(p->rules[i].action), p->rules[i].name, n, n == 1 ? "" : "s");
		warned++;
	}
	return warned;
}

int cf_land_and_warn(const struct cf_policy *p, struct cf_landing *l, int max)
{
	int n;

	if (geteuid())
		return -1; /* sysfs shows others 64 bytes of config space */
	n = cf_land_vfio_devices(p, l, max);
	cf_warn_unmatched(p, l, n);
	return n;
}

