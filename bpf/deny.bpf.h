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

/* x86-64 system call numbers of the write calls the refusing hook decodes.
 * Any other number is a call it cannot decode: an i386 task's calls use
 * another table (its write is 4, pwrite64 181), whose 1, 18, 20, 296 and
 * 328 write no file; an x32 call carries bit 30. */
#define CF_NR_write 1
#define CF_NR_pwrite64 18
#define CF_NR_writev 20
#define CF_NR_pwritev 296
#define CF_NR_pwritev2 328
#define CF_MAX_IOV 16 /* iovecs read per call; a call with more is refused */

struct cf_iovec {
	__u64 base;
	__u64 len;
};

/* IORING_OP_* (include/uapi/linux/io_uring.h) */
#define CF_IORING_OP_WRITEV 2
#define CF_IORING_OP_WRITE_FIXED 5
#define CF_IORING_OP_WRITE 23

/* The rules against one buffer, verified once: inlined into the iovec
 * loop, the plan's loops made 7.2's verifier give up (1M insns). The
 * first refusal found in a deny pass; 0 in a mask pass. */
/* A write refused where an enforcing rule's register is not known: the
 * event names the write, with register and values 0. */
static __noinline void refuse_blind(struct cf_access *a)
{
	struct cf_window w = { .first = a->pos, .len = a->count < 4 ? a->count : 4 };

	a->g_rules = 0;
	a->g_reg = 0;
	a->g_width = 0;
	emit(a, &w, 0, 0, 0, CF_ACT_DENY, CF_EV_REFUSED | CF_EV_HW_UNKNOWN);
}

__noinline int cf_deny_run(struct cf_access *a, const struct cf_policy *pol)
{
	struct cf_hw_device *hd;
	const struct cf_plan *p;

	if (!a || !pol)
		return 0;
	hd = record_of(a->d.bus, a->d.devfn);
	p = plan_of(a, pol, hd);
	/* no plan (no build buffer to compile one in): nothing to judge
	 * against, in either pass; or an enforcing rule may lie anywhere
	 * past the header */
	if (!p || (a->mode == CF_MODE_DENY && (p->flags & CF_PLAN_LAYOUT_UNKNOWN) &&
		   a->pos + a->count > 0x40)) {
		plan_done(a, hd);
		if (!a->denied)
			a->denied = CF_REFUSED_VALUE;
		refuse_blind(a);
		return a->denied;
	}
	if (cf_plan_touches(p, a->pos, a->count))
		cf_run_plan(a, pol, p, hd);
	plan_done(a, hd);
	return a->denied;
}

/* One buffer of a write, in pass `mode` (CF_MODE_DENY: may it happen;
 * CF_MODE_MASK: rewrite its mask bits): enum cf_refusal. */
static __always_inline int deny_segment(const struct cf_policy *pol, struct cf_access *a, __u64 buf,
					 __u64 off, __u64 len, __u32 mode)
{
	if ((off >> 40) != CF_VFIO_CONFIG_REGION)
		return CF_ALLOWED;
	if (start_access(a, buf, off & CF_VFIO_OFFSET_MASK, len, mode))
		return CF_ALLOWED; /* vfio fails it whole with -EFAULT */
	return cf_deny_run(a, pol);
}

/* A write of one buffer, or of cnt iovecs at buf, in pass `mode`: enum
 * cf_refusal. One call site for deny_segment keeps one cf_access on the
 * stack. */
static __always_inline int deny_write(const struct cf_policy *pol, struct cf_access *a,
				      __u64 buf, __u64 cnt, __u64 pos, int vectored, __u32 mode)
{
	int r;

	if (vectored && cnt > CF_MAX_IOV)
		return CF_REFUSED_UNDECODABLE;
	for (int i = 0; i < CF_MAX_IOV; i++) {
		struct cf_iovec iov = { .base = buf, .len = cnt };

		if (vectored) {
			if (i >= cnt)
				break;
			if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(buf + i * sizeof(iov))))
				return CF_REFUSED_UNREADABLE;
		} else if (i) {
			break;
		}
		r = deny_segment(pol, a, iov.base, pos, iov.len, mode);
		if (r)
			return r;
		pos += iov.len;
	}
	return CF_ALLOWED;
}

/* A write decoded: the deny pass, then, if it may happen, the mask pass
 * rewrites its mask bits here, where the kernel never skips the program
 * (vfio's fentry then finds nothing left to mask). enum cf_refusal. */
static __always_inline int judge_write(const struct cf_policy *pol, struct cf_access *a,
				       __u64 buf, __u64 cnt, __u64 pos, int vectored)
{
	int r = deny_write(pol, a, buf, cnt, pos, vectored, CF_MODE_DENY);

	if (r == CF_ALLOWED && (pol->flags & CF_POL_MASK) && cf_can_rewrite)
		r = deny_write(pol, a, buf, cnt, pos, vectored, CF_MODE_MASK);
	return r;
}

/* Does a policy rule that enforces land on the device? A call the hook
 * cannot decode is refused only then. */
static __always_inline int device_enforced(struct cf_access *a, const struct cf_policy *pol)
{
	struct cf_hw_device *hd = record_of(a->d.bus, a->d.devfn);
	const struct cf_plan *p = plan_of(a, pol, hd);
	int enforces = !p || (p->flags & CF_PLAN_ENFORCES); /* no plan: cannot tell */

	plan_done(a, hd);
	return enforces;
}

/* A write refused without a register to name (undecodable call): the
 * event says who and on which device, with offset and values 0. */
