/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CF_FAST_MAP_H
#define CF_FAST_MAP_H

#include "cf_fast.h"

/* The data plane's hot-path page (the .bss map, pinned as "fast"), mapped
 * shared: the loader writes the live hash and the seeding flag there with
 * atomic stores, leaving the programs' copies and counters alone. NULL with
 * a message if it cannot be mapped. */
struct cf_fast *cf_fast_map(int fd);
void cf_fast_unmap(struct cf_fast *f);

/* Set the live policy's hash in the pinned page. */
int cf_fast_set_hash(__u64 hash);

#endif
