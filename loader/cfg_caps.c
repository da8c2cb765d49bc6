// SPDX-License-Identifier: GPL-2.0
/* The standard capability list, walked in userspace over bytes read from
 * sysfs `config` (the data plane walks vfio's copy itself). */
#include "cfg_caps.h"

#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CAPABILITY_LIST 0x34
#define PCI_STD_HEADER_END 0x40
/* 48 two-dword capabilities fill the 192 bytes after the header: more
 * steps than that is a loop. */
#define CF_MAX_CAPS 48

unsigned int cf_cfg_cap(const unsigned char *cfg, size_t len, unsigned int id)
{
	unsigned int pos;

	if (len < PCI_STD_HEADER_END || !(cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return 0;
	pos = cfg[PCI_CAPABILITY_LIST] & 0xfc;
	for (int i = 0; i < CF_MAX_CAPS; i++) {
		if (pos < PCI_STD_HEADER_END || pos + 2 > len || pos + 2 > 256)
			return 0;
		if (cfg[pos] == id)
			return pos;
		pos = cfg[pos + 1] & 0xfc;
	}
	return 0;
}
