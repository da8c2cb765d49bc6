/* SPDX-License-Identifier: GPL-2.0 */
/* Small renderings shared by the text and JSON outputs. */
#ifndef CF_FMT_H
#define CF_FMT_H

#include <stddef.h>

/* v as "0x" and 2 * bytes hex digits: "0x00e8" for (0xe8, 2). */
void cf_hex(char *buf, size_t len, unsigned int v, unsigned int bytes);

/* What a rule's offset is relative to (enum cf_anchor): "header", "cap",
 * "ecap"; "?" for anything else. */
const char *cf_anchor_name(unsigned int anchor);

#endif
