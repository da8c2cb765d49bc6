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

/* The kernel memory a traced function's scalar pointer argument points to
 * (loff_t *ppos, u32 *value). A tracing program may load only through
 * struct pointers. Since "bpf: Add a kfunc for generic type cast" (v6.2;
 * Debian's 6.12 and 7.2 have it) bpf_rdonly_cast makes the argument one,
 * and the load through it is a plain, fault-safe load; before, it takes
 * bpf_probe_read_kernel, a helper call. The kfunc wants a named struct:
 * struct timespec64 begins with an s64 (tv_sec), and the verifier allows
 * an 8- or 4-byte load at offset 0 of it. The loader sets
 * cf_has_rdonly_cast from the kernel's BTF; the verifier drops the other
 * branch, and on 6.1 the unresolved call with it. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

static __always_inline const void *plain_loadable(const void *p)
{
	return bpf_rdonly_cast(p, bpf_core_type_id_kernel(struct timespec64));
}

static __always_inline int kernel_s64(const void *p, __s64 *v)
{
	if (cf_has_rdonly_cast) {
		*v = *(const __s64 *)plain_loadable(p);
		return 0;
	}
	return bpf_probe_read_kernel(v, sizeof(*v), p);
}

static __always_inline int kernel_u32(const void *p, __u32 *v)
{
	if (cf_has_rdonly_cast) {
		*v = *(const __u32 *)plain_loadable(p);
		return 0;
	}
	return bpf_probe_read_kernel(v, sizeof(*v), p);
}

#endif
