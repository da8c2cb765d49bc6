/* SPDX-License-Identifier: GPL-2.0 */
/* Names an operator uses for config registers and their bits. */
#ifndef CF_REGNAMES_H
#define CF_REGNAMES_H

#include <linux/types.h>

struct cf_field {
	const char *name;
	__u32 mask;
};

struct cf_register {
	const char *name; /* e.g. "pcie.devctl" */
	__u8 anchor;      /* enum cf_anchor */
	__u16 cap_id;
	__u16 offset;
	__u8 width;
	const struct cf_field *fields; /* terminated by a NULL name */
};

extern const struct cf_register cf_registers[];

const struct cf_register *cf_register_find(const char *name, size_t len);
const struct cf_field *cf_field_find(const struct cf_register *reg, const char *name, size_t len);

/* Closest known "register" or "register.field" to a mistyped one, or NULL. */
const char *cf_name_suggest(const char *name, size_t len, char *buf, size_t buflen);

#endif
