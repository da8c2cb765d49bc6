// SPDX-License-Identifier: GPL-2.0
/* The device record (include/cf_device.h), the functions the BPF hooks run
 * on it, driven by random sequences of what happens to devices: vfio's open
 * (with its read of all of config space) and close, hot-plug of another
 * device while closed, plans compiled (policy applies), the loader's seed,
 * bus reads (some answered all ones, some by a hook a compile overtook),
 * bus writes, Function Level Resets,
 * D3hot -> D0 resets, and Secondary Bus Resets. After every step, each open
 * device's record is compared with a deliberately simple model: the bytes
 * the device really holds, and which dwords the record must follow.
 *
 * What must hold: a byte the record calls known, in a dword it follows, is
 * what the device holds (a decision never uses a stale value); a dword it
 * does not follow is not known; the dwords followed are exactly the
 * model's; a byte the bus just carried in a followed dword is known. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "test_rng.h"

#include "cf_device.h"

/* cf_caps.h wants its includer's source of dwords; the walk is tested in
 * test_caps.c. */
struct cf_caps_src {
	int unused;
};
static __always_inline __u32 cf_caps_read(const struct cf_caps_src *s, __u32 off, __u32 *known)
{
	*known = 0;
	return 0;
}

#define NDEV 2
#define SPACE 512 /* config bytes the accesses land in: dense enough to collide */
#define PCIE 0x40 /* DEVCTL at 0x48, Initiate FLR bit 15 */
#define PM 0x80   /* PMCSR at 0x84, power state in bits 1:0 */

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t rnd(void)
{
	return (uint32_t)(xorshift64(&rng_state) >> 16);
}

/* The model: what the device holds, whether vfio has it open, and which
 * dwords the record must follow (all, or a set). */
struct model {
	uint8_t truth[4096];
	int open;
	int followed_all;
	uint8_t followed[1024];
};

static struct cf_hw_device rec[NDEV];
static struct model dev[NDEV];
static unsigned long n_checks, n_resets, n_known, n_flr, n_overlaps;

static void randomise(struct model *m)
{
	for (int i = 0; i < 4096; i++)
		m->truth[i] = (uint8_t)rnd();
	m->truth[PM + 4] &= ~3; /* D0 */
}

/* What a reset does to the device: its registers go back to defaults. */
static void device_reset(struct model *m)
{
	randomise(m);
	n_resets++;
}

static uint32_t truth_of(const struct model *m, uint32_t where, uint32_t size)
{
	uint32_t v = 0;

	for (uint32_t i = 0; i < size; i++)
		v |= (uint32_t)m->truth[where + i] << (8 * i);
	return v;
}

/* A bus read, as the read hook sees it; `ones`: the device answered all
 * ones (in reset, gone) without its registers changing. */
static void bus_read(int d, uint32_t where, uint32_t size, int ones)
{
	uint32_t v = ones ? 0xffffffffu >> (32 - 8 * size) : truth_of(&dev[d], where, size);

	cf_dev_bus_read(&rec[d], where, size, v);
	/* (a device's real all-ones value reads as a device in reset) */
	if (v != cf_bytes_mask(size) && cf_dev_follows(&rec[d], where)) {
		/* just carried: known, and what the device holds */
		struct cf_hw_val hv;
		uint32_t m = cf_bytes_mask(size) << (8 * (where & 3));

		cf_dev_dword(&rec[d], rec[d].gen, where, &hv);
		assert_int_equal(hv.known & m, m);
		assert_int_equal(hv.value & m, (v << (8 * (where & 3))) & m);
	}
}

static void read_all(int d)
{
	for (uint32_t off = 0; off < 4096; off += 4)
		bus_read(d, off, 4, 0);
}

/* A bus write, as the write hook sees it, and what it does to the device:
 * it holds what was written; an FLR or a D3hot -> D0 change resets it. */
