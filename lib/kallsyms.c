// SPDX-License-Identifier: GPL-2.0
/* /proc/kallsyms in memory (kallsyms.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kallsyms.h"

int cf_kallsyms_read(struct cf_kallsyms *ks)
{
	size_t len = 0, cap = 8 << 20;
	char *text = malloc(cap), *bigger;
	int fd = open("/proc/kallsyms", O_RDONLY | O_CLOEXEC), err;
	ssize_t n;

	if (!text || fd < 0)
		goto fail;
	/* its size is unknown until read (stat says 0) */
	while ((n = read(fd, text + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len > 1)
			continue;
		bigger = realloc(text, cap * 2);
		if (!bigger)
			goto fail;
		text = bigger;
		cap *= 2;
	}
	if (n < 0)
		goto fail;
	close(fd);
	text[len] = 0;
	return cf_kallsyms_parse(ks, text);
fail:
	err = errno;
	free(text);
	if (fd >= 0)
		close(fd);
	errno = err;
	return -1;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int cf_kallsyms_parse(struct cf_kallsyms *ks, char *text)
{
	size_t lines = 1, n = 0;
	char *p, *next;

	for (p = text; (p = strchr(p, '\n')); p++)
		lines++;
	ks->text = text;
	ks->sym = calloc(lines, sizeof(*ks->sym));
	ks->n = 0;
	if (!ks->sym) {
		free(text);
		ks->text = NULL;
		return -1;
	}
	for (p = text; *p; p = next) {
		struct cf_ksym_line *s = &ks->sym[n];
		char *end, *name;

		next = strchr(p, '\n');
		if (next)
			*next++ = 0;
		else
			next = p + strlen(p);
		errno = 0;
		s->addr = strtoull(p, &end, 16);
		if (end == p || errno || !is_blank(*end))
			continue;
		while (is_blank(*end))
			end++;
		if (!*end || !is_blank(end[1]))
			continue;
		s->type = end[0];
		for (name = end + 1; is_blank(*name); name++)
			;
		if (!*name)
			continue;
		s->name = name;
		s->module = "";
		end = name + strcspn(name, " \t");
		if (*end) {
			char *mod = end + strspn(end, " \t");

			*end = 0;
			if (mod[0] == '[' && (end = strchr(mod, ']'))) {
				*end = 0;
				s->module = mod + 1;
			}
		}
		n++;
	}
	ks->n = n;
	return 0;
}

void cf_kallsyms_free(struct cf_kallsyms *ks)
{
	free(ks->sym);
	free(ks->text);
	*ks = (struct cf_kallsyms){ 0 };
}

static int is_text(const struct cf_ksym_line *s)
{
	return s->type == 't' || s->type == 'T';
}

const struct cf_ksym_line *cf_kallsyms_text_at(const struct cf_kallsyms *ks,
					       unsigned long long addr)
{
	for (size_t i = 0; i < ks->n; i++)
		if (ks->sym[i].addr == addr && is_text(&ks->sym[i]))
			return &ks->sym[i];
	return NULL;
}

int cf_kallsyms_text_count(const struct cf_kallsyms *ks, const char *name)
{
	int n = 0;

	for (size_t i = 0; i < ks->n; i++)
		n += is_text(&ks->sym[i]) && !strcmp(ks->sym[i].name, name);
	return n;
}

unsigned long long cf_kallsyms_addr(const struct cf_kallsyms *ks, const char *name,
				    const char *module)
{
	for (size_t i = 0; i < ks->n; i++)
		if (!strcmp(ks->sym[i].name, name) &&
		    (!module || !strcmp(ks->sym[i].module, module)))
			return ks->sym[i].addr;
	return 0;
}
