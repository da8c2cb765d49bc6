/* SPDX-License-Identifier: GPL-2.0 */
/* Which VM a writer is: QEMU's -name, else the libvirt domain of its
 * cgroup, else its process name. The parsers are pure (unit-tested); the
 * resolver reads /proc and caches per process, checked against the
 * process's start time so a reused pid is resolved again. */
#ifndef CF_VM_NAME_H
#define CF_VM_NAME_H

#include <stddef.h>

#define CF_VM_LEN 128

/* argv as /proc/PID/cmdline holds it (NUL-separated, len bytes): the VM
 * name of a "-name [guest=]NAME[,key=value...]" option (",," is a comma in
 * the name). 0 and out filled, -1 if there is none. */
int cf_vm_from_cmdline(const char *argv, size_t len, char *out, size_t outlen);

/* /proc/PID/cgroup text: the libvirt domain of a
 * "machine-qemu\x2dID\x2dNAME.scope" component, systemd escapes decoded. */
int cf_vm_from_cgroup(const char *text, char *out, size_t outlen);

/* The start time (field 22) in /proc/PID/stat text; 0 if malformed. */
unsigned long long cf_proc_starttime(const char *stat);

/* The VM of process tgid (comm: the event's, used when nothing better is
 * known or the process is gone). out always filled. */
void cf_vm_resolve(unsigned int tgid, const char *comm, char *out, size_t outlen);

#endif