static void bus_write(int d, uint32_t where, uint32_t size, uint32_t value)
{
	struct model *m = &dev[d];
	int reset = cf_dev_reset_by(&rec[d], where, size, value), really = 0;
	uint32_t old_state = m->truth[PM + 4] & 3;

	cf_dev_bus_write(&rec[d], rec[d].gen, where, size, value, 0, reset);
	for (uint32_t i = 0; i < size; i++)
		m->truth[where + i] = (uint8_t)(value >> (8 * i));
	if (where <= PCIE + 9 && PCIE + 9 < where + size && (m->truth[PCIE + 9] & 0x80)) {
		really = 1;
		n_flr++;
	}
	if (where == PM + 4 && (value & 3) == 0 && old_state == 3)
		really = 1;
	/* Bridge Control bit 6 on a followed device: read as a bus reset, every
	 * view goes (safe: an endpoint's byte 0x3e resets nothing) */
	if (reset == CF_RESET_BUS)
		for (int e = 0; e < NDEV; e++)
			cf_dev_reset(&rec[e]);
	if (really)
		device_reset(m);
	/* the record may reset when the device did not (D1 -> D0): safe */
	if (really)
		assert_int_equal(reset, CF_RESET_DEVICE);
}

/* A bridge above both devices writes Secondary Bus Reset: the hook sees no
 * followed device, and every device's view goes. */
static void bus_reset(void)
{
	assert_true(cf_starts_bus_reset(0x3c, 4, 0x00400000));
	for (int d = 0; d < NDEV; d++) {
		cf_dev_reset(&rec[d]);
		device_reset(&dev[d]);
	}
}

static void mark(struct model *m, uint32_t dw)
{
	m->followed[dw & 1023] = 1;
}

/* A plan compiled for the device (its first access under a policy). */
static void compile(int d)
{
	static struct cf_plan p;
	struct model *m = &dev[d];
	int n = rnd() % 6;

	cf_plan_init(&p);
	for (int i = 0; i < n; i++) {
		uint32_t width = 1u << (rnd() % 3), reg = (rnd() % SPACE) & ~(width - 1);

		cf_plan_add(&p, reg, width, 1 + rnd() % CF_ACT_MAX, i, 0xffffffffu >> (32 - 8 * width));
	}
	cf_dev_follow_plan(&rec[d], &p, PCIE, PM);
	/* narrowed to what it followed since the open (a seed keeps that) */
	m->followed_all = 0;
	for (uint32_t i = 0; i < p.nregs; i++)
		mark(m, p.regs[i].reg / 4);
	mark(m, (PCIE + 8) / 4);
	mark(m, (PM + 4) / 4);
}

/* Two compiles at once (the refusing hook's and vfio's write path's) on a
 * device followed whole: one has begun narrowing it (followed_only set,
 * its forgetting not run yet) when a write lands on a dword, and then the
 * other, which looked before the narrowing, adds that dword. */
static void compiles_overlap(int d)
{
	static struct cf_plan p;
	uint32_t size = 1u << (rnd() % 3), where = (rnd() % SPACE) & ~(size - 1);

	if (!dev[d].open || rec[d].followed_only)
		return;
	rec[d].followed_only = 1; /* the first compile's narrowing begins */
	bus_write(d, where, size, rnd());
	cf_plan_init(&p);
	cf_plan_add(&p, where, size, 1, 0, cf_bytes_mask(size));
	rec[d].followed_only = 0; /* what the second compile saw */
	cf_dev_follow_plan(&rec[d], &p, PCIE, PM);
	cf_dev_forget_unfollowed(&rec[d]); /* the first one's forgetting, last */
	dev[d].followed_all = 0;
	mark(&dev[d], where / 4);
	mark(&dev[d], (PCIE + 8) / 4);
	mark(&dev[d], (PM + 4) / 4);
	n_overlaps++;
}

/* vfio's open: it reads config space into vconfig (not every dword: the
 * check runs on what it left unread too). */
static void open_device(int d)
{
	cf_dev_opened(&rec[d], PCIE, PM);
	dev[d].open = 1;
	dev[d].followed_all = 1;
	memset(dev[d].followed, 0, sizeof(dev[d].followed));
	for (uint32_t off = 0; off < 4096; off += 4)
		if (rnd() % 2)
			bus_read(d, off, 4, 0);
}

/* The loader's seed: the first read of the device widens it, then it
 * reads every dword. The check runs between the two as well. */
static void seed(int d)
{
	rec[d].pcie = PCIE;
	rec[d].pm = PM;
	cf_dev_follow_all(&rec[d]);
	dev[d].followed_all = 1;
}

