/* SPDX-License-Identifier: GPL-2.0 */
/* What bpf/bus_ops.bpf.c tells the loader: the config accessors of the
 * bus of the device last read through sysfs by the loader. */
#ifndef CF_BUS_OPS_H
#define CF_BUS_OPS_H

struct cf_bus_ops_seen {
	__u64 read;  /* dev->bus->ops->read */
	__u64 write; /* dev->bus->ops->write */
	__u64 reads; /* sysfs config reads seen: the loader checks it moved */
};

#endif
