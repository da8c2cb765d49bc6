/* SPDX-License-Identifier: GPL-2.0 */
/* Types shared by the BPF data plane and the cfgfilter loader. Fixed-width
 * fields only, so both sides agree on the layout without kernel headers. */
#ifndef CFGFILTER_H
#define CFGFILTER_H

#ifdef __BPF__
/* vmlinux.h already provides __u8.. __u64 */
#else
#include <linux/types.h>
#endif

#define CF_VERSION "0.1.0"

#define CF_MAX_RULES 32
#define CF_NAME_LEN 48 /* the longest field name is 39 */
#define CF_DEV_LEN 16
#define CF_COMM_LEN 16

/* vfio's region index lives in the file offset above bit 40
 * (VFIO_PCI_OFFSET_SHIFT, drivers/vfio/pci/vfio_pci_priv.h). */
#define CF_VFIO_OFFSET_MASK ((1ULL << 40) - 1)

#define CF_PCI_CAP_ID_EXP 0x10

/* What a rule's offset is relative to. */
enum cf_anchor {
	CF_ANCHOR_HDR = 0,  /* config space offset 0 */
	CF_ANCHOR_CAP = 1,  /* start of the standard capability with id cap_id */
	CF_ANCHOR_ECAP = 2, /* start of the extended capability with id cap_id */
};

/* Numbered by precedence: where rules of different actions cover the same
 * bit of a device, the higher number wins. */
enum cf_action {
	CF_ACT_AUDIT = 1,      /* the write proceeds and is reported */
	CF_ACT_MASK = 2,       /* protected bits keep the device's value */
	CF_ACT_VIRTUALIZE = 3, /* the device keeps its value; the writer reads back its own */
	CF_ACT_DENY = 4,       /* the whole write fails with EPERM */
};
#define CF_ACT_MAX CF_ACT_DENY

/* Which devices a rule applies to. */
enum cf_selector {
	CF_SEL_ALL = 0,
	CF_SEL_BDF = 1,   /* sel_bdf, "DDDD:BB:DD.F" as the kernel names the device */
	CF_SEL_ID = 2,    /* (vendor << 16 | device) & sel_mask == sel_value */
	CF_SEL_CLASS = 3, /* pci_dev->class (24 bits) & sel_mask == sel_value */
};

#define CF_PCI_EXT_CAP_START 0x100

/* One policy rule: bits of one register. The loader sorts rules so that
 * rules on the same register are adjacent; the data plane reports them as
 * one event per write and register. */
struct cf_rule {
	__u32 mask;      /* protected bits, register-relative, little-endian value */
	__u16 cap_id;    /* with CF_ANCHOR_CAP / CF_ANCHOR_ECAP */
	__u16 offset;    /* register offset from the anchor */
	__u8 anchor;     /* enum cf_anchor */
	__u8 width;      /* register width in bytes: 1, 2 or 4 */
	__u8 action;     /* enum cf_action */
	__u8 selector;   /* enum cf_selector */
	__u8 requested;  /* the action the policy asked for; differs from action
			  * when the kernel cannot do it (lockdown: mask -> deny) */
	__u8 pad[3];
	__u32 sel_value;
	__u32 sel_mask;
	char sel_bdf[CF_DEV_LEN];
	char name[CF_NAME_LEN];
};

enum cf_policy_flags {
	CF_POL_DENY = 1,       /* has deny rules: the vfs_write hooks are needed */
	CF_POL_VIRTUALIZE = 2, /* has virtualize rules: the read path is needed */
	CF_POL_ECAP = 4,       /* has extended-capability rules */
	CF_POL_CAP = 8,        /* has rules on standard capabilities other than PCIe */
	CF_POL_ENFORCE = 16,   /* has deny, mask or virtualize rules: the refusing
				* hook (security_file_permission) is needed */
	CF_POL_KILL = 32,      /* "on_violation kill": a writer whose protected bit
				* reaches the device anyway (race) gets SIGKILL from
				* the hook that saw it, before its call returns */
	CF_POL_MASK = 64,      /* has mask rules: the refusing hook rewrites them */
};

