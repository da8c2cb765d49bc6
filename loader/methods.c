// SPDX-License-Identifier: GPL-2.0
/* How each action of the live policy is enforced on this kernel, for
 * status and for load's and apply's JSON results. */
#include <stdio.h>
#include "methods.h"
#include "policy.h"

/* Rules the kernel could not enforce as asked (lockdown: mask -> deny). */
unsigned int cf_fallbacks(const struct cf_live *l)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < l->policy.nrules && i < CF_MAX_RULES; i++)
		n += l->policy.rules[i].requested != l->policy.rules[i].action;
	return n;
}

/* Where the refusing hook is attached: a BPF LSM program where the kernel
 * runs the bpf LSM (never skipped for recursion since 6.2, commit
 * 271de525e1d7), else fmod_ret, which a preemptible kernel can skip. */
const char *cf_refusing_hook(const struct cf_live *l)
{
	if (!l->deny_attached)
		return "none";
	return l->deny_lsm ? "lsm/file_permission" : "fmod_ret/security_file_permission";
}

/* How each action present in the policy is enforced now. */
const char *cf_method_of(unsigned int action, const struct cf_live *l)
{
	switch (action) {
	case CF_ACT_MASK:
		return "rewrite of the writer's buffer (fentry vfio_pci_config_rw, bpf_probe_write_user)";
	case CF_ACT_VIRTUALIZE:
		return "rewrite on write + shadow restored on read (fexit vfio_pci_config_rw)";
	case CF_ACT_DENY: {
		static char m[256];

		if (!l->deny_attached)
			return "NOT ATTACHED: masked instead";
		snprintf(m, sizeof(m),
			 "EPERM (%s) for write, pwrite64, writev, "
			 "pwritev, pwritev2 (x86-64, up to 16 iovecs)%s; any other call is refused "
			 "whole (undecodable_call)", cf_refusing_hook(l),
			 l->deny_uring_attached ? " and io_uring WRITE, WRITEV, WRITE_FIXED (fentry io_write)"
						: "");
		return m;
	}
	case CF_ACT_AUDIT:
		return "report only";
	}
	return "?";
}

void cf_methods_json_into(json_t *o, const struct cf_live *l)
{
	json_t *m = json_object();

	for (unsigned int i = 0; i < l->policy.nrules && i < CF_MAX_RULES; i++) {
		unsigned int a = l->policy.rules[i].action;
		json_object_set_new(m, cf_action_name(a), json_string(cf_method_of(a, l)));
	}
	json_object_set_new(o, "methods", m);
	json_object_set_new(o, "fallback_rules", json_integer(cf_fallbacks(l)));
}

