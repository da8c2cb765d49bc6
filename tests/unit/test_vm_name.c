// SPDX-License-Identifier: GPL-2.0
/* Naming the VM behind a write (lib/vm_name.c): QEMU's -name in its
 * forms, libvirt's machine scope in /proc/PID/cgroup, the start time that
 * tells a reused pid apart. Expected names are written out by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vm_name.h"

/* argv as /proc/PID/cmdline has it: NUL after every argument */
static int from_argv(const char *const *args, char *out, size_t outlen)
{
	char buf[1024];
	size_t n = 0;

	for (int i = 0; args[i]; i++) {
		size_t l = strlen(args[i]) + 1;

		memcpy(buf + n, args[i], l);
		n += l;
	}
	return cf_vm_from_cmdline(buf, n, out, outlen);
}

static void test_qemu_name_forms(void **state)
{
	char out[CF_VM_LEN];
	const char *guest[] = { "qemu-system-x86_64", "-m", "1G", "-name",
				"guest=web-01,debug-threads=on", "-S", NULL };
	const char *bare[] = { "qemu-system-x86_64", "-name", "db01", NULL };
	const char *bare_opts[] = { "qemu", "-name", "db01,process=qemu-db,debug-threads=on", NULL };
	const char *later[] = { "qemu", "-name", "process=p,guest=late", NULL };
	const char *commas[] = { "qemu", "-name", "guest=a,,b,debug-threads=on", NULL };
	const char *eq[] = { "qemu", "-name=eqform", NULL };
	const char *none[] = { "qemu-system-x86_64", "-m", "1G", "-nographic", NULL };
	const char *dangling[] = { "qemu", "-name", NULL };
	const char *only_opts[] = { "qemu", "-name", "process=x,debug-threads=on", NULL };
	const char *not_flag[] = { "qemu", "-drive", "file=-name", "x", NULL };

	(void)state;
	assert_int_equal(from_argv(guest, out, sizeof(out)), 0);
	assert_string_equal(out, "web-01");
	assert_int_equal(from_argv(bare, out, sizeof(out)), 0);
	assert_string_equal(out, "db01");
	assert_int_equal(from_argv(bare_opts, out, sizeof(out)), 0);
	assert_string_equal(out, "db01");
	assert_int_equal(from_argv(later, out, sizeof(out)), 0);
	assert_string_equal(out, "late");
	assert_int_equal(from_argv(commas, out, sizeof(out)), 0);
	assert_string_equal(out, "a,b");
	assert_int_equal(from_argv(eq, out, sizeof(out)), 0);
	assert_string_equal(out, "eqform");
	assert_int_equal(from_argv(none, out, sizeof(out)), -1);
	assert_int_equal(from_argv(dangling, out, sizeof(out)), -1);
	assert_int_equal(from_argv(only_opts, out, sizeof(out)), -1);
	assert_int_equal(from_argv(not_flag, out, sizeof(out)), -1);
	/* a small buffer gets a cut, terminated name */
	assert_int_equal(from_argv(guest, out, 4), 0);
	assert_string_equal(out, "web");
}

static void test_libvirt_scope(void **state)
{
	char out[CF_VM_LEN];

	(void)state;
	assert_int_equal(cf_vm_from_cgroup("0::/machine.slice/machine-qemu\\x2d3\\x2dweb\\x2d01.scope/"
					   "libvirt/vcpu0\n", out, sizeof(out)), 0);
	assert_string_equal(out, "web-01");
	assert_int_equal(cf_vm_from_cgroup("12:pids:/user.slice\n"
					   "1:name=systemd:/machine.slice/machine-qemu\\x2d17\\x2dsql.scope\n",
					   out, sizeof(out)), 0);
	assert_string_equal(out, "sql");
	assert_int_equal(cf_vm_from_cgroup("0::/user.slice/user-0.slice/session-1.scope\n", out,
					   sizeof(out)), -1);
	assert_int_equal(cf_vm_from_cgroup("0::/machine.slice/machine-qemu\\x2dX\\x2dbad.scope\n", out,
					   sizeof(out)), -1);
	assert_int_equal(cf_vm_from_cgroup("0::/machine.slice/machine-qemu\\x2d4\\x2d.scope\n", out,
					   sizeof(out)), -1);
	assert_int_equal(cf_vm_from_cgroup("0::/machine.slice/machine-qemu\\x2d4\\x2dnoscope\n", out,
					   sizeof(out)), -1);
}

static void test_starttime(void **state)
{
	(void)state;
	/* fields after comm: state(3) ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime cutime cstime priority nice threads itrealvalue
	 * starttime(22) */
	assert_int_equal(cf_proc_starttime("1234 (qemu) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 "
					   "17 18 987654 19 20"), 987654);
	/* a comm with spaces and parentheses */
	assert_int_equal(cf_proc_starttime("99 (a) b (c)) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 "
					   "17 18 4242 0"), 4242);
	assert_int_equal(cf_proc_starttime("no parenthesis"), 0);
	assert_int_equal(cf_proc_starttime("1 (x) S 1 2"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_name_forms),
		cmocka_unit_test(test_libvirt_scope),
		cmocka_unit_test(test_starttime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
