/* SPDX-License-Identifier: GPL-2.0 */
/* The enforced state, read back from the pins, and how apply changes it. */
#ifndef CF_LIVE_H
#define CF_LIVE_H

#include <stdbool.h>
#include "cfgfilter.h"
#include "pins.h"


struct cf_live {
	int prog_id;
	int link_id;
	char prog_name[16];
	unsigned long long run_cnt, run_time_ns;
	struct cf_policy policy;
	struct cf_stats stats; /* summed over CPUs */
	unsigned int ringbuf_bytes;
	unsigned int hw_devices; /* devices whose config space is followed */
	bool deny_attached;
	bool deny_uring_attached;
	bool deny_lsm; /* the refusing hook is a BPF LSM program (else fmod_ret) */
	/* Per attached program: runs the kernel skipped (bpf_prog_info's
	 * recursion_misses: the program was already running on that CPU,
	 * in a task preempted inside it). A skipped run judged nothing. */
	struct {
		char name[16];
		unsigned long long skipped;
	} progs[CF_PINS_MAX]; /* one per link pin */
	unsigned int nprogs;
	unsigned long long skipped; /* their sum */
};
int cf_read_live(struct cf_live *live);
/* The per-CPU stats map at stats_fd summed over the CPUs, with the .bss
 * map's write counter. -1 on failure. */
int cf_stats_sum(int stats_fd, int bss_fd, struct cf_stats *out);
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

#endif
