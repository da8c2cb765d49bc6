/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CF_CFG_CAPS_H
#define CF_CFG_CAPS_H

#include <stddef.h>

#define CF_PCI_CAP_ID_PM 0x01

/* Offset of the standard capability `id` in config space bytes cfg[0..len),
 * as sysfs `config` gives them; 0 when the device has none, or the list
 * is broken (a pointer below 0x40 or past the bytes, a loop). */
unsigned int cf_cfg_cap(const unsigned char *cfg, size_t len, unsigned int id);

#endif
