/* SPDX-License-Identifier: GPL-2.0 */
/* /proc/kallsyms read once per command and looked up in memory: under
 * emulation each pass over its 100k+ lines costs the kernel and the parser
 * about half a second. */
#ifndef CF_KALLSYMS_H
#define CF_KALLSYMS_H

#include <stddef.h>

struct cf_ksym_line {
	unsigned long long addr;
	const char *name;
	const char *module; /* "" for vmlinux */
	char type;          /* nm's letter: t/T text, d/D data, ... */
};

struct cf_kallsyms {
	char *text; /* the file's bytes, lines cut in place */
	struct cf_ksym_line *sym;
	size_t n;
};

/* Read /proc/kallsyms: 0, or -1 with errno set. */
int cf_kallsyms_read(struct cf_kallsyms *ks);
/* Take `text` (malloc'd, NUL-terminated; owned from here) apart into
 * lines "ADDR TYPE NAME[\t[MODULE]]"; malformed lines are skipped: 0, or
 * -1 with errno set (text freed). */
int cf_kallsyms_parse(struct cf_kallsyms *ks, char *text);
void cf_kallsyms_free(struct cf_kallsyms *ks);

/* The first text symbol at addr, or NULL. */
const struct cf_ksym_line *cf_kallsyms_text_at(const struct cf_kallsyms *ks,
					       unsigned long long addr);
/* How many text symbols are called name (in any module). */
int cf_kallsyms_text_count(const struct cf_kallsyms *ks, const char *name);
/* The address of name in module (NULL: any; "": vmlinux), or 0. */
unsigned long long cf_kallsyms_addr(const struct cf_kallsyms *ks, const char *name,
				    const char *module);

#endif
