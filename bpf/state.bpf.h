/* SPDX-License-Identifier: GPL-2.0 */
/* The data plane's state: what the loader sets before load, the maps, and
 * the access every decision works on. Included once, by cfgfilter.bpf.c. */
#ifndef CF_STATE_BPF_H
#define CF_STATE_BPF_H

#define EPERM 1
#define MAY_WRITE 0x2
#define CF_VFIO_CONFIG_REGION 7 /* VFIO_PCI_CONFIG_REGION_INDEX */

/* Writable, unlike .rodata: `policy apply` updates the hash. bpftool shows
 * the bpf_metadata_* of the first map whose name contains ".rodata", so all
 * metadata lives here. */
volatile char bpf_metadata_cfgfilter_version[] SEC(".data.rodata") = CF_VERSION;
volatile char bpf_metadata_policy_hash[17] SEC(".data.rodata") = "";
/* A copy of the live policy for observers (cfgfilter-exporter), which hold
 * this map read-only and cannot open pins; the programs never read it. */
volatile char cf_live_policy[sizeof(struct cf_policy)] SEC(".data.rodata");

/* Set by the loader: false where the kernel forbids bpf_probe_write_user
 * (lockdown). The verifier then drops those calls as dead code, so the
 * object still loads; the loader turns mask and virtualize into deny. */
const volatile bool cf_can_rewrite = true;

/* Set by the loader: the kernel has the bpf_rdonly_cast kfunc
 * (core_fixes.bpf.h). */
const volatile bool cf_has_rdonly_cast = false;

/* Set by the loader from /proc/kallsyms: what a vfio-pci device fd is. */
const volatile __u64 cf_vfio_device_fops = 0;
const volatile __u64 cf_pci_bus_type = 0;

/* .bss, read by status and the exporter (pinned as "bss"). */
__u64 cf_writes;    /* config writes seen through vfio */
__u64 cf_in_writes; /* tasks inside a vfio write whose bus writes are checked */

/* Set by the loader: the config accessors the bus hooks are on, a pair per
 * kind of bus (loader/bus_ops.c found them; 0 where unused). */
const volatile __u64 cf_bus_read_fn[2] = {};
const volatile __u64 cf_bus_write_fn[2] = {};

struct cf_policy_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cf_policy);
} cfgf_policy_0 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct cf_policy_map);
} cfgf_policy SEC(".maps") = {
	.values = { [0] = &cfgf_policy_0 },
};

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

/* virtualize: what the writer wrote, per open device and register. vconfig
 * is reallocated on every open, as vfio's own virtualization restarts. */
struct cf_shadow_key {
	__u64 vconfig;
	__u32 reg;
	__u32 pad;
};
struct cf_shadow {
	__u32 mask;  /* register bits held here */
	__u32 value;
};
/* A plain hash: an evicted shadow would hand the writer the device's
 * value. One entry per register of 256 devices; dropped at close. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256 * CF_MAX_RULES);
	__type(key, struct cf_shadow_key);
	__type(value, struct cf_shadow);
} cfgf_shadow SEC(".maps");

/* Where a task compiles a plan: too big for the stack, and the task's own
 * so no other CPU or preempting task writes into it meanwhile. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cf_plan);
} cfgf_plan_build SEC(".maps");

/* Exact counts per (device, writer, rule), bounded per writer:
 * include/cfgfilter.h. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CF_COUNT_ROWS);
	__type(key, struct cf_count_key);
	__type(value, struct cf_counts);
} cfgf_counts SEC(".maps");

/* What the refusing hook decides of a write (cf_access.denied). */
enum cf_refusal {
	CF_ALLOWED = 0,
	CF_DENIED = 1,              /* a deny rule's bit would change */
	CF_REFUSED_VALUE = 2,       /* value_unknown */
	CF_REFUSED_UNREADABLE = 3,  /* unreadable_buffer */
	CF_REFUSED_UNDECODABLE = 4, /* undecodable_call */
	CF_REFUSED_UNWRITABLE = 5,  /* unwritable_buffer: mask bits it cannot rewrite */
};

#define CF_PF_IO_WORKER 0x00000010 /* task->flags of io-wq and SQPOLL threads */

/* io_uring: io_write's hook decides, the refusing hook enforces while the
 * task is inside that io_write. */
struct cf_verdict {
	__u64 file;
	__u32 inside;  /* between fentry and fexit of io_write */
	__u32 verdict; /* enum cf_refusal */
};
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cf_verdict);
} cfgf_deny_verdict SEC(".maps");

/* Devices whose config traffic is followed (include/cf_device.h): vfio
 * devices, added when vfio opens one and by the loader's reads of sysfs
 * `config` (cfgf_hw_seed) at load and apply, each only on a bus whose two
 * accessors are hooked. A plain hash, not an LRU: nothing a decision needs is evicted
 * by other traffic. A device with no room is not followed (counted
 * hw_full), and the refusing hook refuses writes to its protected bits. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct cf_dev_key);
	__type(value, struct cf_hw_device);
} cfgf_hw_devices SEC(".maps");

/* A cfgfilter process reading sysfs `config` to seed the hardware view
 * (include/cfgfilter.h): the device it reads becomes followed, with the
 * capability offsets it found in the bytes. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cf_seed);
} cfgf_hw_seed SEC(".maps");

/* What an access needs to know about the device. */
struct cf_dev_info {
	__u64 vconfig, name, bus;
	__u32 cfg_size, pcie, id, class, devfn, pm;
};

/* One access, as scalars: global BPF functions are verified once, apart
 * from their callers, and take no kernel pointers. */
struct cf_access {
	struct cf_dev_info d; /* id: vendor << 16 | device */
	__u64 buf;
	__u64 pos;
	__u64 count;
	__u64 policy_hash;
	__u32 mode;  /* enum cf_mode */
	__u32 denied; /* CF_MODE_DENY: enum cf_refusal, the first found */
	__u32 value; /* CF_MODE_VERIFY: the bytes written to the device */
	__u32 hw_gen; /* the device's generation in cfgf_hw_devices */
	__u32 plan_held; /* deciding from the record's plan (plan_of) */
	__u32 g_reg, g_width, g_rules, g_active;
	__u32 g_mask[CF_ACT_MAX + 1]; /* by enum cf_action */
	char dev[CF_DEV_LEN];
	__u32 dev_loaded;
	/* what cf_flush decided, for cf_count: per finding (verify mode has
	 * two) the changed bits, register-relative */
	__u8 c_kind[2];
	__u8 c_sent[2];
	__u32 c_changed[2];
};

/* Set while a task is inside a vfio config write: its bus writes to the
 * bytes it asked for are the VFIO user's, checked against the policy on
 * the device kept here. `kernel` counts the kernel's own sections inside
 * it (a reset's save, reset and restore): their writes are not the user's. */
struct cf_in_write {
	struct cf_dev_info d;
	__u32 active;
	__u32 kernel;
	__u32 pos, count; /* the user's bytes: [pos, pos + count) */
	/* the check of one of its bus writes (cf_verify_write): here, not on
	 * the stack, where the bus hooks' chain of calls has no room for it
	 * on 6.1. `checking` while it runs: a bus write an interrupt makes on
	 * this task meanwhile is the kernel's, not the user's, and is left */
	struct cf_access check;
	__u32 checking;
};
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cf_in_write);
} cfgf_in_write SEC(".maps");


#endif