struct cf_policy {
	__u32 nrules;
	__u32 flags; /* enum cf_policy_flags */
	__u64 hash;  /* FNV-1a 64 of the compiled rules (and "kill" after them
		      * with on_violation kill): which policy is live */
	struct cf_rule rules[CF_MAX_RULES];
};

/* Set by a cfgfilter process about to read a device's sysfs `config`
 * (the hardware view's seed): the device becomes followed, and its resets
 * are recognised by writes at these capability offsets. */
struct cf_seed {
	__u32 tgid;
	__u16 pcie; /* PCIe capability offset, 0: none */
	__u16 pm;   /* power management capability offset, 0: none */
	__u32 seen; /* set by the bus hooks: the device's reads went by them */
	__u32 pad;
};

/* What one pass of the data plane is judging. */
enum cf_mode {
	CF_MODE_WRITE = 0,  /* a write through vfio, before vfio sees it */
	CF_MODE_DENY = 1,   /* the refusing hook: may the write happen at all
			     * (deny bits, and whether the filter can judge it) */
	CF_MODE_READ = 2,   /* a read through vfio (virtualize) */
	CF_MODE_VERIFY = 3, /* a vfio write reaching the device (races) */
	CF_MODE_MASK = 4,   /* the refusing hook, once the write may happen: mask
			     * bits rewritten in the writer's buffer (a program
			     * the kernel never skips; vfio's fentry may be) */
};

/* Exact counts per device, writer and rule (map `counts`): each filtered bit is
 * counted on the rule that owns it after precedence, whether or not the
 * ring buffer had room for its event. */
struct cf_count_key {
	char dev[CF_DEV_LEN];   /* "DDDD:BB:DD.F" */
	char rule[CF_NAME_LEN]; /* cf_rule.name */
	char comm[CF_COMM_LEN]; /* the writer process's name... */
	__u32 tgid;             /* ...and id: userspace names the VM from them */
	__u32 pad;
};

struct cf_counts {
	__u64 filtered;       /* mask rules (and deny bits that reached vfio): rewritten */
	__u64 virtualized;    /* virtualize rules: rewritten, the writer's value kept */
	__u64 denied;         /* deny rules: the write failed with EPERM */
	__u64 audited;        /* audit rules: reported, not changed */
	__u64 races;          /* the rule's bits changed in the device during a vfio write */
	__u64 unverified;     /* the rule's bits were written over an unknown device value */
	__u64 rewrite_failed; /* the rewrite failed: the bits reached vfio unchanged */
	__u64 events_lost;    /* of the above, with no event: the ring buffer was full */
	__u64 refused;        /* the write failed with EPERM: the filter could not
			       * judge the rule's bits (value_unknown, unreadable_buffer) */
};

/* Per-writer rows are bounded: past this many the writer's counts go to
 * the device's "other" row (tgid 0, comm "other"), so the per-device sums
 * stay exact however many processes write. The counts map holds the
 * writers' rows and one "other" row per (device, rule): 256 devices. */
#define CF_COUNT_WRITER_ROWS 8192
#define CF_COUNT_ROWS (CF_COUNT_WRITER_ROWS + 256 * CF_MAX_RULES)

