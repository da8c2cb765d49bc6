// SPDX-License-Identifier: GPL-2.0
/* Register and bit names, with offsets and masks from the PCI Local Bus and
 * PCI Express Base specifications (the same values as pci_regs.h). */
#include <stdio.h>
#include <string.h>
#include "cfgfilter.h"
#include "regnames.h"
#include "cfg_caps.h"

static const struct cf_field hdr_command[] = {
	{ "io", 0x0001 },
	{ "memory", 0x0002 },
	{ "bus_master", 0x0004 },
	{ "special", 0x0008 },
	{ "mwi", 0x0010 },
	{ "vga_snoop", 0x0020 },
	{ "parity", 0x0040 },
	{ "serr", 0x0100 },
	{ "fast_b2b", 0x0200 },
	{ "intx_disable", 0x0400 },
	{ NULL, 0 },
};

static const struct cf_field pcie_devctl[] = {
	{ "correctable_report", 0x0001 },
	{ "nonfatal_report", 0x0002 },
	{ "fatal_report", 0x0004 },
	{ "unsupported_report", 0x0008 },
	{ "relaxed_ordering", 0x0010 },
	{ "mps", 0x00e0 },
	{ "ext_tag", 0x0100 },
	{ "phantom", 0x0200 },
	{ "aux_pm", 0x0400 },
	{ "no_snoop", 0x0800 },
	{ "mrrs", 0x7000 },
	{ "flr", 0x8000 },
	{ NULL, 0 },
};

static const struct cf_field pcie_lnkctl[] = {
	{ "aspm", 0x0003 },
	{ "rcb", 0x0008 },
	{ "link_disable", 0x0010 },
	{ "retrain", 0x0020 },
	{ "common_clock", 0x0040 },
	{ "extended_synch", 0x0080 },
	{ "clkpm", 0x0100 },
	{ "hw_autonomous_width_disable", 0x0200 },
	{ "bw_mgmt_int", 0x0400 },
	{ "autonomous_bw_int", 0x0800 },
	{ NULL, 0 },
};

static const struct cf_field pcie_devctl2[] = {
	{ "completion_timeout", 0x000f },
	{ "completion_timeout_disable", 0x0010 },
	{ "ari", 0x0020 },
	{ "atomic_req", 0x0040 },
	{ "atomic_egress_block", 0x0080 },
	{ "ido_req", 0x0100 },
	{ "ido_cpl", 0x0200 },
	{ "ltr", 0x0400 },
	{ "emergency_power_reduction", 0x0800 },
	{ "10bit_tag", 0x1000 },
	{ "obff", 0x6000 },
	{ "e2e_prefix_block", 0x8000 },
	{ NULL, 0 },
};

/* AER Uncorrectable Error Mask and Severity share their bit layout. */
static const struct cf_field aer_uncor[] = {
	{ "data_link_protocol", 0x00000010 },
	{ "surprise_down", 0x00000020 },
	{ "poisoned_tlp", 0x00001000 },
	{ "flow_control_protocol", 0x00002000 },
	{ "completion_timeout", 0x00004000 },
	{ "completer_abort", 0x00008000 },
	{ "unexpected_completion", 0x00010000 },
	{ "receiver_overflow", 0x00020000 },
	{ "malformed_tlp", 0x00040000 },
	{ "ecrc", 0x00080000 },
	{ "unsupported_request", 0x00100000 },
	{ "acs_violation", 0x00200000 },
	{ "internal", 0x00400000 },
	{ NULL, 0 },
};

static const struct cf_field aer_cor[] = {
	{ "receiver_error", 0x00000001 },
	{ "bad_tlp", 0x00000040 },
	{ "bad_dllp", 0x00000080 },
	{ "replay_rollover", 0x00000100 },
	{ "replay_timeout", 0x00001000 },
	{ "advisory_nonfatal", 0x00002000 },
	{ "internal", 0x00004000 },
	{ "header_log_overflow", 0x00008000 },
	{ NULL, 0 },
};

static const struct cf_field aer_cap_control[] = {
	{ "ecrc_gen_enable", 0x00000040 },
	{ "ecrc_check_enable", 0x00000100 },
	{ "multiple_header_enable", 0x00000400 },
	{ NULL, 0 },
};

/* Power Management Control/Status (PCI Bus Power Management Interface
 * 1.2, 3.2.4). vfio turns a power state write into a change of its own
 * (pci_set_power_state; D3hot -> D0 resets most devices). */
static const struct cf_field pm_pmcsr[] = {
	{ "power_state", 0x0003 },
	{ "no_soft_reset", 0x0008 },
	{ "pme_enable", 0x0100 },
	{ "data_select", 0x1e00 },
	{ "data_scale", 0x6000 },
	{ "pme_status", 0x8000 },
	{ NULL, 0 },
};

/* MSI-X Message Control (PCI Local Bus 3.0, 6.8.2.3). vfio drops every
 * write to it (policy lint says so); named for audit and landing. */
static const struct cf_field msix_control[] = {
	{ "function_mask", 0x4000 },
	{ "enable", 0x8000 },
	{ NULL, 0 },
};

/* Extended capabilities vfio hides from the chain it shows, whose bytes a
 * VFIO user still writes raw (vfio_pci_config.c: pci_ext_cap_length 0).
 * Fields from the PCIe Base Specification's register layouts. Not named:
 * those only ports have (DPC, Link Control 3's equalization bits), as
 * vfio-pci binds no bridge. */

