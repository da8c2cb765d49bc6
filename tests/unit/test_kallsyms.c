// SPDX-License-Identifier: GPL-2.0
/* /proc/kallsyms taken apart (lib/kallsyms.c): the lines the kernel
 * prints for vmlinux and for modules, lines that are not symbols, and the
 * lookups load makes (a bus accessor by address, how many functions share
 * its name, a variable in a given module). Expected values by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kallsyms.h"

static const char fixture[] =
	"ffffffff81000000 T _text\n"
	"ffffffff81a01230 t pci_read\n"
	"ffffffff81a01290 t pci_write\n"
	"ffffffff81a012f0 T pci_generic_config_read\n"
	"ffffffff81b00000 D pci_bus_type\n"
	"garbage line\n"
	"ffffffff81c00000\n"
	"ffffffff81c00010 T\n"
	"\n"
	"ffffffffc0201000 t ftrace_trampoline\t[__builtin__ftrace]\n"
	"ffffffffc0300000 t pci_read\t[intel_mid_pci]\n"
	"ffffffffc0400000 d vfio_device_fops\t[vfio]\n"
	"ffffffffc0400100 r vfio_device_fops\t[other]\n"
	"ffffffffc0500000 T vfio_pci_config_rw\t[vfio_pci_core]"; /* no final newline */

static struct cf_kallsyms ks;

static int setup(void **state)
{
	(void)state;
	return cf_kallsyms_parse(&ks, strdup(fixture));
}

static int teardown(void **state)
{
	(void)state;
	cf_kallsyms_free(&ks);
	return 0;
}

static void test_lines(void **state)
{
	(void)state;
	/* 10 symbol lines; "garbage", a bare address, a line without a name
	 * and the empty line are not symbols */
	assert_int_equal(ks.n, 10);
	assert_string_equal(ks.sym[0].name, "_text");
	assert_int_equal(ks.sym[0].type, 'T');
	assert_string_equal(ks.sym[0].module, "");
	assert_true(ks.sym[5].addr == 0xffffffffc0201000ull);
	assert_string_equal(ks.sym[5].name, "ftrace_trampoline");
	assert_string_equal(ks.sym[5].module, "__builtin__ftrace");
	assert_string_equal(ks.sym[9].name, "vfio_pci_config_rw");
	assert_string_equal(ks.sym[9].module, "vfio_pci_core");
}

static void test_text_at(void **state)
{
	const struct cf_ksym_line *s;

	(void)state;
	s = cf_kallsyms_text_at(&ks, 0xffffffff81a01290ull);
	assert_non_null(s);
	assert_string_equal(s->name, "pci_write");
	assert_string_equal(s->module, "");
	s = cf_kallsyms_text_at(&ks, 0xffffffffc0500000ull);
	assert_non_null(s);
	assert_string_equal(s->module, "vfio_pci_core");
	/* data is no accessor, and an address no line has is none */
	assert_null(cf_kallsyms_text_at(&ks, 0xffffffff81b00000ull));
	assert_null(cf_kallsyms_text_at(&ks, 0xffffffff81a01234ull));
}

static void test_text_count(void **state)
{
	(void)state;
	assert_int_equal(cf_kallsyms_text_count(&ks, "pci_read"), 2); /* vmlinux and a module */
	assert_int_equal(cf_kallsyms_text_count(&ks, "pci_write"), 1);
	assert_int_equal(cf_kallsyms_text_count(&ks, "pci_bus_type"), 0); /* data */
	assert_int_equal(cf_kallsyms_text_count(&ks, "pci_rea"), 0);
}

static void test_addr(void **state)
{
	(void)state;
	assert_true(cf_kallsyms_addr(&ks, "vfio_device_fops", "vfio") == 0xffffffffc0400000ull);
	assert_true(cf_kallsyms_addr(&ks, "vfio_device_fops", "other") == 0xffffffffc0400100ull);
	assert_true(cf_kallsyms_addr(&ks, "vfio_device_fops", "") == 0);
	assert_true(cf_kallsyms_addr(&ks, "pci_bus_type", NULL) == 0xffffffff81b00000ull);
	assert_true(cf_kallsyms_addr(&ks, "pci_read", "") == 0xffffffff81a01230ull);
	assert_true(cf_kallsyms_addr(&ks, "pci_read", "intel_mid_pci") == 0xffffffffc0300000ull);
	assert_true(cf_kallsyms_addr(&ks, "missing", NULL) == 0);
}

/* The file itself, where the machine lets us read it: every kernel has
 * exactly one function called schedule. */
static void test_read_proc(void **state)
{
	struct cf_kallsyms real;

	(void)state;
	if (cf_kallsyms_read(&real))
		skip();
	assert_true(real.n > 1000);
	assert_int_equal(cf_kallsyms_text_count(&real, "schedule"), 1);
	cf_kallsyms_free(&real);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_at, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addr, setup, teardown),
		cmocka_unit_test(test_read_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
