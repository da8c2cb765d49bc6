// SPDX-License-Identifier: GPL-2.0
/* The data plane's hot-path page, mapped into the loader. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include "fast_map.h"
#include "log.h"
#include "pins.h"
#include "cfgfilter.skel.h"

_Static_assert(offsetof(struct cfgfilter_bpf__bss, cf_fast) == 0,
	       "cf_fast opens the .bss map's value");

static size_t fast_len(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return (sizeof(struct cf_fast) + page - 1) / page * page;
}

struct cf_fast *cf_fast_map(int fd)
{
	void *p = mmap(NULL, fast_len(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED) {
		cf_err("cannot map the data plane's page (%s/%s): %s", CF_PIN_DIR, CF_PIN_FAST,
		       strerror(errno));
		return NULL;
	}
	return p;
}

void cf_fast_unmap(struct cf_fast *f)
{
	if (f)
		munmap(f, fast_len());
}

int cf_fast_set_hash(__u64 hash)
{
	int fd = cf_pinned_fd(CF_PIN_FAST);
	struct cf_fast *f = fd >= 0 ? cf_fast_map(fd) : NULL;

	if (fd >= 0)
		close(fd);
	if (!f)
		return -1;
	__atomic_store_n(&f->live_hash, hash, __ATOMIC_SEQ_CST);
	cf_fast_unmap(f);
	return 0;
}
