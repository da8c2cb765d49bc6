// SPDX-License-Identifier: GPL-2.0
/* Which config accessors a device's bus uses: `cfgfilter load` runs this
 * for a moment, reads a dword of each device's sysfs `config`, and attaches
 * the bus hooks to the functions found here. The sysfs read calls
 * dev->bus->ops->read itself (drivers/pci/access.c), so the ops seen here
 * are the ones every config access of the device goes through: on x86
 * pci_root_ops (pci_read/pci_write), on ECAM hosts pci_generic_config_*,
 * behind VMD or Hyper-V their own. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "cf_bus_ops.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 cf_finder_tgid = 0; /* the loader reading sysfs */

struct cf_bus_ops_seen cf_bus_ops_seen;

SEC("fentry/pci_user_read_config_dword")
int BPF_PROG(cfgfilter_find_bus_ops, struct pci_dev *dev, int where, u32 *val)
{
	if (bpf_get_current_pid_tgid() >> 32 != cf_finder_tgid)
		return 0;
	cf_bus_ops_seen.read = (__u64)BPF_CORE_READ(dev, bus, ops, read);
	cf_bus_ops_seen.write = (__u64)BPF_CORE_READ(dev, bus, ops, write);
	__sync_fetch_and_add(&cf_bus_ops_seen.reads, 1);
	return 0;
}
