/* SPDX-License-Identifier: GPL-2.0 */
/* What every cfgfilter command shares: options, messages, pins, probes. */
#ifndef CF_COMMON_H
#define CF_COMMON_H

#include <stdbool.h>
#include "cfgfilter.h"

#define CF_PIN_DIR "/sys/fs/bpf/cfgfilter"
/* Links: removing one detaches its program. */
#define CF_PIN_LINK "link_config_write"
#define CF_PIN_LINK_READ "link_config_read"
#define CF_PIN_LINK_CLOSE "link_device_close"
#define CF_PIN_LINK_HW_READ "link_hw_read"   /* the device's values, seen on the bus */
#define CF_PIN_LINK_HW_WRITE "link_hw_write" /* likewise, and races */
#define CF_PIN_LINK_OPEN "link_device_open"
#define CF_PIN_LINK_DENY "link_deny"
#define CF_PIN_LINK_DENY_URING "link_deny_uring"
/* Programs, so apply can attach the deny hooks later. */
#define CF_PIN_PROG "prog_config_write"
#define CF_PIN_PROG_READ "prog_config_read"
#define CF_PIN_PROG_CLOSE "prog_device_close"
#define CF_PIN_PROG_DENY "prog_deny"
#define CF_PIN_PROG_DENY_URING "prog_deny_uring" /* absent when io_write is not in BTF */
/* Maps. */
#define CF_PIN_EVENTS "events"
#define CF_PIN_STATS "stats"
#define CF_PIN_POLICY "policy"           /* the live policy (inner map) */
#define CF_PIN_POLICY_SLOT "policy_slot" /* array-of-maps holding it */
#define CF_PIN_META "metadata"           /* .data.rodata: bpf_metadata_policy_hash */
#define CF_PIN_SHADOW "shadow"
#define CF_PIN_CAPS "caps"
#define CF_PIN_HW "hw"                   /* the devices' config space as last seen */
#define CF_PIN_HW_DEVICES "hw_devices"   /* which devices are followed, generations */
#define CF_PIN_HW_SEED "hw_seed"

#define CF_ATTACH_POINT "fentry/vfio_pci_config_rw"
#define CF_MODULE "vfio_pci_core"

/* Exit codes beyond 0/1. */
#define CF_EXIT_USAGE 2
#define CF_EXIT_NOT_LOADED 3

struct cf_opts {
	int verbose;
};
extern struct cf_opts cf_opts;

/* "cfgfilter: <message>" on stderr; returns 1 so callers can `return cf_err(...)`. */
int cf_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cf_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void cf_libbpf_setup(void);

/* Each returns 0, or prints what is missing and what to do and returns 1. */
int cf_need_root(void);
int cf_need_bpffs(void);
int cf_need_btf(void);

bool cf_is_loaded(void);
void cf_pin_path(char *buf, size_t len, const char *name);
int cf_pinned_fd(const char *name); /* -1 with a message when missing */

/* An exclusive lock for the life of the process, so two cfgfilter commands
 * cannot change the pins at once. It is a file that is never deleted: a
 * lock on the pin directory, which unload removes, would let a command
 * waiting behind unload hold a lock on a deleted directory while another
 * creates and locks a new one. Take it before reading any state. */
#define CF_LOCK_FILE "/run/cfgfilter.lock"
int cf_lock_pins(void);

/* The enforced state, read back from the pins. */
struct cf_live {
	int prog_id;
	int link_id;
	char prog_name[16];
	unsigned long long run_cnt, run_time_ns;
	struct cf_policy policy;
	struct cf_stats stats; /* summed over CPUs */
	unsigned int ringbuf_bytes;
	bool deny_attached;
	bool deny_uring_attached;
};
int cf_read_live(struct cf_live *live);
__u32 cf_live_policy_map_id(void); /* 0 if unknown */

/* Make p the live policy: a new frozen inner map swapped into the
 * array-of-maps slot in one update, then the metadata hash and the
 * "policy" pin follow. Every access sees the old or the new policy. */
int cf_policy_install(const struct cf_policy *p);

/* Attach the deny hooks from their pinned programs and pin the links, or
 * remove those pins (detaching them). The io_uring hook is attached when
 * its program was loaded. */
int cf_deny_attach(void);
void cf_deny_detach(void);

/* Remove every pin (links first) and the directory. 0, or 1 with a message. */
int cf_remove_pins(void);

/* Fit the policy to what this kernel allows. Where bpf_probe_write_user is
 * unavailable (lockdown=integrity), mask and virtualize become deny with one
 * line saying so, or, with strict, the policy is refused. Lockdown=
 * confidentiality forbids reading kernel memory at all: refused. Sets
 * *rewrite. Returns 0, or 1 with a message. */
int cf_fit_policy(struct cf_policy *p, bool strict, bool *rewrite);

/* Kernel addresses the deny hook compares against, found in one pass over
 * /proc/kallsyms; addr stays 0 for a name not found. */
struct cf_ksym {
	const char *name;
	const char *module; /* NULL: any */
	unsigned long long addr;
};
void cf_kallsyms(struct cf_ksym *syms, size_t n);

#endif