/* Per-CPU counters; userspace sums the CPUs. */
struct cf_stats {
	__u64 writes;         /* config writes seen through vfio (counted in .bss cf_writes) */
	__u64 filtered;       /* writes whose protected bits were rewritten */
	__u64 events_lost;    /* filtered writes with no event: ring buffer full */
	__u64 rewrite_failed; /* rewrite of the caller's buffer failed: write NOT filtered */
	__u64 audited;        /* writes reported by audit rules only */
	__u64 denied;         /* writes failed with EPERM */
	__u64 deny_fallback;  /* deny bits that reached vfio anyway, masked instead */
	__u64 virt_reads;     /* reads whose virtualized bits were replaced */
	__u64 races;          /* protected bits that changed in the device during a vfio write */
	__u64 hw_unknown;     /* decisions on protected bits whose device value was not
			       * known: never judged against vfio's copy; refused by the
			       * refusing hook, left unrewritten on vfio's path (the
			       * bus check judges what reaches the device), or vfio
			       * writes of such bits that could not be checked */
	__u64 plans;          /* policies compiled for a device (include/cf_plan.h) */
	__u64 plan_unpublished; /* compiled plans not kept in the device's record (no
				 * record, or an access was deciding from the one
				 * there): used for the one access, compiled again
				 * on the next */
	__u64 counts_full;    /* rule counts lost: the counts map was full */
	__u64 events;         /* events put in the ring buffer */
	/* writes refused with EPERM because the filter could not judge them */
	__u64 refused_value_unknown;     /* the device's value of protected bits unknown */
	__u64 refused_unreadable_buffer; /* the writer's buffer could not be read */
	__u64 refused_undecodable_call;  /* the call (ABI, iovec count, io_uring
					  * opcode) could not be decoded */
	__u64 hw_full;        /* devices hw_devices had no room for (not followed) */
	__u64 refused_unwritable_buffer; /* mask bits in a buffer the refusing hook
					  * could not rewrite (read-only page) */
	__u64 counts_other;   /* rule counts that went to a device's "other" row */
	__u64 caps_partial;   /* capability directories built with a header not seen:
			       * an enforcing rule that could not be placed makes
			       * the device's writes past the header refused */
};

enum cf_event_flags {
	CF_EV_REWRITE_FAILED = 1, /* the protected bits reached vfio unchanged
				   * (with REFUSED: the write was refused instead,
				   * unwritable_buffer) */
	CF_EV_DENY_FALLBACK = 2,  /* deny bits reached vfio by a path the deny hook
				   * does not see; they were masked instead */
	CF_EV_READ = 4,           /* a read whose virtualized bits were replaced */
	CF_EV_RACE = 8,           /* protected bits changed in the device during a
				   * vfio write: the writer changed its buffer after
				   * the check (or, with HW_UNKNOWN, the bits' value
				   * before was not known); requested = what was
				   * written to the device */
	CF_EV_HW_UNKNOWN = 16,    /* the device's value of the protected bits was
				   * not known (with REFUSED: the reason) */
	CF_EV_UNREADABLE = 32,    /* with REFUSED: the writer's buffer was unreadable */
	CF_EV_UNDECODABLE = 64,   /* with REFUSED: the call could not be decoded;
				   * offset, width and values are 0 */
	CF_EV_REFUSED = 128,      /* the write failed with EPERM: the filter could
				   * not judge it */
};

/* One filtered write to one register. Values cover the bytes the write
 * has in common with the register: offset..offset+width-1, little-endian. */
struct cf_event {
	__u64 ts_boot_ns;  /* bpf_ktime_get_boot_ns() */
	__u64 policy_hash; /* policy the rule bitmap refers to */
	__u32 pid;         /* thread group id */
	__u32 tid;
	__u32 rules;       /* bitmap of policy rules on this register */
	__u32 requested;   /* value the writer asked for */
	__u32 applied;     /* value that went on to vfio */
	__u32 bits;        /* protected bits the writer tried to change in the device */
	__u32 write_offset; /* the whole write: config offset and length */
	__u32 write_len;
	__u16 offset;      /* config offset of the filtered bytes */
	__u16 reg_offset;  /* config offset of the register they belong to */
	__u16 vendor;
	__u16 device;
	__u8 width;        /* number of filtered bytes, 1..4 */
	__u8 reg_width;
	__u8 action;       /* enum cf_action */
	__u8 flags;        /* enum cf_event_flags */
	char comm[CF_COMM_LEN];
	char dev[CF_DEV_LEN]; /* "DDDD:BB:DD.F" */
};

#endif
