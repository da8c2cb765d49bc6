/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CF_CFG_CAPS_H
#define CF_CFG_CAPS_H

#include <stddef.h>

#define CF_PCI_CAP_ID_PM 0x01

struct cf_caps;

/* The capability directory (include/cf_caps.h) of config space bytes
 * cfg[0..len), as sysfs `config` gives them. */
void cf_cfg_caps(const unsigned char *cfg, size_t len, struct cf_caps *c);

/* Offset of the standard capability `id` in them; 0 when the device has
 * none, or the list is broken (a pointer past the bytes, a loop). */
unsigned int cf_cfg_cap(const unsigned char *cfg, size_t len, unsigned int id);

#endif
