// SPDX-License-Identifier: GPL-2.0
/* The standard capability list, walked in userspace over bytes read from
 * sysfs `config` with the data plane's own walk (include/cf_caps.h). */
#include <linux/types.h>
#include "cfg_caps.h"

#include "cf_caps.h"

/* Bytes read from sysfs: every one of them is known. */
struct cf_caps_src {
	const unsigned char *cfg;
	size_t len;
};

static __always_inline __u32 cf_caps_read(const struct cf_caps_src *s, __u32 off, __u32 *known)
{
	__u32 v = 0;

	*known = 0;
	for (__u32 i = 0; i < 4; i++) {
		if (off + i >= s->len)
			break;
		v |= (__u32)s->cfg[off + i] << (8 * i);
		*known |= 0xffu << (8 * i);
	}
	return v;
}

int cf_cfg_cap_at(const unsigned char *cfg, size_t len, unsigned int id, int ext)
{
	struct cf_caps_src s = { .cfg = cfg, .len = len };
	struct cf_caps c;

	cf_caps_build(&c, &s, len > 4096 ? 4096 : (__u32)len);
	return cf_caps_find(&c, id, ext);
}

unsigned int cf_cfg_cap(const unsigned char *cfg, size_t len, unsigned int id)
{
	int off = cf_cfg_cap_at(cfg, len, id, 0);

	return off > 0 ? (unsigned int)off : 0;
}
