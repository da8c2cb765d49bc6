/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel differences, each as a named helper citing the change it covers
 * (in the style of bcc's libbpf-tools/core_fixes.bpf.h). Chosen with CO-RE
 * at load time, never by kernel version. */
#ifndef CF_CORE_FIXES_BPF_H
#define CF_CORE_FIXES_BPF_H

/* The struct vfio_device behind a vfio device file's private_data. Until
 * "vfio: Allocate per device file structure" (Yi Liu's device cdev series,
 * v6.5/v6.6; Debian's 6.12 and 7.2 have it) private_data is the
 * vfio_device itself; since, a struct vfio_device_file whose `device`
 * points to it (bpf/vfio_types.h). */
static __always_inline struct vfio_device *vfio_device_of_file(void *priv)
{
	if (bpf_core_type_exists(struct vfio_device_file))
		return BPF_CORE_READ((struct vfio_device_file *)priv, device);
	return priv;
}

#endif
