/* SPDX-License-Identifier: GPL-2.0 */
/* deny: the write must fail, so the decision is made before vfio sees it,
 * in the one hook every write path crosses (security_file_permission),
 * from the system call's arguments or io_uring's request. */
#ifndef CF_DENY_BPF_H
#define CF_DENY_BPF_H

/* The system call the task is in, from its saved user registers. x86-64:
 * the number is in orig_ax; the arguments through libbpf's
 * PT_REGS_PARMn_CORE_SYSCALL. */
static __always_inline __u64 syscall_nr(struct pt_regs *regs)
{
	return BPF_CORE_READ(regs, orig_ax);
}

/* The vfio_pci_core_device behind a file, if it is a vfio-pci device fd. */
static __always_inline struct vfio_pci_core_device *vfio_pci_of(struct file *file)
{
	struct vfio_device *vd;
	void *priv;

	/* The hot path for every other file: one direct load, one compare
	 * (file is a trusted BTF argument in both callers). */
	if (!file || (__u64)file->f_op != cf_vfio_device_fops || !cf_vfio_device_fops)
		return NULL;
	priv = BPF_CORE_READ(file, private_data);
	vd = vfio_device_of_file(priv);
	if (!vd || (__u64)BPF_CORE_READ(vd, dev, bus) != cf_pci_bus_type)
		return NULL;
	return (void *)vd - bpf_core_field_offset(struct vfio_pci_core_device, vdev);
}

/* x86-64 system call numbers of the write calls the deny hook reads. */
#define CF_NR_write 1
#define CF_NR_pwrite64 18
#define CF_NR_writev 20
#define CF_NR_pwritev 296
#define CF_NR_pwritev2 328
#define CF_MAX_IOV 16

struct cf_iovec {
	__u64 base;
	__u64 len;
};

/* IORING_OP_* (include/uapi/linux/io_uring.h) */
#define CF_IORING_OP_WRITEV 2
#define CF_IORING_OP_WRITE_FIXED 5
#define CF_IORING_OP_WRITE 23

/* The deny rules against one buffer, verified once: inlined into the
 * iovec loop, the plan's loops made 7.2's verifier give up (1M insns). */
__noinline int cf_deny_run(struct cf_access *a, const struct cf_policy *pol)
{
	if (!a || !pol)
		return 0;
	run_policy(a, pol);
	return a->denied;
}

/* One buffer of a write: 1 if a deny rule refuses it. */
static __always_inline int deny_segment(const struct cf_policy *pol, struct cf_access *a, __u64 buf,
					 __u64 off, __u64 len)
{
	if ((off >> 40) != CF_VFIO_CONFIG_REGION)
		return 0;
	if (start_access(a, buf, off & CF_VFIO_OFFSET_MASK, len, CF_MODE_DENY))
		return 0;
	return cf_deny_run(a, pol);
}

/* A write of one buffer, or of cnt iovecs at buf: 1 if a deny rule refuses
 * it. One call site for deny_segment keeps one cf_access on the stack. */
static __always_inline int deny_write(const struct cf_policy *pol, struct cf_access *a,
				      __u64 buf, __u64 cnt, __u64 pos, int vectored)
{
	for (int i = 0; i < CF_MAX_IOV; i++) {
		struct cf_iovec iov = { .base = buf, .len = cnt };

		if (vectored) {
			if (i >= cnt)
				break;
			if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(buf + i * sizeof(iov))))
				break;
		} else if (i) {
			break;
		}
		if (deny_segment(pol, a, iov.base, pos, iov.len))
			return 1;
		pos += iov.len;
	}
	return 0;
}

/* deny: the one hook on every write path that may fail a write. It sees
 * only (file, mask); the offset and the data come from the system call
 * the task is in, read from its saved user registers. Writes that arrive
 * otherwise (io_uring, splice) reach vfio, where the write program masks
 * deny bits and reports masked_deny_fallback. Attached only while the
 * policy has deny rules. */
