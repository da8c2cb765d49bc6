/* SPDX-License-Identifier: GPL-2.0 */
/* The pin directory: what is pinned there, the lock, removal. */
#ifndef CF_PINS_H
#define CF_PINS_H

#include <stdbool.h>
#include <stddef.h>

#define CF_PIN_DIR "/sys/fs/bpf/cfgfilter"
/* Links: removing one detaches its program. */
#define CF_PIN_LINK "link_config_write" /* pinned last: its presence means loaded */
#define CF_PIN_LINK_DENY "link_deny"
#define CF_PIN_LINK_DENY_URING "link_deny_uring"
#define CF_PIN_LINK_DENY_URING_DONE "link_deny_uring_done"
/* Programs, so apply can attach the refusing hooks later. */
#define CF_PIN_PROG_DENY "prog_deny"
#define CF_PIN_PROG_DENY_URING "prog_deny_uring" /* absent when io_write is not in BTF */
#define CF_PIN_PROG_DENY_URING_DONE "prog_deny_uring_done"
/* Maps. */
#define CF_PIN_EVENTS "events"
#define CF_PIN_STATS "stats"
#define CF_PIN_BSS "bss"                /* .bss: the write counter */
#define CF_PIN_POLICY "policy"           /* the live policy (inner map) */
#define CF_PIN_POLICY_SLOT "policy_slot" /* array-of-maps holding it */
#define CF_PIN_META "metadata"           /* .data.rodata: bpf_metadata_policy_hash */
#define CF_PIN_HW_SEED "hw_seed"

/* At least as many as cf_pins has (pins.c asserts it): status and the
 * observer keep a row per link pin in arrays of this size. */
#define CF_PINS_MAX 48

enum cf_pin_kind { CF_PIN_KIND_MAP, CF_PIN_KIND_PROG, CF_PIN_KIND_LINK };

/* Everything cfgfilter pins, in the order load pins it (links last, the
 * write link at the very end). load pins from it, unload removes links
 * first, status lists it. */
struct cf_pin {
	const char *name;
	enum cf_pin_kind kind;
	bool optional;   /* absent when the policy or the kernel does not need it */
	size_t skel_off; /* where load finds the object: in struct cfgfilter_bpf */
	const char *what;
};
extern const struct cf_pin cf_pins[];
extern const size_t cf_npins;

void cf_pin_path(char *buf, size_t len, const char *name);
bool cf_pin_exists(const char *name);
bool cf_is_loaded(void);
/* Links pinned while not loaded (a load or unload killed midway): their
 * programs still run. The names, comma-separated, in buf; the count. */
int cf_leftover_links(char *buf, size_t len);
int cf_pinned_fd(const char *name); /* -1 with a message when missing */
/* An fd of the program behind the pinned link `name`, or -1 (no message:
 * the link may be absent by design). The link itself is not kept: a held
 * link would keep the program attached after unload. */
int cf_link_prog_fd(const char *name);

/* An exclusive lock for the life of the process, so two cfgfilter commands
 * cannot change the pins at once. It is a file that is never deleted: a
 * lock on the pin directory, which unload removes, would let a command
 * waiting behind unload hold a lock on a deleted directory while another
 * creates and locks a new one. Take it before reading any state. */
#define CF_LOCK_FILE "/run/cfgfilter.lock"
int cf_lock_pins(void);

/* Remove every pin (links first) and the directory. 0, or 1 with a message. */
int cf_remove_pins(void);

#endif