/* L1 PM Substates Control 1 (L1SS capability + 0x08) */
static const struct cf_field l1ss_control1[] = {
	{ "pcipm_l1_2", 0x00000001 },
	{ "pcipm_l1_1", 0x00000002 },
	{ "aspm_l1_2", 0x00000004 },
	{ "aspm_l1_1", 0x00000008 },
	{ "common_mode_restore_time", 0x0000ff00 },
	{ "ltr_l1_2_threshold_value", 0x03ff0000 },
	{ "ltr_l1_2_threshold_scale", 0xe0000000 },
	{ NULL, 0 },
};

/* Precision Time Measurement Control (PTM capability + 0x08) */
static const struct cf_field ptm_control[] = {
	{ "enable", 0x00000001 },
	{ "root_select", 0x00000002 },
	{ "granularity", 0x0000ff00 },
	{ NULL, 0 },
};

/* PASID Control (PASID capability + 0x06) */
static const struct cf_field pasid_control[] = {
	{ "enable", 0x0001 },
	{ "execute", 0x0002 },
	{ "privileged", 0x0004 },
	{ NULL, 0 },
};

/* Data Object Exchange Control (DOE capability + 0x08) */
static const struct cf_field doe_control[] = {
	{ "abort", 0x00000001 },
	{ "int_enable", 0x00000002 },
	{ "go", 0x80000000 },
	{ NULL, 0 },
};

#define CF_PCI_CAP_ID_MSIX 0x11
#define CF_PCI_EXT_CAP_ID_ERR 0x0001
#define CF_PCI_EXT_CAP_ID_PASID 0x001b
#define CF_PCI_EXT_CAP_ID_L1SS 0x001e
#define CF_PCI_EXT_CAP_ID_PTM 0x001f
#define CF_PCI_EXT_CAP_ID_DOE 0x002e

const struct cf_register cf_registers[] = {
	{ "hdr.command", CF_ANCHOR_HDR, 0, 0x04, 2, hdr_command },
	{ "pm.pmcsr", CF_ANCHOR_CAP, CF_PCI_CAP_ID_PM, 0x04, 2, pm_pmcsr },
	{ "pcie.devctl", CF_ANCHOR_CAP, CF_PCI_CAP_ID_EXP, 0x08, 2, pcie_devctl },
	{ "pcie.lnkctl", CF_ANCHOR_CAP, CF_PCI_CAP_ID_EXP, 0x10, 2, pcie_lnkctl },
	{ "pcie.devctl2", CF_ANCHOR_CAP, CF_PCI_CAP_ID_EXP, 0x28, 2, pcie_devctl2 },
	{ "aer.uncor_mask", CF_ANCHOR_ECAP, CF_PCI_EXT_CAP_ID_ERR, 0x08, 4, aer_uncor },
	{ "aer.uncor_severity", CF_ANCHOR_ECAP, CF_PCI_EXT_CAP_ID_ERR, 0x0c, 4, aer_uncor },
	{ "aer.cor_mask", CF_ANCHOR_ECAP, CF_PCI_EXT_CAP_ID_ERR, 0x14, 4, aer_cor },
	{ "aer.cap_control", CF_ANCHOR_ECAP, CF_PCI_EXT_CAP_ID_ERR, 0x18, 4, aer_cap_control },
	{ "msix.control", CF_ANCHOR_CAP, CF_PCI_CAP_ID_MSIX, 0x02, 2, msix_control },
	{ "l1ss.control1", CF_ANCHOR_ECAP, CF_PCI_EXT_CAP_ID_L1SS, 0x08, 4, l1ss_control1 },
	{ "ptm.control", CF_ANCHOR_ECAP, CF_PCI_EXT_CAP_ID_PTM, 0x08, 4, ptm_control },
	{ "pasid.control", CF_ANCHOR_ECAP, CF_PCI_EXT_CAP_ID_PASID, 0x06, 2, pasid_control },
	{ "doe.control", CF_ANCHOR_ECAP, CF_PCI_EXT_CAP_ID_DOE, 0x08, 4, doe_control },
	{ NULL, 0, 0, 0, 0, NULL },
};

static int name_eq(const char *known, const char *name, size_t len)
{
	return strlen(known) == len && !memcmp(known, name, len);
}

const struct cf_register *cf_register_find(const char *name, size_t len)
{
	for (const struct cf_register *r = cf_registers; r->name; r++)
		if (name_eq(r->name, name, len))
			return r;
	return NULL;
}

const struct cf_field *cf_field_find(const struct cf_register *reg, const char *name, size_t len)
{
	for (const struct cf_field *f = reg->fields; f->name; f++)
		if (name_eq(f->name, name, len))
			return f;
	return NULL;
}

/* Levenshtein distance, capped: names are short. */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(prev));
	}
	return prev[lb];
}

const char *cf_name_suggest(const char *name, size_t len, char *buf, size_t buflen)
{
	size_t best = (size_t)-1;
	char cand[96];

	buf[0] = 0;
	for (const struct cf_register *r = cf_registers; r->name; r++) {
		size_t d = edit_distance(name, len, r->name, strlen(r->name));
		if (d < best) {
			best = d;
			snprintf(buf, buflen, "%s", r->name);
		}
		for (const struct cf_field *f = r->fields; f->name; f++) {
			snprintf(cand, sizeof(cand), "%s.%s", r->name, f->name);
			d = edit_distance(name, len, cand, strlen(cand));
			if (d < best) {
				best = d;
				snprintf(buf, buflen, "%s", cand);
			}
		}
	}
	/* A guess more than a third wrong helps nobody. */
	return best != (size_t)-1 && best * 3 <= len + 2 ? buf : NULL;
}
