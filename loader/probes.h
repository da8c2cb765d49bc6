/* SPDX-License-Identifier: GPL-2.0 */
/* Preflight: what the running kernel and host allow. Each cf_need_*
 * returns 0, or prints what is missing and what to do and returns 1. */
#ifndef CF_PROBES_H
#define CF_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include "cfgfilter.h"

#define CF_MODULE "vfio_pci_core"
#define CF_ATTACH_POINT "fentry/vfio_pci_config_rw"

int cf_need_root(void);
int cf_need_bpffs(void);
int cf_need_btf(void);

/* Fit the policy to what this kernel allows. Where bpf_probe_write_user is
 * unavailable (lockdown=integrity), mask and virtualize become deny with one
 * line saying so, or, with strict, the policy is refused. Lockdown=
 * confidentiality forbids reading kernel memory at all: refused. Sets
 * *rewrite. Returns 0, or 1 with a message. */
int cf_fit_policy(struct cf_policy *p, bool strict, bool *rewrite);

/* Does an fentry program attach to func (in module, or vmlinux for NULL)?
 * Tried for real, as bcc's fentry_can_attach does: an empty program is
 * loaded against the function's BTF and attached, then let go. */
bool cf_fentry_can_attach(const char *func, const char *module);

/* Does the kernel's BTF (vmlinux) have function func? For kfuncs, whose
 * use the BPF object leaves to the loader to choose. */
bool cf_kernel_has_func(const char *func);

/* Is "bpf" among the running LSMs (/sys/kernel/security/lsm)? A BPF LSM
 * program is then called on every LSM hook; false when securityfs is not
 * mounted or the kernel was booted with an lsm= list without bpf. */
bool cf_bpf_lsm_active(void);

#endif
