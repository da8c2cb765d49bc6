// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include "cfgfilter.h"
#include "fmt.h"

void cf_hex(char *buf, size_t len, unsigned int v, unsigned int bytes)
{
	snprintf(buf, len, "0x%0*x", bytes * 2, v);
}

const char *cf_anchor_name(unsigned int anchor)
{
	switch (anchor) {
	case CF_ANCHOR_HDR:
		return "header";
	case CF_ANCHOR_CAP:
		return "cap";
	case CF_ANCHOR_ECAP:
		return "ecap";
	}
	return "?";
}