static __always_inline int on_file_permission(struct file *file, int mask, int ret)
{
	struct vfio_pci_core_device *vdev;
	const struct cf_policy *pol;
	struct cf_access a;
	struct pt_regs *regs;
	__u64 nr, buf, cnt, pos, fpos;
	struct cf_stats *st;
	int denied = 0;

	if (ret || !(mask & MAY_WRITE))
		return ret;
	vdev = vfio_pci_of(file);
	if (!vdev)
		return 0;
	pol = live_policy();
	if (!pol || !(pol->flags & CF_POL_DENY))
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	nr = syscall_nr(regs);
	buf = PT_REGS_PARM2_CORE_SYSCALL(regs);
	cnt = PT_REGS_PARM3_CORE_SYSCALL(regs);
	pos = PT_REGS_PARM4_CORE_SYSCALL(regs);
	fpos = BPF_CORE_READ(file, f_pos);
	if (nr == CF_NR_write || nr == CF_NR_writev || (nr == CF_NR_pwritev2 && pos == (__u64)-1))
		pos = fpos; /* the file position, not an explicit offset */
	dev_info_read(vdev, &a.d);

	if (nr == CF_NR_write || nr == CF_NR_pwrite64 || nr == CF_NR_writev ||
	    nr == CF_NR_pwritev || nr == CF_NR_pwritev2) {
		denied = deny_write(pol, &a, buf, cnt, pos,
				    nr != CF_NR_write && nr != CF_NR_pwrite64);
	} else {
		/* io_uring, inline or on an io-wq worker: io_write's hook decided */
		struct cf_verdict *v = bpf_task_storage_get(&cfgf_deny_verdict,
							    bpf_get_current_task_btf(), 0, 0);
		if (v && v->armed && v->file == (__u64)file) {
			v->armed = 0;
			denied = 1;
		}
	}
	if (!denied)
		return 0;
	st = stats();
	if (st)
		st->denied++;
	return -EPERM;
}

/* deny for io_uring WRITE, WRITE_FIXED and WRITEV: io_write runs in the
 * task that then asks security_file_permission (the submitter inline, an
 * io-wq worker otherwise); decide here on the request's buffer. Every
 * call re-decides, so a retried request is judged again. */
static __always_inline int on_io_write(struct io_kiocb *req, unsigned int issue_flags)
{
	struct vfio_pci_core_device *vdev;
	const struct cf_policy *pol;
	struct file *file = req->file;
	struct cf_access a;
	struct cf_verdict *v;
	struct io_rw *rw;
	__u64 addr, len, pos;
	__u8 op;
	int denied = 0;

	vdev = vfio_pci_of(file);
	if (!vdev)
		return 0;
	v = bpf_task_storage_get(&cfgf_deny_verdict, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!v)
		return 0;
	v->armed = 0;
	pol = live_policy();
	if (!pol || !(pol->flags & CF_POL_DENY))
		return 0;
	/* the request's command data, an io_rw for reads and writes */
	rw = (void *)req + bpf_core_field_offset(struct io_kiocb, cmd);
	op = BPF_CORE_READ(req, opcode);
	addr = BPF_CORE_READ(rw, addr);
	len = BPF_CORE_READ(rw, len);
	pos = BPF_CORE_READ(rw, kiocb.ki_pos);
	if (pos == (__u64)-1)
		pos = BPF_CORE_READ(file, f_pos);
	dev_info_read(vdev, &a.d);
	if (op == CF_IORING_OP_WRITE || op == CF_IORING_OP_WRITE_FIXED || op == CF_IORING_OP_WRITEV)
		denied = deny_write(pol, &a, addr, len, pos, op == CF_IORING_OP_WRITEV);
	if (denied) {
		v->file = (__u64)file;
		v->armed = 1;
	}
	return 0;
}

#endif
