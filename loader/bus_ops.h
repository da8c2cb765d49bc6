/* SPDX-License-Identifier: GPL-2.0 */
/* The config accessors the bus hooks attach to, found from the devices'
 * own buses (pdev->bus->ops), not assumed per architecture. */
#ifndef CF_LOADER_BUS_OPS_H
#define CF_LOADER_BUS_OPS_H

#include <stddef.h>

/* Pairs of bus hooks the data plane has (cfgfilter_hw_read/_write, and
 * cfgfilter_hw_read2/_write2 for a second kind of bus). */
#define CF_BUS_OPS_MAX 2

struct cf_bus_ops {
	unsigned long long read, write; /* kernel addresses */
	char read_fn[64], write_fn[64];
	char module[64];  /* "" for vmlinux */
	char device[32];  /* the first device found on such a bus */
	int vfio_devices; /* vfio devices on such buses */
};

/* Read a dword of the sysfs config of every vfio device and of one device
 * per root bus, with a BPF program noting each device's bus ops; fill
 * ops[] with the distinct pairs, vfio devices' first. Returns how many
 * (0 < n <= max), or -1 with a message: the finder did not load or
 * attach, a read did not reach it, a name is not in `ks`, or
 * vfio devices' buses need more than `max` pairs. */
struct cf_kallsyms;
int cf_find_bus_ops(const struct cf_kallsyms *ks, struct cf_bus_ops *ops, int max);

struct btf;

/* The function a pinned tracing link is attached to, from its BTF target
 * (vmlinux's, passed in, or a module's split on it): 0, or -1 (not
 * pinned, or unreadable). */
int cf_link_target(const char *pin, struct btf *vmlinux, char *buf, size_t len);

#endif
