/* SPDX-License-Identifier: GPL-2.0 */
/* What `metrics` and cfgfilter-exporter read: descriptors opened once, as
 * root, so the exporter can go on without it. Maps are opened read-only (but the ring
 * buffer, whose consumer position it moves); programs by id from their
 * links, for run counts, with no link held: `unload` still detaches. */
#ifndef CF_OBSERVER_H
#define CF_OBSERVER_H

#include <stdbool.h>
#include <stdio.h>
#include "pins.h"


struct cf_observer {
	int dir; /* O_PATH: the pin directory, to see which links are pinned */
	int counts, stats, bss, meta, events;
	size_t nprogs;
	struct {
		const char *link; /* its link pin */
		char name[16];
		int fd;
	} progs[CF_PINS_MAX]; /* one per link pin */
};

/* 0, or -1 with a message (not loaded: CF_EXIT_NOT_LOADED's message). */
int cf_observer_open(struct cf_observer *o, bool with_events);
void cf_observer_close(struct cf_observer *o);
/* Close everything but the pin directory (the filter was unloaded). */
void cf_observer_release(struct cf_observer *o);
/* Is the filter still the one opened (its write link pinned)? */
bool cf_observer_loaded(const struct cf_observer *o);
/* The exposition, now. events_read: the exporter's drained events, else 0. */
int cf_observer_metrics(const struct cf_observer *o, FILE *f, bool serving,
			unsigned long long events_read);

/* cf_vm_resolve under the lock the exporter's two threads share. */
void cf_vm_resolve_locked(unsigned int tgid, const char *comm, char *out, size_t outlen);

#endif
