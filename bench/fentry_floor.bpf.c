// SPDX-License-Identifier: GPL-2.0
/* Benchmark baseline: an fentry program on the same function that does
 * nothing, so the trampoline's own cost can be told apart from cfgfilter's. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("fentry/vfio_pci_config_rw")
int BPF_PROG(cfgfilter_floor)
{
	return 0;
}

/* Baseline for the deny hook: an fmod_ret that lets everything through. */
SEC("fmod_ret/security_file_permission")
int BPF_PROG(cfgfilter_floor_perm, struct file *file, int mask, int ret)
{
	return ret;
}

/* Baselines for the programs beside the write program: empty programs of
 * the same kind on the same functions. */
SEC("fexit/vfio_pci_config_rw")
int BPF_PROG(cfgfilter_floor_rw_exit)
{
	return 0;
}

SEC("fexit/pci_read")
int BPF_PROG(cfgfilter_floor_pci_read)
{
	return 0;
}

SEC("fexit/pci_write")
int BPF_PROG(cfgfilter_floor_pci_write)
{
	return 0;
}
