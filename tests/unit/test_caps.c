// SPDX-License-Identifier: GPL-2.0
/* The capability directory (include/cf_caps.h), the walk the data plane
 * places rules with, over config spaces of which only some bytes were seen,
 * against a reference that follows the lists pointer by pointer, keeping
 * the offsets it visited. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "test_rng.h"

#include "cf_caps.h"
#include "landing.h"
#include "policy.h"

struct cf_caps_src {
	uint8_t byte[4096];
	uint8_t seen[4096];
};

static __always_inline __u32 cf_caps_read(const struct cf_caps_src *s, __u32 off, __u32 *known)
{
	__u32 v = 0;

	*known = 0;
	for (int i = 0; i < 4; i++) {
		v |= (__u32)s->byte[off + i] << (8 * i);
		*known |= s->seen[off + i] ? 0xffu << (8 * i) : 0;
	}
	return v;
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t rnd(void)
{
	return (uint32_t)(xorshift64(&rng_state) >> 16);
}

/* Reference: follow the list; a place visited twice is a loop. -1: cannot
 * tell (a byte on the way not seen, a loop, or past the 64 extended
 * capabilities the directory follows). */
static int ref_find(const struct cf_caps_src *s, uint32_t size, uint32_t id, int ext)
{
	uint8_t visited[4096] = { 0 };
	uint32_t pos, steps = 0;

	if (!ext) {
		if (!s->seen[0x06])
			return -1;
		if (!(s->byte[0x06] & 0x10))
			return 0;
		if (!s->seen[0x34])
			return -1;
		for (pos = s->byte[0x34] & 0xfc; pos >= 0x40; pos = s->byte[pos + 1] & 0xfc) {
			if (visited[pos] || !s->seen[pos] || !s->seen[pos + 1])
				return -1;
			visited[pos] = 1;
			if (s->byte[pos] == id)
				return pos;
		}
		return 0;
	}
	if (size <= 0x100)
		return 0;
	for (pos = 0x100; pos >= 0x100 && pos + 4 <= size; steps++) {
		uint32_t hdr = 0;

		for (int i = 0; i < 4; i++) {
			if (!s->seen[pos + i])
				return -1;
			hdr |= (uint32_t)s->byte[pos + i] << (8 * i);
		}
		if (!hdr)
			return 0;
		if (visited[pos] || steps >= CF_CAPS_EXT)
			return -1;
		visited[pos] = 1;
		if ((hdr & 0xffff) == id)
			return pos;
		pos = (hdr >> 20) & 0xffc;
	}
	return 0;
}

/* A config space with both lists at random places (sometimes a loop, a
 * pointer into the header, a few ids repeated), some bytes not seen. */
static void random_space(struct cf_caps_src *s, int unseen_per_mille)
{
	uint32_t std[48], n = 1 + rnd() % 12, ne = 1 + rnd() % 12, prev;

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < 4096; i++)
		s->byte[i] = rnd();
	s->byte[0x06] = (rnd() % 8) ? 0x10 : 0;
	for (uint32_t i = 0; i < n; i++)
		std[i] = 0x40 + 4 * (rnd() % 48);
	prev = 0x34;
	for (uint32_t i = 0; i < n; i++) {
		s->byte[prev] = std[i] | (rnd() & 3);
		s->byte[std[i]] = 1 + rnd() % 20;
		prev = std[i] + 1;
	}
	s->byte[prev] = (rnd() % 6) ? rnd() % 0x40 : 0x40 + rnd() % 0xc0;
	prev = 0x100;
	for (uint32_t i = 0; i < ne; i++) {
		uint32_t next = i + 1 < ne ? 0x100 + 4 * (rnd() % 960) : (rnd() % 6 ? 0 : 0x104);
		uint32_t hdr = (next << 20) | (1 + rnd() % 0x30) | (rnd() % 16) << 16;

		if (rnd() % 40 == 0)
			hdr = 0;
		for (int b = 0; b < 4; b++)
			s->byte[prev + b] = hdr >> (8 * b);
		if (!next)
			break;
		prev = next;
	}
	for (int i = 0; i < 4096; i++)
		s->seen[i] = rnd() % 1000 >= (uint32_t)unseen_per_mille;
}

static void test_directory_matches_reference(void **state)
{
	static struct cf_caps_src s;
	struct cf_caps c;
	uint32_t sizes[] = { 256, 4096, 0x200 };
	int checked = 0, unknown = 0, found = 0;

	for (int round = 0; round < 20000; round++) {
		uint32_t size = sizes[rnd() % 3];

		random_space(&s, round % 3 == 0 ? 0 : round % 3 == 1 ? 2 : 30);
		cf_caps_build(&c, &s, size);
		for (uint32_t id = 1; id <= 0x30; id++) {
			for (int ext = 0; ext < 2; ext++) {
				int want = ref_find(&s, size, id, ext), got = cf_caps_find(&c, id, ext);

				if (want != got)
					fail_msg("round %d id %#x ext %d: directory %d, reference %d",
						 round, id, ext, got, want);
				checked++;
				unknown += want < 0;
				found += want > 0;
			}
		}
	}
	/* the cases are all there: found, absent and cannot tell */
	assert_true(found > checked / 20);
	assert_true(unknown > checked / 20);
	assert_true(checked - found - unknown > checked / 20);
}

/* QEMU's CXL type-3 device as vfio on 6.1 meets it: DVSECs from 0x100 and
 * DOE after them, every one of them hidden from vfio's chain. */
