/* SPDX-License-Identifier: GPL-2.0 */
/* The exact per-(device, rule) counts, read from the pinned `counts` map. */
#ifndef CF_COUNTS_H
#define CF_COUNTS_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>
#include "cfgfilter.h"

struct cf_count_row {
	struct cf_count_key key;
	struct cf_counts c;
};

/* Every row, sorted by device then rule; *rows is malloc'd. -1 with a
 * message if the map cannot be read. */
int cf_counts_read(struct cf_count_row **rows, size_t *n);
/* The same from the counts map at fd (the exporter holds it read-only); no message. */
int cf_counts_read_fd(int fd, struct cf_count_row **rows, size_t *n);
void cf_counts_print(FILE *f, const struct cf_count_row *rows, size_t n);
json_t *cf_counts_json(const struct cf_count_row *rows, size_t n);

#endif
