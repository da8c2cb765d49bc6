// SPDX-License-Identifier: GPL-2.0
/* Finding the config accessors of the devices' buses (bpf/bus_ops.bpf.c)
 * and naming what the bus hooks are attached to. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bus_ops.h"
#include "hw_seed.h"
#include "kallsyms.h"
#include "log.h"
#include "pins.h"
#include "cf_bus_ops.h"
#include "bus_ops.skel.h"

#define PCI_DEVICES "/sys/bus/pci/devices"
#define MAX_ROOTS 64

/* The root bus a device sits under: the last "pciDDDD:BB" of its sysfs
 * path (a VMD domain's devices sit under its own root, below the VMD
 * endpoint). Children inherit their bus's ops, so one device per root
 * tells the ops of all. */
static int root_of(const char *dev, char *root, size_t len)
{
	char path[PATH_MAX], real[PATH_MAX], *p, *last = NULL;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s", dev);
	if (!realpath(path, real))
		return -1;
	for (p = strstr(real, "/pci"); p; p = strstr(p + 1, "/pci"))
		last = p + 1;
	if (!last)
		return -1;
	snprintf(root, len, "%.*s", (int)strcspn(last, "/"), last);
	return 0;
}

/* Names and module of the bus's accessors from /proc/kallsyms: 0, or -1
 * with a message. The hooks attach by name, so each name must be the only
 * function of that name: another (a static of the same name elsewhere)
 * could be the one the attach resolves to. */
static int ksym_names(const struct cf_kallsyms *ks, const char *dev, struct cf_bus_ops *o)
{
	unsigned long long addr[2] = { o->read, o->write };
	char *name[2] = { o->read_fn, o->write_fn };
	const struct cf_ksym_line *s[2];
	int same;

	for (int i = 0; i < 2; i++) {
		s[i] = cf_kallsyms_text_at(ks, addr[i]);
		if (!s[i])
			return cf_err("%s: its bus's config accessor 0x%llx is not in /proc/kallsyms "
				      "(does kernel.kptr_restrict hide addresses from root?); nothing "
				      "loaded", dev, addr[i]);
		if ((size_t)snprintf(name[i], sizeof(o->read_fn), "%s", s[i]->name) >=
		    sizeof(o->read_fn))
			return cf_err("%s: its bus accessor %s is a name too long for cfgfilter; "
				      "nothing loaded", dev, s[i]->name);
		same = cf_kallsyms_text_count(ks, name[i]);
		if (same != 1)
			return cf_err("%s: there are %d functions named %s (its bus's config "
				      "accessor) in /proc/kallsyms, and a hook by name could land on "
				      "another; nothing loaded", dev, same, name[i]);
	}
	if (strcmp(s[0]->module, s[1]->module))
		return cf_err("%s: its bus's config accessors %s and %s are in different modules "
			      "(%s, %s); nothing loaded", dev, name[0], name[1],
			      s[0]->module[0] ? s[0]->module : "vmlinux",
			      s[1]->module[0] ? s[1]->module : "vmlinux");
	if ((size_t)snprintf(o->module, sizeof(o->module), "%s", s[0]->module) >= sizeof(o->module))
		return cf_err("%s: its bus accessors' module %s is a name too long for cfgfilter; "
			      "nothing loaded", dev, s[0]->module);
	return 0;
}

struct finder {
	const struct cf_kallsyms *ks;
	struct cfgfilter_bus_ops_bpf *skel;
	struct cf_bus_ops *ops;
	int max, n;
};

/* Read a dword of the device's sysfs config and note its bus's ops.
 * Returns the pair's index, -1 with a message, or for a device not bound
 * to vfio whose bus cannot be learned or has no room, -2 (said here). */
static int find_one(struct finder *f, const char *dev, int vfio)
{
	volatile struct cf_bus_ops_seen *seen = &f->skel->bss->cf_bus_ops_seen;
	char path[PATH_MAX];
	__u64 before = seen->reads;
	__u32 dw;
	int fd, i;
	ssize_t n;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/config", dev);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : pread(fd, &dw, sizeof(dw), 0);
	if (fd >= 0)
		close(fd);
	if (n != sizeof(dw) && !vfio) {
		cf_info("cannot read %s (%s): a device bound to vfio later on its bus is not "
			"followed", path, n < 0 ? strerror(errno) : "short read");
		return -2;
	}
	if (n != sizeof(dw))
		return cf_err("cannot read %s (%s): which config accessors its bus uses is "
			      "unknown; nothing loaded", path, n < 0 ? strerror(errno) : "short read");
	if (seen->reads == before || !seen->read || !seen->write)
		return cf_err("%s: the read of its sysfs config did not reach "
			      "pci_user_read_config_dword, so its bus's config accessors are "
			      "unknown; nothing loaded", dev);
	for (i = 0; i < f->n; i++)
		if (f->ops[i].read == seen->read && f->ops[i].write == seen->write)
			break;
	if (i == f->n) {
		struct cf_bus_ops *o;

		if (f->n == f->max) {
			if (!vfio) {
				cf_info("%s: its bus uses config accessors of a kind the bus hooks "
					"have no room for; a device bound to vfio there later is not "
					"followed", dev);
				return -2;
			}
			return cf_err("%s: its bus's config accessors are a %s kind, and the bus hooks "
				      "follow %d kinds of bus at most; nothing loaded", dev,
				      f->max == 1 ? "second" : "third", f->max);
		}
		o = &f->ops[f->n];
		memset(o, 0, sizeof(*o));
		o->read = seen->read;
		o->write = seen->write;
		if ((size_t)snprintf(o->device, sizeof(o->device), "%s", dev) >= sizeof(o->device))
			return cf_err("%s: not a PCI device name (DDDD:BB:DD.F); nothing loaded", dev);
		if (ksym_names(f->ks, dev, o))
			return -1;
		f->n++;
	}
	f->ops[i].vfio_devices += vfio;
	return i;
}

