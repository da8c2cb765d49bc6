// SPDX-License-Identifier: GPL-2.0
/* What the running kernel and host allow, asked before anything is loaded:
 * root, bpffs, BTF, lockdown, bpf_probe_write_user, and whether
 * an fentry program attaches to a function. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/vfs.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpf_insn.h"
#include "log.h"
#include "policy.h"
#include "probes.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

int cf_need_root(void)
{
	if (geteuid() != 0)
		return cf_err("must run as root (loading and pinning BPF programs needs "
			      "CAP_BPF and CAP_SYS_ADMIN); run it with sudo");
	return 0;
}

int cf_need_bpffs(void)
{
	struct statfs fs;

	if (statfs("/sys/fs/bpf", &fs) || fs.f_type != BPF_FS_MAGIC)
		return cf_err("no BPF filesystem at /sys/fs/bpf; mount it with "
			      "'mount -t bpf bpf /sys/fs/bpf'");
	return 0;
}

int cf_need_btf(void)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return cf_err("kernel has no BTF (/sys/kernel/btf/vmlinux missing); use a kernel "
			      "built with CONFIG_DEBUG_INFO_BTF=y");
	if (access("/sys/kernel/btf/" CF_MODULE, R_OK))
		return cf_err("module %s is not loaded (no /sys/kernel/btf/%s); run "
			      "'modprobe vfio-pci' first", CF_MODULE, CF_MODULE);
	return 0;
}

bool cf_bpf_lsm_active(void)
{
	char buf[512] = "", *tok, *save = NULL;
	FILE *f = fopen("/sys/kernel/security/lsm", "r");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, "bpf"))
			return true;
	return false;
}

static int lockdown_mode(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return strstr(buf, "[confidentiality]") ? 2 : strstr(buf, "[integrity]") ? 1 : 0;
}

/* Can a program call bpf_probe_write_user here? Load one that does. Not
 * libbpf_probe_bpf_helper(): libbpf 1.1 reads the verifier's words, and
 * 6.12 refuses with words it does not know ("program of this type cannot
 * use helper"), which it takes for yes. */
static bool can_write_user(void)
{
	const struct bpf_insn insns[] = {
		BPF_ST_MEM(BPF_DW, BPF_REG_10, -8, 0),
		BPF_MOV64_IMM(BPF_REG_1, 0),
		BPF_MOV64_REG(BPF_REG_2, BPF_REG_10),
		BPF_ALU64_IMM(BPF_ADD, BPF_REG_2, -8),
		BPF_MOV64_IMM(BPF_REG_3, 8),
		BPF_EMIT_CALL(BPF_FUNC_probe_write_user),
		BPF_MOV64_IMM(BPF_REG_0, 0),
		BPF_EXIT_INSN(),
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "cfgf_probe", "GPL", insns,
			       sizeof(insns) / sizeof(insns[0]), NULL);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int cf_fit_policy(struct cf_policy *p, bool strict, bool *rewrite)
{
	int lockdown = lockdown_mode(), n;
	const char *why = lockdown ? "=integrity" : "?";

	if (lockdown == 2)
		return cf_err("kernel lockdown=confidentiality forbids BPF programs from reading "
			      "kernel memory, which every cfgfilter action needs; boot with "
			      "lockdown=integrity or none");
	/* Ask the kernel, not the configuration. */
	*rewrite = can_write_user();
	if (*rewrite)
		return 0;
	for (__u32 i = 0; strict && i < p->nrules; i++)
		if (p->rules[i].action == CF_ACT_MASK || p->rules[i].action == CF_ACT_VIRTUALIZE)
			return cf_err("this kernel forbids bpf_probe_write_user (lockdown%s), "
				      "which %s needs; --strict refuses the fallback to deny",
				      why, cf_action_name(p->rules[i].action));
	n = cf_policy_without_rewrite(p);
	if (n)
		cf_info("this kernel forbids bpf_probe_write_user (lockdown%s): %d mask/virtualize "
			"rule%s enforced as deny (EPERM) instead; --strict refuses this fallback",
			why, n, n == 1 ? "" : "s");
	return 0;
}

/* The kernel's BTF object of a module, as an fd, or -1. */
static int module_btf_fd(const char *module)
{
	__u32 id = 0;

	while (!bpf_btf_get_next_id(id, &id)) {
		char name[64] = "";
		struct bpf_btf_info info = { .name = (__u64)(unsigned long)name,
					     .name_len = sizeof(name) };
		__u32 len = sizeof(info);
		int fd = bpf_btf_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(name, module))
			return fd;
		close(fd);
	}
	return -1;
}

bool cf_kernel_has_func(const char *func)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	bool found = vmlinux && btf__find_by_name_kind(vmlinux, func, BTF_KIND_FUNC) > 0;

	btf__free(vmlinux);
	return found;
}

bool cf_fentry_can_attach(const char *func, const char *module)
{
	const struct bpf_insn insns[] = { BPF_MOV64_IMM(BPF_REG_0, 0), BPF_EXIT_INSN() };
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY);
	struct btf *vmlinux = btf__load_vmlinux_btf(), *btf = vmlinux;
	int id = -1, obj = -1, prog = -1, link = -1;

	if (!vmlinux)
		return false;
	if (module) {
		btf = btf__load_module_btf(module, vmlinux);
		obj = module_btf_fd(module);
	}
	if (btf && (!module || obj >= 0))
		id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);
	if (id > 0) {
		opts.attach_btf_id = id;
		opts.attach_btf_obj_fd = obj >= 0 ? obj : 0;
		prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "cfgf_probe", "GPL", insns,
				     sizeof(insns) / sizeof(insns[0]), &opts);
	}
	if (prog >= 0)
		link = bpf_raw_tracepoint_open(NULL, prog);
	if (link >= 0)
		close(link);
	if (prog >= 0)
		close(prog);
	if (obj >= 0)
		close(obj);
	if (btf != vmlinux)
		btf__free(btf);
	btf__free(vmlinux);
	return link >= 0;
}
