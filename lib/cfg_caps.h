/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CF_CFG_CAPS_H
#define CF_CFG_CAPS_H

#include <stddef.h>

#define CF_PCI_CAP_ID_PM 0x01

/* Where capability `id` (extended if ext) starts in config space bytes
 * cfg[0..len), as sysfs `config` gives them, by the data plane's walk
 * (include/cf_caps.h): the offset, 0 if the device has none, -1 if the
 * list breaks off (past the bytes, a loop). */
int cf_cfg_cap_at(const unsigned char *cfg, size_t len, unsigned int id, int ext);

/* Offset of the standard capability `id` in them; 0 when the device has
 * none, or the list is broken (a pointer past the bytes, a loop). */
unsigned int cf_cfg_cap(const unsigned char *cfg, size_t len, unsigned int id);

#endif