static __always_inline void report_undecodable(struct cf_access *a)
{
	struct cf_window w = {};

	__builtin_memset((char *)a + sizeof(a->d), 0, sizeof(*a) - sizeof(a->d));
	emit(a, &w, 0, 0, 0, CF_ACT_DENY, CF_EV_REFUSED | CF_EV_UNDECODABLE);
}

/* The verdict of the io_uring write the task is in, if it is in one for
 * this file: io_write's hook decides, this hook enforces. io_write asks
 * once per issue, so a verdict is used once: one that io_write's end did
 * not clear (its fexit skipped, see README) decides no later write. */
static __always_inline int uring_verdict(struct task_struct *task, struct file *file, int *r)
{
	struct cf_verdict *v = bpf_task_storage_get(&cfgf_deny_verdict, task, 0, 0);

	if (!v || !v->inside || v->file != (__u64)file)
		return 0;
	*r = v->verdict;
	v->inside = 0;
	return 1;
}

/* The refusing hook, on the one path every write crosses that may fail
 * it. It sees only (file, mask): the offset and data come from the
 * io_uring request the task is in (io_write's hook), or from the system
 * call, read from the task's saved user registers. Whatever it cannot
 * decode, read or judge against the device's value, on a device an
 * enforcing rule lands on, it refuses. Attached while the policy has
 * deny, mask or virtualize rules. */
static __always_inline int on_file_permission(struct file *file, int mask, int ret)
{
	struct vfio_pci_core_device *vdev;
	const struct cf_policy *pol;
	struct task_struct *task;
	struct cf_access a;
	struct pt_regs *regs;
	__u64 nr, buf, cnt, pos, fpos;
	struct cf_stats *st;
	int r = CF_ALLOWED;

	if (ret || !(mask & MAY_WRITE))
		return ret;
	vdev = vfio_pci_of(file);
	if (!vdev)
		return 0;
	pol = live_policy();
	if (!pol || !(pol->flags & CF_POL_ENFORCE))
		return 0;
	task = bpf_get_current_task_btf();
	dev_info_read(vdev, &a.d);
	if (!uring_verdict(task, file, &r)) {
		regs = (struct pt_regs *)bpf_task_pt_regs(task);
		nr = syscall_nr(regs);
		buf = PT_REGS_PARM2_CORE_SYSCALL(regs);
		cnt = PT_REGS_PARM3_CORE_SYSCALL(regs);
		pos = PT_REGS_PARM4_CORE_SYSCALL(regs);
		fpos = BPF_CORE_READ(file, f_pos);
		if (nr == CF_NR_write || nr == CF_NR_writev ||
		    (nr == CF_NR_pwritev2 && pos == (__u64)-1))
			pos = fpos; /* the file position, not an explicit offset */
		/* an io-wq or SQPOLL worker carries a copy of its creator's
		 * registers: they say nothing of the write it is doing */
		if (task->flags & CF_PF_IO_WORKER)
			r = CF_REFUSED_UNDECODABLE;
		else if (nr == CF_NR_write || nr == CF_NR_pwrite64 || nr == CF_NR_writev ||
			 nr == CF_NR_pwritev || nr == CF_NR_pwritev2) {
			int vec = nr != CF_NR_write && nr != CF_NR_pwrite64;

			r = judge_write(pol, &a, buf, cnt, pos, vec);
		} else
			r = CF_REFUSED_UNDECODABLE;
	}
	/* a call not decoded, or its iovecs unreadable: refused only where
	 * an enforcing rule lands (a->d is still the device) */
	if ((r == CF_REFUSED_UNDECODABLE || r == CF_REFUSED_UNREADABLE) &&
	    !device_enforced(&a, pol))
		r = CF_ALLOWED;
	if (r == CF_ALLOWED)
		return 0;
	if (r == CF_REFUSED_UNDECODABLE)
		report_undecodable(&a);
	st = stats();
	if (st) {
		if (r == CF_DENIED)
			st->denied++;
		else if (r == CF_REFUSED_VALUE)
			st->refused_value_unknown++;
		else if (r == CF_REFUSED_UNREADABLE)
			st->refused_unreadable_buffer++;
		else if (r == CF_REFUSED_UNWRITABLE)
			st->refused_unwritable_buffer++;
		else
			st->refused_undecodable_call++;
	}
	return -EPERM;
}

/* io_uring's write (WRITE, WRITE_FIXED, WRITEV): io_write runs in the task
 * that then asks security_file_permission (the submitter inline, an io-wq
 * worker otherwise); decide here on the request's buffer, for the hook
 * above while the task is inside io_write. Every call re-decides, so a
 * retried request is judged again. An opcode not known here is refused
 * as undecodable. */
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

	vdev = vfio_pci_of(file);
	if (!vdev)
		return 0;
	v = bpf_task_storage_get(&cfgf_deny_verdict, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!v)
		return 0; /* no verdict: the hook above refuses as undecodable */
	v->file = (__u64)file;
	v->verdict = CF_ALLOWED;
	v->inside = 1;
	pol = live_policy();
	if (!pol || !(pol->flags & CF_POL_ENFORCE))
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
	if (op == CF_IORING_OP_WRITE || op == CF_IORING_OP_WRITE_FIXED || op == CF_IORING_OP_WRITEV) {
		/* skipped, this program leaves no verdict: refused */
		v->verdict = judge_write(pol, &a, addr, len, pos, op == CF_IORING_OP_WRITEV);
	} else
		v->verdict = CF_REFUSED_UNDECODABLE;
	return 0;
}

/* io_write is done: its verdict is no one else's. */
static __always_inline int on_io_write_done(void)
{
	struct cf_verdict *v = bpf_task_storage_get(&cfgf_deny_verdict, bpf_get_current_task_btf(),
						    0, 0);

	if (v)
		v->inside = 0;
	return 0;
}

#endif
