// SPDX-License-Identifier: GPL-2.0
/* Data plane: on every config write through vfio-pci, rewrite protected
 * bits in the writer's buffer to the value vfio holds, before vfio copies
 * the buffer in, and report each filtered write. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "vfio_types.h"
#include "cfgfilter.h"
#include "cf_mask.h"

char LICENSE[] SEC("license") = "GPL"; /* bpf_probe_write_user is GPL-only */

/* Frozen at load: the verifier sees the policy as constants, and
 * `bpftool prog show` prints the bpf_metadata_* values. */
const volatile struct cf_policy cf_policy = {};
const volatile char bpf_metadata_cfgfilter_version[] = CF_VERSION;
const volatile char bpf_metadata_policy_hash[17] = ""; /* hex, as in `cfgfilter status` */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} cfgf_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cf_stats);
} cfgf_stats SEC(".maps");

/* Rules that share a register and overlap the current write. */
struct cf_group {
	__u32 reg;
	__u32 width;
	__u32 mask;
	__u32 rules;
};

/* Per-CPU counters need no atomics: the trampoline never runs this program
 * twice at once on one CPU (a nested run is skipped and counted by the
 * kernel as a recursion miss). */
static __always_inline struct cf_stats *stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cfgf_stats, &zero);
}

/* The window length as the verifier must see it, 1..4. Clang knows the
 * caller checked the range and may hand the helper a register whose bounds
 * the verifier lost ("invalid zero-sized read"); hiding the value from clang
 * makes it compute the bounds right at the call. */
static __always_inline __u32 len_1_4(__u32 len)
{
	__u32 n = len - 1;

	barrier_var(n);
	return (n & 3) + 1;
}

static __noinline int cf_filter_register(struct vfio_pci_core_device *vdev, char *buf,
					 __u64 pos, __u64 count, struct cf_group *g)
{
	struct pci_dev *pdev = vdev->pdev;
	struct cf_stats *st = stats();
	struct cf_window w;
	__u32 req = 0, cur = 0, prot, applied;
	__u32 len, buf_pos;
	struct cf_event *e;
	const char *name;
	long err;

	cf_window(pos, count, g->reg, g->width, &w);
	len = w.len;
	buf_pos = w.buf_pos;
	if (len == 0 || len > 4)
		return 0;
	if (bpf_probe_read_user(&req, len_1_4(len), buf + buf_pos))
		return 0;
	/* vconfig is a plain u8 *: not a BTF object the verifier can bound */
	if (bpf_probe_read_kernel(&cur, len_1_4(len), BPF_CORE_READ(vdev, vconfig) + w.first))
		return 0;
	prot = cf_window_mask(g->mask, &w);
	if (!cf_changed(req, cur, prot))
		return 0;
	applied = cf_merge(req, cur, prot);
	err = bpf_probe_write_user(buf + buf_pos, &applied, len_1_4(len));
	if (st) {
		if (err)
			st->rewrite_failed++;
		else
			st->filtered++;
	}

	e = bpf_ringbuf_reserve(&cfgf_events, sizeof(*e), 0);
	if (!e) {
		if (st)
			st->events_lost++;
		return 0;
	}
	e->ts_boot_ns = bpf_ktime_get_boot_ns();
	e->policy_hash = cf_policy.hash;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->rules = g->rules;
	e->requested = req;
	e->applied = err ? req : applied;
	e->bits = cf_changed(req, cur, prot);
	e->write_offset = pos;
	e->write_len = count;
	e->offset = w.first;
	e->reg_offset = g->reg;
	e->vendor = pdev->vendor;
	e->device = pdev->device;
	e->width = len;
	e->reg_width = g->width;
	e->action = CF_ACT_MASK;
	e->flags = err ? CF_EV_REWRITE_FAILED : 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	name = BPF_CORE_READ(pdev, dev.kobj.name);
	if (bpf_probe_read_kernel_str(e->dev, sizeof(e->dev), name) < 0)
		e->dev[0] = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("fentry/vfio_pci_config_rw")
int BPF_PROG(cfgfilter_write, struct vfio_pci_core_device *vdev, char *buf, size_t count,
	     loff_t *ppos, bool iswrite)
{
	struct cf_group g = {};
	struct cf_stats *st;
	struct pci_dev *pdev;
	__u32 cfg_size, pcie, nrules = cf_policy.nrules;
	loff_t off;
	__u64 pos;
	int i;

	if (!iswrite)
		return 0;
	st = stats();
	if (st)
		st->writes++;
	if (bpf_probe_read_kernel(&off, sizeof(off), ppos))
		return 0;
	pos = (__u64)off & CF_VFIO_OFFSET_MASK;
	pdev = vdev->pdev;
	cfg_size = pdev->cfg_size;
	/* vfio fails such a write whole with -EFAULT: nothing to filter */
	if (pos >= cfg_size || count > cfg_size - pos)
		return 0;
	pcie = pdev->pcie_cap;

	for (i = 0; i < CF_MAX_RULES; i++) {
		__u32 base, reg, width;

		if (i >= nrules)
			break;
		if (cf_policy.rules[i].anchor == CF_ANCHOR_HDR)
			base = 0;
		else if (cf_policy.rules[i].anchor == CF_ANCHOR_CAP &&
			 cf_policy.rules[i].cap_id == CF_PCI_CAP_ID_EXP && pcie)
			base = pcie;
		else
			continue; /* the device lacks the capability */
		reg = base + cf_policy.rules[i].offset;
		width = cf_policy.rules[i].width;
		if (g.rules && (g.reg != reg || g.width != width)) {
			cf_filter_register(vdev, buf, pos, count, &g);
			g.rules = 0;
			g.mask = 0;
		}
		if (pos >= reg + width || pos + count <= reg)
			continue;
		g.reg = reg;
		g.width = width;
		g.mask |= cf_policy.rules[i].mask;
		g.rules |= 1u << i;
	}
	if (g.rules)
		cf_filter_register(vdev, buf, pos, count, &g);
	return 0;
}
