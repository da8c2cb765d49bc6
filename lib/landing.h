/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CF_LANDING_H
#define CF_LANDING_H

#include <stdio.h>
#include <jansson.h>
#include "cfgfilter.h"

/* Where each rule of a policy lands on one device, placed as the data
 * plane places it: selectors on the device's ids and name, capabilities
 * by the device's own lists (include/cf_caps.h). */
enum cf_land {
	CF_LAND_AT = 0,       /* at config offset `at` */
	CF_LAND_SELECTOR = 1, /* the rule selects other devices */
	CF_LAND_NO_CAP = 2,   /* the device has no such capability */
	CF_LAND_UNKNOWN = 3,  /* the device's lists could not be read whole */
};

struct cf_landing {
	char dev[CF_DEV_LEN];
	__u32 id;    /* vendor << 16 | device */
	__u32 class; /* 24 bits */
	__u8 how[CF_MAX_RULES]; /* enum cf_land */
	__u16 at[CF_MAX_RULES];
};

/* From config space bytes cfg[0..len) of device `dev`. */
void cf_land(const struct cf_policy *p, const char *dev, const unsigned char *cfg, size_t len,
	     struct cf_landing *out);

/* The same for a device by its name, from its sysfs `config`; -1 with a
 * message if it cannot be read whole (root reads all 4 KiB). */
int cf_land_device(const struct cf_policy *p, const char *dev, struct cf_landing *out);

/* One line per rule. */
void cf_landing_print(FILE *f, const struct cf_policy *p, const struct cf_landing *l);
/* {"device": ..., "rules": [{"rule": N, "lands": "at"|"selector"|
 * "no_capability"|"unknown", "offset": "0x010c"}]} */
json_t *cf_landing_json(const struct cf_policy *p, const struct cf_landing *l);

/* Every device bound to vfio-pci, landed; the number of devices (at most
 * max), or -1 with a message. */
int cf_land_vfio_devices(const struct cf_policy *p, struct cf_landing *out, int max);

/* A warning on stderr for each rule no device of l[0..n) matches; how
 * many. */
int cf_warn_unmatched(const struct cf_policy *p, const struct cf_landing *l, int n);

/* As root, land p on every vfio device and warn of rules that match
 * none; the devices landed, or -1. */
int cf_land_and_warn(const struct cf_policy *p, struct cf_landing *l, int max);

#define CF_LAND_MAX 1024 /* devices landed at once; more are not checked */

#endif
