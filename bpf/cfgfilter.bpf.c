// SPDX-License-Identifier: GPL-2.0
/* Data plane. On every config access through vfio-pci:
 *  - write (fentry vfio_pci_config_rw): mask/virtualize bits are rewritten in
 *    the writer's buffer to the device's value, before vfio copies it in;
 *    virtualized values go to a shadow; audit bits are reported;
 *  - read (fexit vfio_pci_config_rw): virtualized bits are replaced by the
 *    shadow, so the writer reads back what it wrote;
 *  - refuse (security_file_permission: a BPF LSM program where the bpf LSM
 *    runs, else fmod_ret, the loader sets which; it reads the write's
 *    offset and data through the task's system call, plus fentry/fexit
 *    io_write for io_uring; attached while the policy has deny, mask or
 *    virtualize rules): the write fails with EPERM if a deny bit would
 *    change, or if the filter cannot judge it (a call it cannot decode, a
 *    buffer it cannot read, a device value it does not know);
 *  - hardware (fexit on the config accessors of the devices' buses, found
 *    by the loader; on x86 pci_read/pci_write, which every config access
 *    of every device ends in: vfio's, sysfs', the kernel's own
 *    save/restore): the device's config space as last seen on the bus,
 *    the value every decision above is judged against;
 *  - races (the same pci_write hook, inside a vfio write): a protected bit
 *    that changes in hardware anyway is reported with what really went in.
 * The policy is looked up once per access through an array-of-maps, so
 * `cfgfilter policy apply` swaps it atomically. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "vfio_types.h"
#include "cfgfilter.h"
#include "cf_mask.h"
#include "cf_hw.h"
#include "cf_decide.h"
#include "cf_plan.h"
#include "cf_caps.h"
/* cf_device.h's loop over a record's dwords, under bpf_loop (below) */
struct cf_hw_device;
static void cf_bpf_forget_unfollowed(struct cf_hw_device *d);
#define cf_dev_forget_unfollowed cf_bpf_forget_unfollowed
/* a plan is 1.3 KB: one helper call, not an unrolled copy */
#define cf_plan_copy(dst, src) bpf_probe_read_kernel((dst), sizeof(struct cf_plan), (src))
#include "cf_device.h"

char LICENSE[] SEC("license") = "GPL"; /* bpf_probe_write_user is GPL-only */

/* The layers, in the order they build on each other; the SEC() programs
 * below are thin wrappers over their handlers. */
#include "state.bpf.h"
#include "core_fixes.bpf.h"
#include "engine.bpf.h"
#include "deny.bpf.h"
#include "hw_view.bpf.h"

struct cf_dword_loop {
	struct cf_hw_device *d;
};

static long forget_step(__u32 dw, void *ctx)
{
	struct cf_dword_loop *l = ctx;

	cf_dev_forget_if_unfollowed(l->d, dw);
	return 0;
}

static void cf_bpf_forget_unfollowed(struct cf_hw_device *d)
{
	struct cf_dword_loop l = { .d = d };

	bpf_loop(CF_CFG_DWORDS, forget_step, &l, 0);
}

SEC("fentry/vfio_pci_config_rw")
int BPF_PROG(cfgfilter_write, struct vfio_pci_core_device *vdev, char *buf, size_t count,
	     loff_t *ppos, bool iswrite)
{
	return on_config_write(ctx, iswrite);
}

SEC("fexit/vfio_pci_config_rw")
int BPF_PROG(cfgfilter_read, struct vfio_pci_core_device *vdev, char *buf, size_t count,
	     loff_t *ppos, bool iswrite, ssize_t ret)
{
	return on_config_rw_exit(vdev, buf, count, ppos, iswrite, ret);
}

SEC("fentry/vfio_pci_core_disable")
int BPF_PROG(cfgfilter_close, struct vfio_pci_core_device *vdev)
{
	return on_device_close(vdev);
}

/* Loaded as lsm/file_permission where the bpf LSM runs (the loader sets
 * the type): the kernel skips a tracing program already running on the
 * CPU, as when a task was preempted inside it, but never an LSM one. */
SEC("fmod_ret/security_file_permission")
int BPF_PROG(cfgfilter_deny, struct file *file, int mask, int ret)
{
	return on_file_permission(file, mask, ret);
}

SEC("fentry/io_write")
int BPF_PROG(cfgfilter_deny_uring, struct io_kiocb *req, unsigned int issue_flags)
{
	return on_io_write(req, issue_flags);
}

SEC("fexit/io_write")
int BPF_PROG(cfgfilter_deny_uring_done, struct io_kiocb *req, unsigned int issue_flags, int ret)
{
	return on_io_write_done();
}

/* The bus hooks: fexit on the config accessors of the devices' buses
 * (pdev->bus->ops->read/write), which the loader finds before load and
 * sets as the targets (x86: pci_root_ops' pci_read/pci_write, the
 * default here); the second pair loads only where vfio devices sit on a
 * second kind of bus. Every pci_ops accessor takes these arguments. */
SEC("fexit/pci_read")
int BPF_PROG(cfgfilter_hw_read, struct pci_bus *bus, unsigned int devfn, int where, int size,
	     u32 *value, int ret)
{
	return on_bus_read(ctx, bus, devfn, where, ret);
}

SEC("fexit/pci_write")
int BPF_PROG(cfgfilter_hw_write, struct pci_bus *bus, unsigned int devfn, int where, int size,
	     u32 value, int ret)
{
	return on_bus_write(ctx, bus, devfn, where);
}

SEC("fexit/pci_read")
int BPF_PROG(cfgfilter_hw_read2, struct pci_bus *bus, unsigned int devfn, int where, int size,
	     u32 *value, int ret)
{
	return on_bus_read(ctx, bus, devfn, where, ret);
}

SEC("fexit/pci_write")
int BPF_PROG(cfgfilter_hw_write2, struct pci_bus *bus, unsigned int devfn, int where, int size,
	     u32 value, int ret)
{
	return on_bus_write(ctx, bus, devfn, where);
}

SEC("fentry/pci_try_reset_function")
int BPF_PROG(cfgfilter_reset, struct pci_dev *dev)
{
	return on_kernel_section(1);
}

SEC("fexit/pci_try_reset_function")
int BPF_PROG(cfgfilter_reset_done, struct pci_dev *dev, int ret)
{
	return on_kernel_section(-1);
}

SEC("fentry/pci_restore_state")
int BPF_PROG(cfgfilter_restore, struct pci_dev *dev)
{
	return on_kernel_section(1);
}

SEC("fexit/pci_restore_state")
int BPF_PROG(cfgfilter_restore_done, struct pci_dev *dev)
{
	return on_kernel_section(-1);
}

SEC("fentry/vfio_pci_core_enable")
int BPF_PROG(cfgfilter_open, struct vfio_pci_core_device *vdev)
{
	return on_device_open(vdev);
}