static void check(int d)
{
	struct model *m = &dev[d];

	if (!m->open)
		return; /* no decision is made on a closed device */
	for (uint32_t dw = 0; dw < 1024; dw++) {
		int want = m->followed_all || m->followed[dw];
		struct cf_hw_val hv;

		assert_int_equal(cf_dev_follows(&rec[d], dw * 4), want);
		cf_dev_dword(&rec[d], rec[d].gen, dw * 4, &hv);
		if (!want) {
			/* not followed: not known either, so following it whole
			 * again (the seed) brings back nothing stale */
			assert_int_equal(hv.known, 0);
			continue;
		}
		for (int i = 0; i < 4; i++) {
			if (!((hv.known >> (8 * i)) & 0xff))
				continue;
			n_known++;
			if (((hv.value >> (8 * i)) & 0xff) != m->truth[dw * 4 + i])
				fail_msg("device %d byte 0x%x: the record knows 0x%02x, the device "
					 "holds 0x%02x", d, dw * 4 + i, (hv.value >> (8 * i)) & 0xff,
					 m->truth[dw * 4 + i]);
		}
	}
	/* a register window as a decision reads it (decisions read followed
	 * dwords only: the plan's) */
	{
		uint32_t first = rnd() % SPACE, len = 1 + rnd() % 4, known, v;
		uint32_t last = (first + len - 1) / 4;

		v = cf_dev_bytes(&rec[d], rec[d].gen, first, len, &known);
		if ((m->followed_all || (m->followed[first / 4] && m->followed[last])))
			assert_int_equal(v & known, truth_of(m, first, len) & known);
	}
	n_checks++;
}

static void step(void)
{
	int d = rnd() % NDEV, pick = rnd() % 1000;
	uint32_t size = 1u << (rnd() % 3), where = (rnd() % SPACE) & ~(size - 1), value = rnd();

	if (pick < 10) {
		if (dev[d].open) {
			dev[d].open = 0; /* close: the record stays */
		} else {
			if (rnd() % 2)
				randomise(&dev[d]); /* another device hot-plugged here */
			open_device(d);
		}
	} else if (pick < 30) {
		if (dev[d].open) /* on an access through vfio */
			compile(d);
	} else if (pick < 38) {
		seed(d);
		for (int e = 0; e < NDEV; e++)
			check(e);
		read_all(d);
	} else if (pick < 40) {
		bus_reset();
	} else if (pick < 42) {
		/* a bus hook on another CPU that found the dword followed just
		 * before a compile narrowed the device, and stores after */
		if (rec[d].followed_only && !cf_dev_follows(&rec[d], where))
			cf_dev_note(&rec[d], rec[d].gen, where, size, truth_of(&dev[d], where, size), 1);
	} else if (pick < 47) {
		compiles_overlap(d);
	} else if (pick < 50) {
		/* an FLR: Initiate Function Level Reset in Device Control */
		bus_write(d, PCIE + 8, 2, truth_of(&dev[d], PCIE + 8, 2) | 0x8000);
	} else if (pick < 500) {
		bus_read(d, where, size, rnd() % 16 == 0);
	} else {
		/* writes: FLR now and then, PMCSR states at random */
		if (where <= PCIE + 9 && PCIE + 9 < where + size && rnd() % 50)
			value &= ~(0x80u << (8 * (PCIE + 9 - where)));
		if ((rnd() % 10) == 0) {
			where = PM + 4;
			size = 4;
			value = (dev[d].truth[PM + 4] & ~3u) | (rnd() & 3);
		}
		bus_write(d, where, size, value);
	}
	for (int e = 0; e < NDEV; e++)
		check(e);
}

static void test_record_against_model(void **state)
{
	(void)state;
	memset(rec, 0, sizeof(rec));
	for (int d = 0; d < NDEV; d++) {
		rec[d].gen = CF_HW_GEN_MASK - 100; /* across the 28-bit wrap */
		randomise(&dev[d]);
		open_device(d);
	}
	for (int i = 0; i < 100000; i++)
		step();
	printf("# %lu checks, %lu known bytes compared, %lu device resets (%lu FLR), %lu "
	       "overlapping compiles\n", n_checks, n_known, n_resets, n_flr, n_overlaps);
	assert_true(n_resets > 100 && n_flr > 100 && n_overlaps > 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
