/* SPDX-License-Identifier: GPL-2.0 */
/* vfio types the filter reads. They live in modules vfio and vfio_pci_core,
 * so a vmlinux.h never has them; CO-RE relocates these fields against the
 * modules' BTF at load time. Only the fields used are declared. */
#ifndef CFGFILTER_VFIO_TYPES_H
#define CFGFILTER_VFIO_TYPES_H

struct vfio_device {
	struct device *dev;
} __attribute__((preserve_access_index));

/* Same fields in 6.1, 6.12 and 7.2; 7.2 inserts pci_ops after pdev, which
 * only moves vconfig, so no flavor is needed: CO-RE finds it by name. */
struct vfio_pci_core_device {
	struct vfio_device vdev;
	struct pci_dev *pdev;
	u8 *vconfig; /* vfio's copy of config space: virtualized bits live here */
} __attribute__((preserve_access_index));

/* A vfio device fd's file->private_data: the vfio_device itself on 6.1;
 * since "vfio: Allocate per device file structure" (Yi Liu's device cdev
 * series, merged for v6.5/v6.6; present in Debian's 6.12) a struct
 * vfio_device_file whose `device` field points to it. The loader-side
 * choice is bpf_core_type_exists(struct vfio_device_file). */
struct vfio_device_file {
	struct vfio_device *device;
} __attribute__((preserve_access_index));

#endif
