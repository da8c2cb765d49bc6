// SPDX-License-Identifier: GPL-2.0
/* Benchmark baseline: an fentry program on the same function that does
 * nothing, so the trampoline's own cost can be told apart from cfgfilter's. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct vfio_pci_core_device; /* a module type: only its pointer is used */

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

/* What the data plane's building blocks cost on this hook, each alone in
 * a program: the README's account of what remains of the write program's
 * cost. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cost_percpu_map SEC(".maps");

struct cost_key {
	__u64 a;
	__u32 b, c;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct cost_key);
	__type(value, __u64);
} cost_hash_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} cost_task_map SEC(".maps");

__u64 cost_sink[64];

SEC("fentry/vfio_pci_config_rw")
int BPF_PROG(cost_percpu_lookup)
{
	__u32 zero = 0;
	__u64 *v = bpf_map_lookup_elem(&cost_percpu_map, &zero);

	if (v)
		(*v)++;
	return 0;
}

SEC("fentry/vfio_pci_config_rw")
int BPF_PROG(cost_probe_read, struct vfio_pci_core_device *vdev, char *buf, size_t count,
	     loff_t *ppos)
{
	loff_t off = 0;

	bpf_probe_read_kernel(&off, sizeof(off), ppos);
	cost_sink[1] = off;
	return 0;
}

SEC("fentry/vfio_pci_config_rw")
int BPF_PROG(cost_hash_lookup, struct vfio_pci_core_device *vdev)
{
	struct cost_key k = { (__u64)vdev, 1, 0 };
	__u64 *v = bpf_map_lookup_elem(&cost_hash_map, &k);

	if (v)
		cost_sink[2] = *v;
	return 0;
}

SEC("fentry/vfio_pci_config_rw")
int BPF_PROG(cost_task_storage)
{
	__u64 *v = bpf_task_storage_get(&cost_task_map, bpf_get_current_task_btf(), 0, 0);

	if (v)
		cost_sink[3] = *v;
	return 0;
}

SEC("fentry/vfio_pci_config_rw")
int BPF_PROG(cost_atomic_add)
{
	__sync_fetch_and_add(&cost_sink[4], 1);
	return 0;
}
