// SPDX-License-Identifier: GPL-2.0
/* The exact per-(device, rule) counts: read back, sorted, printed. */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "counts.h"
#include "log.h"
#include "pins.h"

static int row_cmp(const void *a, const void *b)
{
	const struct cf_count_row *x = a, *y = b;
	int d = strncmp(x->key.dev, y->key.dev, sizeof(x->key.dev));

	if (!d)
		d = strncmp(x->key.rule, y->key.rule, sizeof(x->key.rule));
	return d ? d : (x->key.tgid > y->key.tgid) - (x->key.tgid < y->key.tgid);
}

int cf_counts_read_fd(int fd, struct cf_count_row **rows, size_t *n)
{
	struct cf_count_key k, *prev = NULL;
	struct cf_count_row *r = NULL, *grown;
	size_t cap = 0;

	*rows = NULL;
	*n = 0;
	while (!bpf_map_get_next_key(fd, prev, &k)) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			grown = realloc(r, cap * sizeof(*r));
			if (!grown) {
				free(r);
				*n = 0;
				return -1;
			}
			r = grown;
		}
		r[*n].key = k;
		if (bpf_map_lookup_elem(fd, &k, &r[*n].c))
			continue; /* deleted meanwhile */
		prev = &r[*n].key;
		(*n)++;
	}
	if (*n)
		qsort(r, *n, sizeof(*r), row_cmp);
	*rows = r;
	return 0;
}

int cf_counts_read(struct cf_count_row **rows, size_t *n)
{
	int fd = cf_pinned_fd("counts"), ret;

	*rows = NULL;
	*n = 0;
	if (fd < 0)
		return -1;
	ret = cf_counts_read_fd(fd, rows, n);
	if (ret)
		cf_err("reading the counts map: out of memory");
	close(fd);
	return ret;
}