static void test_hidden_capabilities_found(void **state)
{
	static struct cf_caps_src s;
	static const uint32_t at[] = { 0x100, 0x138, 0x150, 0x190 },
			      id[] = { 0x23, 0x23, 0x23, 0x2e };
	struct cf_caps c;

	memset(&s, 0, sizeof(s));
	memset(s.seen, 1, sizeof(s.seen));
	s.byte[0x06] = 0x10;
	s.byte[0x34] = 0x40;
	s.byte[0x40] = 0x10; /* PCIe, last */
	for (int i = 0; i < 4; i++) {
		uint32_t hdr = id[i] | 1 << 16 | (i < 3 ? at[i + 1] : 0) << 20;

		memcpy(&s.byte[at[i]], &hdr, 4);
	}
	cf_caps_build(&c, &s, 4096);
	assert_int_equal(c.state, CF_CAPS_BUILT);
	assert_int_equal(cf_caps_find(&c, 0x23, 1), 0x100);
	assert_int_equal(cf_caps_find(&c, 0x2e, 1), 0x190);
	assert_int_equal(cf_caps_find(&c, 0x01, 1), 0);
	assert_int_equal(cf_caps_find(&c, 0x10, 0), 0x40);
	/* the DOE header not seen since the open: DOE cannot be placed, the
	 * DVSECs before it still can */
	s.seen[0x191] = 0;
	cf_caps_build(&c, &s, 4096);
	assert_int_equal(c.state, CF_CAPS_BUILT | CF_CAPS_EXT_PARTIAL);
	assert_int_equal(cf_caps_find(&c, 0x2e, 1), -1);
	assert_int_equal(cf_caps_find(&c, 0x23, 1), 0x100);
	assert_int_equal(cf_caps_find(&c, 0x10, 0), 0x40);
}

/* Where rules land on that device, as policy check --device and status
 * say: the DVSEC rule by the device's lists, a selector for another
 * device, a capability it lacks. */
static void test_rules_land_by_the_devices_lists(void **state)
{
	static const char text[] = "deny ecap(0x0023)+0x0c/2:0x0004\n"
				   "deny hdr.command.serr on 1234:5678\n"
				   "mask ecap(0x0010)+0x08/2:0x0001\n"
				   "audit pcie.devctl.mps on 8086:0d93\n";
	static const uint32_t at[] = { 0x100, 0x138, 0x150, 0x190 },
			      id[] = { 0x23, 0x23, 0x23, 0x2e };
	unsigned char cfg[4096] = { 0x86, 0x80, 0x93, 0x0d };
	struct cf_landing l;
	struct cf_policy p;
	char err[256];
	int seen = 0;

	assert_int_equal(cf_policy_parse(text, sizeof(text) - 1, "t", &p, err, sizeof(err)), 0);
	cfg[0x06] = 0x10;
	cfg[0x0b] = 0x05; /* class 0502 */
	cfg[0x0a] = 0x02;
	cfg[0x34] = 0x40;
	cfg[0x40] = 0x10;
	for (int i = 0; i < 4; i++) {
		uint32_t hdr = id[i] | 1 << 16 | (i < 3 ? at[i + 1] : 0) << 20;

		memcpy(&cfg[at[i]], &hdr, 4);
	}
	cf_land(&p, "0000:0d:00.0", cfg, sizeof(cfg), &l);
	assert_int_equal(l.id, 0x80860d93);
	assert_int_equal(l.class, 0x050200);
	for (uint32_t i = 0; i < p.nrules; i++) {
		const char *n = p.rules[i].name;

		if (!strcmp(n, "ecap(0x0023)+0x0c/2:0x0004")) {
			assert_int_equal(l.how[i], CF_LAND_AT);
			assert_int_equal(l.at[i], 0x10c);
		} else if (!strcmp(n, "hdr.command.serr")) {
			assert_int_equal(l.how[i], CF_LAND_SELECTOR);
		} else if (!strcmp(n, "ecap(0x0010)+0x08/2:0x0001")) {
			assert_int_equal(l.how[i], CF_LAND_NO_CAP);
		} else {
			assert_string_equal(n, "pcie.devctl.mps");
			assert_int_equal(l.how[i], CF_LAND_AT);
			assert_int_equal(l.at[i], 0x48);
		}
		seen++;
	}
	assert_int_equal(seen, 4);
	/* config space cut short (a non-root read of sysfs: 64 bytes) */
	cf_land(&p, "0000:0d:00.0", cfg, 64, &l);
	for (uint32_t i = 0; i < p.nrules; i++)
		if (!strcmp(p.rules[i].name, "ecap(0x0023)+0x0c/2:0x0004"))
			assert_int_equal(l.how[i], CF_LAND_NO_CAP); /* 64 bytes: no extended space */
}

/* An unbuilt directory (the device opened since) tells nothing. */
static void test_unbuilt_directory_cannot_tell(void **state)
{
	struct cf_caps c = { .state = CF_CAPS_NONE };

	assert_int_equal(cf_caps_find(&c, 0x10, 0), -1);
	assert_int_equal(cf_caps_find(&c, 0x23, 1), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_directory_matches_reference),
		cmocka_unit_test(test_hidden_capabilities_found),
		cmocka_unit_test(test_unbuilt_directory_cannot_tell),
		cmocka_unit_test(test_rules_land_by_the_devices_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
