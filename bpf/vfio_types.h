/* SPDX-License-Identifier: GPL-2.0 */
/* vfio-pci types the filter reads. They live in module vfio_pci_core, so a
 * vmlinux.h never has them; CO-RE relocates these fields against the
 * module's BTF at load time. Only the fields used are declared. */
#ifndef CFGFILTER_VFIO_TYPES_H
#define CFGFILTER_VFIO_TYPES_H

/* Same fields in 6.1, 6.12 and 7.2; 7.2 inserts pci_ops after pdev, which
 * only moves vconfig, so no flavor is needed: CO-RE finds it by name. */
struct vfio_pci_core_device {
	struct pci_dev *pdev;
	u8 *vconfig; /* vfio's copy of config space: virtualized bits live here */
} __attribute__((preserve_access_index));

#endif
