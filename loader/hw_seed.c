// SPDX-License-Identifier: GPL-2.0
/* Seeding the data plane's view of the hardware at load and apply. Devices
 * opened before cfgfilter was loaded, or changed while nothing followed
 * them, are known from here on; later changes are seen on the bus. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "cfg_caps.h"
#include "cfgfilter.h"
#include "log.h"
#include "hw_seed.h"

#define PCI_DEVICES "/sys/bus/pci/devices"

/* vfio-pci, or a vfio-pci variant driver (mlx5_vfio_pci, ...). */
int cf_bound_to_vfio(const char *dev)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver", dev);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return 0;
	target[n] = 0;
	return strstr(strrchr(target, '/') ? strrchr(target, '/') : target, "vfio") != NULL;
}

/* 0 when read, 1 when the device could not be read (named in a message),
 * 2 when its reads did not go by the bus hooks, -1 when the seed map
 * could not be set.
 * Read the device's config space twice: once to find the capabilities
 * its resets are recognised by, once with the seed map naming us and
 * them, which the data plane records. */
static int read_config(const char *dev, int seed_fd)
{
	unsigned char buf[4096];
	char path[PATH_MAX];
	struct cf_seed seed = { .tgid = getpid() }, none = { 0 };
	__u32 zero = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/config", dev);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : pread(fd, buf, sizeof(buf), 0);
	if (n >= 64) {
		seed.pcie = cf_cfg_cap(buf, n, CF_PCI_CAP_ID_EXP);
		seed.pm = cf_cfg_cap(buf, n, CF_PCI_CAP_ID_PM);
		if (bpf_map_update_elem(seed_fd, &zero, &seed, BPF_ANY)) {
			cf_err("cannot update the seed map: %s", strerror(errno));
			close(fd);
			return -1;
		}
		n = pread(fd, buf, sizeof(buf), 0);
		if (bpf_map_lookup_elem(seed_fd, &zero, &seed))
			seed.seen = 0;
		/* the next device's first read must not take these offsets */
		bpf_map_update_elem(seed_fd, &zero, &none, BPF_ANY);
	}
	if (fd >= 0)
		close(fd);
	if (n < 64)
		return cf_err("cannot read %s (%s): until its registers are seen on the bus, "
			      "writes to their protected bits are refused (value_unknown)",
			      path, n < 0 ? strerror(errno) : "short read");
	if (!seed.seen) {
		cf_err("%s: its config accesses do not go through the accessors the bus hooks are "
		       "on (cfgfilter status: bus hooks): its bus is of a kind load did not find, "
		       "or a bus hook was detached; unload and load again", dev);
		return 2;
	}
	return 0;
}

int cf_hw_seed(int seed_fd, int *unfollowed)
{
	struct dirent *de;
	int count = 0, err = 0;
	DIR *d;

	d = opendir(PCI_DEVICES);
	if (!d) {
		cf_err("cannot list %s: %s", PCI_DEVICES, strerror(errno));
		return -1;
	}
	*unfollowed = 0;
	while (!err && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !cf_bound_to_vfio(de->d_name))
			continue;
		err = read_config(de->d_name, seed_fd);
		count += !err;
		*unfollowed += err == 2;
		err = err < 0; /* the map failed: stop; a device failed: go on */
	}
	closedir(d);
	return err ? -1 : count;
}
