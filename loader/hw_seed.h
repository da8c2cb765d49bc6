/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CF_HW_SEED_H
#define CF_HW_SEED_H

/* Show the data plane every vfio device's config space as it is now: read
 * each one's sysfs `config` while the seed map names this process, so the
 * bus hooks record it. seed_fd is the cfgf_hw_seed map. Returns the number of
 * devices read (a device that cannot be read is named in a message and
 * skipped), or -1 with a message when the seed map cannot be set.
 * *unfollowed: how many vfio devices' reads did not go by the bus hooks
 * (each named in a message): enforcing rules cannot be judged there. */
int cf_hw_seed(int seed_fd, int *unfollowed);

/* Is the device (DDDD:BB:DD.F) bound to vfio-pci or a vfio-pci variant
 * driver (mlx5_vfio_pci, ...)? */
int cf_bound_to_vfio(const char *dev);

#endif
