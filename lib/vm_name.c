// SPDX-License-Identifier: GPL-2.0
/* Naming the VM behind a config write (see vm_name.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vm_name.h"

/* One comma-separated item of an option value, ",," read as ','. Returns
 * the position after it. */
static const char *opt_item(const char *p, const char *end, char *out, size_t outlen)
{
	size_t n = 0;

	while (p < end && *p) {
		if (*p == ',') {
			if (p + 1 < end && p[1] == ',') {
				p++;
			} else {
				p++;
				break;
			}
		}
		if (n + 1 < outlen)
			out[n++] = *p;
		p++;
	}
	out[n] = 0;
	return p;
}

static int name_value(const char *v, const char *end, char *out, size_t outlen)
{
	char item[CF_VM_LEN];
	int first = 1, found = 0;

	while (v < end && *v) {
		v = opt_item(v, end, item, sizeof(item));
		if (!strncmp(item, "guest=", 6)) {
			snprintf(out, outlen, "%s", item + 6);
			found = 1;
		} else if (first && !strchr(item, '=') && item[0]) {
			snprintf(out, outlen, "%s", item);
			found = 1;
		}
		first = 0;
	}
	return found && out[0] ? 0 : -1;
}

int cf_vm_from_cmdline(const char *argv, size_t len, char *out, size_t outlen)
{
	const char *p = argv, *end = argv + len;

	if (!outlen)
		return -1;
	out[0] = 0;
	while (p < end) {
		const char *arg = p;
		size_t n = strnlen(arg, end - arg);

		p += n + 1;
		if (!strcmp(arg, "-name") || !strcmp(arg, "--name")) {
			if (p < end)
				return name_value(p, end, out, outlen);
			return -1;
		}
		if (!strncmp(arg, "-name=", 6))
			return name_value(arg + 6, arg + n, out, outlen);
		if (!strncmp(arg, "--name=", 7))
			return name_value(arg + 7, arg + n, out, outlen);
	}
	return -1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int cf_vm_from_cgroup(const char *text, char *out, size_t outlen)
{
	static const char tag[] = "machine-qemu\\x2d";
	const char *p = strstr(text, tag), *q;
	size_t n = 0;

	if (!outlen)
		return -1;
	out[0] = 0;
	if (!p)
		return -1;
	p += sizeof(tag) - 1;
	/* the domain id, then the escaped dash */
	while (*p >= '0' && *p <= '9')
		p++;
	if (strncmp(p, "\\x2d", 4))
		return -1;
	p += 4;
	q = strstr(p, ".scope");
	if (!q || memchr(p, '/', q - p) || memchr(p, '\n', q - p))
		return -1;
	while (p < q) {
		if (p[0] == '\\' && p + 3 < q && p[1] == 'x' && hexval(p[2]) >= 0 &&
		    hexval(p[3]) >= 0) {
			if (n + 1 < outlen)
				out[n++] = (char)(hexval(p[2]) * 16 + hexval(p[3]));
			p += 4;
			continue;
		}
		if (n + 1 < outlen)
			out[n++] = *p;
		p++;
	}
	out[n] = 0;
	return n ? 0 : -1;
}

unsigned long long cf_proc_starttime(const char *stat)
{
	/* comm may hold spaces and parentheses: fields count from the last ')' */
	const char *p = strrchr(stat, ')');
	int field = 2;

	if (!p)
		return 0;
	p++;
	while (*p && field < 22) {
		if (*p == ' ') {
			field++;
			while (*p == ' ')
				p++;
			continue;
		}
		p++;
	}
	return field == 22 ? strtoull(p, NULL, 10) : 0;
}

static size_t read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = 0;
	return n;
}

#define CF_VM_CACHE 256

static struct {
	unsigned int tgid;
	unsigned long long start;
	char name[CF_VM_LEN];
} cache[CF_VM_CACHE];

void cf_vm_resolve(unsigned int tgid, const char *comm, char *out, size_t outlen)
{
	char path[64], buf[8192];
	unsigned long long start;
	unsigned int slot = tgid % CF_VM_CACHE;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%u/stat", tgid);
	start = read_file(path, buf, sizeof(buf)) ? cf_proc_starttime(buf) : 0;
	if (!start) {
		/* gone: what it was known as, if it is the same process we saw */
		if (cache[slot].tgid == tgid && cache[slot].name[0])
			snprintf(out, outlen, "%s", cache[slot].name);
		else
			snprintf(out, outlen, "%.16s", comm);
		return;
	}
	if (cache[slot].tgid == tgid && cache[slot].start == start) {
		snprintf(out, outlen, "%s", cache[slot].name);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%u/cmdline", tgid);
	n = read_file(path, buf, sizeof(buf));
	if (!n || cf_vm_from_cmdline(buf, n, out, outlen)) {
		snprintf(path, sizeof(path), "/proc/%u/cgroup", tgid);
		if (!read_file(path, buf, sizeof(buf)) || cf_vm_from_cgroup(buf, out, outlen))
			snprintf(out, outlen, "%.16s", comm);
	}
	cache[slot].tgid = tgid;
	cache[slot].start = start;
	snprintf(cache[slot].name, sizeof(cache[slot].name), "%s", out);
}
