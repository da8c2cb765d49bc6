/* SPDX-License-Identifier: GPL-2.0 */
/* What every cfgfilter command shares: options, messages, pins, probes. */
#ifndef CF_COMMON_H
#define CF_COMMON_H

#include <stdbool.h>
#include "cfgfilter.h"

#define CF_PIN_DIR "/sys/fs/bpf/cfgfilter"
#define CF_PIN_LINK "link_config_write"
#define CF_PIN_PROG "prog_config_write"
#define CF_PIN_EVENTS "events"
#define CF_PIN_STATS "stats"
#define CF_PIN_POLICY "policy"
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

/* The enforced state, read back from the pins. */
struct cf_live {
	int prog_id;
	int link_id;
	char prog_name[16];
	unsigned long long run_cnt, run_time_ns;
	struct cf_policy policy;
	struct cf_stats stats; /* summed over CPUs */
	unsigned int ringbuf_bytes;
};
int cf_read_live(struct cf_live *live);

#endif