/* Every vfio device first (their buses must be followed), then one device
 * of each root bus not seen yet, for devices bound to vfio later. */
static int find_all(struct finder *f)
{
	char roots[MAX_ROOTS][32], root[32];
	int nroots = 0, r;

	for (int pass = 1; pass >= 0; pass--) {
		struct dirent *de;
		DIR *d = opendir(PCI_DEVICES);

		if (!d)
			return cf_err("cannot list %s: %s", PCI_DEVICES, strerror(errno));
		while ((de = readdir(d))) {
			int seen_root = 0;

			if (de->d_name[0] == '.' || cf_bound_to_vfio(de->d_name) != pass)
				continue;
			if (root_of(de->d_name, root, sizeof(root)) == 0) {
				for (int i = 0; i < nroots; i++)
					seen_root |= !strcmp(roots[i], root);
				if (!pass && seen_root)
					continue;
				if (!seen_root && nroots < MAX_ROOTS)
					snprintf(roots[nroots++], sizeof(roots[0]), "%s", root);
			}
			r = find_one(f, de->d_name, pass);
			if (r == -1) {
				closedir(d);
				return -1;
			}
		}
		closedir(d);
	}
	if (!f->n)
		return cf_err("found no PCI device in %s to learn the config accessors from; "
			      "nothing loaded", PCI_DEVICES);
	return 0;
}

int cf_find_bus_ops(const struct cf_kallsyms *ks, struct cf_bus_ops *ops, int max)
{
	struct finder f = { .ks = ks, .ops = ops, .max = max };
	int err;

	f.skel = cfgfilter_bus_ops_bpf__open();
	if (!f.skel)
		return cf_err("cannot open the bus ops finder: %s", strerror(errno));
	f.skel->rodata->cf_finder_tgid = getpid();
	if (cfgfilter_bus_ops_bpf__load(f.skel) || cfgfilter_bus_ops_bpf__attach(f.skel)) {
		err = errno;
		cfgfilter_bus_ops_bpf__destroy(f.skel);
		return cf_err("cannot attach fentry to pci_user_read_config_dword to learn which "
			      "config accessors the devices' buses use: %s; nothing loaded "
			      "(rerun with -v for detail)", strerror(err));
	}
	err = find_all(&f);
	cfgfilter_bus_ops_bpf__destroy(f.skel);
	return err ? -1 : f.n;
}

/* Is BTF object `id` vmlinux's (else a module's, split on vmlinux)? */
static int is_vmlinux_btf(__u32 id)
{
	char name[64] = "";
	struct bpf_btf_info info = { .name = (__u64)(unsigned long)name, .name_len = sizeof(name) };
	__u32 ilen = sizeof(info);
	int fd = bpf_btf_get_fd_by_id(id), rc;

	if (fd < 0)
		return -1;
	rc = bpf_obj_get_info_by_fd(fd, &info, &ilen) ? -1 : !strcmp(name, "vmlinux");
	close(fd);
	return rc;
}

int cf_link_target(const char *pin, struct btf *vmlinux, char *buf, size_t len)
{
	struct bpf_link_info info = { 0 };
	__u32 ilen = sizeof(info);
	const struct btf_type *t;
	struct btf *btf;
	char path[256];
	int fd, vml, rc = -1;

	cf_pin_path(path, sizeof(path), pin);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -1;
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen) || info.type != BPF_LINK_TYPE_TRACING) {
		close(fd);
		return -1;
	}
	close(fd);
	/* target_obj_id is the BTF the function is in: vmlinux's or a module's */
	vml = is_vmlinux_btf(info.tracing.target_obj_id);
	if (vml < 0 || !vmlinux)
		return -1;
	btf = vml ? vmlinux : btf__load_from_kernel_by_id_split(info.tracing.target_obj_id, vmlinux);
	t = btf ? btf__type_by_id(btf, info.tracing.target_btf_id) : NULL;
	if (t) {
		snprintf(buf, len, "%s", btf__name_by_offset(btf, t->name_off));
		rc = 0;
	}
	if (btf != vmlinux)
		btf__free(btf);
	return rc;
}
