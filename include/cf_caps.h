/* SPDX-License-Identifier: GPL-2.0 */
/* The device's capability lists as the device holds them, walked over
 * what was seen of its config space, not over vfio's copy: vfio unlinks
 * every capability its length tables do not know (DVSEC on 6.1, DOE,
 * PASID, ...) from the chain it shows, yet leaves their bytes raw
 * read/write, so a rule anchored there must find them. Built once per
 * open of the device (capability lists are read-only structure: resets
 * do not move them). Pure: the BPF compiler and the unit tests build
 * directories through these.
 *
 * The includer defines struct cf_caps_src and cf_caps_read(), which
 * answers a dword's value and which of its bytes are known (0xff each). */
#ifndef CF_CAPS_H
#define CF_CAPS_H

#include "cfgfilter.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define CF_CAPS_STD 48 /* at most (256 - 64) / 4 capabilities fit */
#define CF_CAPS_EXT 64 /* extended capabilities followed; more is partial */

enum cf_caps_state {
	CF_CAPS_NONE = 0,        /* not built since the device was opened or seeded */
	CF_CAPS_BUILT = 1,       /* alone: both lists walked to their end */
	/* a header of the list was not known (or the list did not end): a
	 * capability not listed may still be there */
	CF_CAPS_STD_PARTIAL = 2,
	CF_CAPS_EXT_PARTIAL = 4,
};

struct cf_caps {
	__u8 state; /* enum cf_caps_state, OR-ed */
	__u8 nstd;
	__u8 next;
	__u8 pad;
	__u8 std_id[CF_CAPS_STD];
	__u8 std_off[CF_CAPS_STD];
	__u16 ext_id[CF_CAPS_EXT];
	__u16 ext_off[CF_CAPS_EXT];
};

struct cf_caps_src;
static __always_inline __u32 cf_caps_read(const struct cf_caps_src *src, __u32 off, __u32 *known);

/* Byte `off` of config space into *b; -1 if it was not seen. */
static __always_inline int cf_caps_byte(const struct cf_caps_src *src, __u32 off, __u32 *b)
{
	__u32 known, v = cf_caps_read(src, off & ~3u, &known), sh = 8 * (off & 3);

	if (!((known >> sh) & 0xff))
		return -1;
	*b = (v >> sh) & 0xff;
	return 0;
}

/* Walk both lists of a device whose config space is cfg_size bytes. */
static __always_inline void cf_caps_build(struct cf_caps *c, const struct cf_caps_src *src,
					  __u32 cfg_size)
{
	__u32 pos = 0, b = 0, id = 0, nx = 0, known, hdr, partial = 0, ended = 0, n = 0;
	__u32 state = CF_CAPS_BUILT;

	c->nstd = 0;
	c->next = 0;
	if (cf_caps_byte(src, 0x06, &b)) { /* Status */
		partial = 1;
	} else if (b & 0x10) {             /* Capabilities List */
		if (cf_caps_byte(src, 0x34, &pos))
			partial = 1;
		pos &= 0xfc;
		/* 48 places for a capability after the header: a 49th step is a loop */
		for (__u32 i = 0; i <= CF_CAPS_STD && !partial; i++) {
			if (pos < 0x40) {
				ended = 1;
				break;
			}
			if (i >= CF_CAPS_STD)
				break;
			if (cf_caps_byte(src, pos, &id) || cf_caps_byte(src, pos + 1, &nx)) {
				partial = 1;
				break;
			}
			c->std_id[i] = id;
			c->std_off[i] = pos;
			n = i + 1;
			pos = nx & 0xfc;
		}
		if (!ended)
			partial = 1; /* not known, or a loop */
		c->nstd = n;
	}
	if (partial)
		state |= CF_CAPS_STD_PARTIAL;
	n = 0;
	if (cfg_size > CF_PCI_EXT_CAP_START) {
		pos = CF_PCI_EXT_CAP_START;
		ended = 0;
		for (__u32 i = 0; i <= CF_CAPS_EXT; i++) {
			if (pos < CF_PCI_EXT_CAP_START || pos + 4 > cfg_size) {
				ended = 1;
				break;
			}
			hdr = cf_caps_read(src, pos, &known);
			if (known != 0xffffffff)
				break; /* a device answering all ones (gone, in reset) is unknown */
			if (!hdr) {
				ended = 1; /* no (more) extended capabilities */
				break;
			}
			if (i >= CF_CAPS_EXT)
				break; /* more than followed: partial */
			c->ext_id[i] = hdr & 0xffff;
			c->ext_off[i] = pos;
			n = i + 1;
			pos = (hdr >> 20) & 0xffc;
		}
		if (!ended)
			state |= CF_CAPS_EXT_PARTIAL;
		c->next = n;
	}
	c->state = state;
}

/* The first capability `id` (extended if ext): its offset; 0 if the
 * device has none; -1 if the directory cannot tell (that list partial, or
 * unbuilt). */
static __always_inline int cf_caps_find(const struct cf_caps *c, __u32 id, __u32 ext)
{
	if (c->state == CF_CAPS_NONE)
		return -1;
	if (ext) {
		for (__u32 i = 0; i <= CF_CAPS_EXT; i++) {
			if (i >= c->next)
				break;
			if (c->ext_id[i] == id)
				return c->ext_off[i];
		}
	} else {
		for (__u32 i = 0; i < CF_CAPS_STD; i++) {
			if (i >= c->nstd)
				break;
			if (c->std_id[i] == id)
				return c->std_off[i];
		}
	}
	return c->state & (ext ? CF_CAPS_EXT_PARTIAL : CF_CAPS_STD_PARTIAL) ? -1 : 0;
}

#endif
