// SPDX-License-Identifier: GPL-2.0
/* The per-(device, rule) counts as status shows them (lib/counts_fmt.c):
 * every field under its own name, names that fill their whole key field
 * (no NUL in the map key) neither cut nor overrun. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "counts.h"

static struct cf_count_row rows[2];

static void fill(void)
{
	memset(rows, 0, sizeof(rows));
	memcpy(rows[0].key.dev, "0000:01:00.0", 12);
	memcpy(rows[0].key.rule, "pcie.devctl.mps", 15);
	memcpy(rows[0].key.comm, "qemu-system-x86", 15);
	rows[0].key.tgid = 4242;
	rows[0].c = (struct cf_counts){ 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	/* both names as long as their fields: no terminating NUL */
	memset(rows[1].key.dev, 'd', CF_DEV_LEN);
	memset(rows[1].key.rule, 'r', CF_NAME_LEN);
	rows[1].c.filtered = 18446744073709551615ull;
}

static void test_json_rows(void **state)
{
	json_t *a, *o;
	char longdev[CF_DEV_LEN + 1], longrule[CF_NAME_LEN + 1];
	static const char *const names[] = { "filtered", "virtualized", "denied", "audited",
					     "races", "unverified", "rewrite_failed", "events_lost",
					     "refused" };

	(void)state;
	fill();
	a = cf_counts_json(rows, 2);
	assert_int_equal(json_array_size(a), 2);
	o = json_array_get(a, 0);
	assert_string_equal(json_string_value(json_object_get(o, "device")), "0000:01:00.0");
	assert_string_equal(json_string_value(json_object_get(o, "rule")), "pcie.devctl.mps");
	for (int i = 0; i < 9; i++)
		assert_int_equal(json_integer_value(json_object_get(o, names[i])), i + 1);
	assert_int_equal(json_object_size(o), 13);
	o = json_array_get(a, 1);
	memset(longdev, 'd', CF_DEV_LEN);
	longdev[CF_DEV_LEN] = 0;
	memset(longrule, 'r', CF_NAME_LEN);
	longrule[CF_NAME_LEN] = 0;
	assert_string_equal(json_string_value(json_object_get(o, "device")), longdev);
	assert_string_equal(json_string_value(json_object_get(o, "rule")), longrule);
	json_decref(a);
	a = cf_counts_json(rows, 0);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
}

static void test_table(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	fill();
	cf_counts_print(f, rows, 1);
	fclose(f);
	assert_non_null(strstr(buf, "per rule:"));
	assert_non_null(strstr(buf, "filtered"));
	/* the row: device, rule, then the eight counts in the header's order */
	assert_non_null(strstr(buf, "0000:01:00.0"));
	{
		const char *row = strstr(buf, "pcie.devctl.mps");
		unsigned long long v[8];

		assert_non_null(row);
		assert_non_null(strstr(row, "qemu-system-x86[4242]"));
		row = strstr(row, "[4242]");
		assert_int_equal(sscanf(row + strlen("[4242]"),
					"%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
					&v[3], &v[4], &v[5], &v[6], &v[7]),
				 8);
		for (int i = 0; i < 8; i++)
			assert_int_equal(v[i], i + 1);
	}
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	cf_counts_print(f, rows, 0);
	fclose(f);
	assert_non_null(strstr(buf, "nothing counted yet"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_rows),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
