// SPDX-License-Identifier: GPL-2.0
/* The plan kept in a device's record (include/cf_device.h): published in
 * place while other CPUs may be deciding from it. What must hold: an
 * access that entered never reads a plan half written, a publish never
 * waits and never writes while an access is inside, and the published
 * plan decides only for its policy and its open.
 *
 * First against a model of the protocol, step by step; then with real
 * threads, a publisher and readers on other CPUs, checking every plan a
 * reader sees is whole. A control publishes without the protocol, to show
 * the check does see torn plans. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <cmocka.h>

#include "test_rng.h"

#include "cf_device.h"

struct cf_caps_src {
	int unused;
};
static __always_inline __u32 cf_caps_read(const struct cf_caps_src *s, __u32 off, __u32 *known)
{
	*known = 0;
	return 0;
}

static struct cf_hw_device rec;

/* A plan whose every field follows from k: a reader can tell a whole one. */
static void plan_of_k(struct cf_plan *p, __u64 k)
{
	cf_plan_init(p);
	p->hash = k;
	p->vconfig = ~k;
	p->id = (__u32)k;
	p->flags = (__u32)k;
	p->open_gen = (__u32)(k >> 3);
	p->bus = k << 1;
	p->devfn = (__u32)k & 0xff;
	p->nregs = (__u32)(k % CF_MAX_RULES);
	for (int i = 0; i < CF_CFG_DWORDS / 64; i++)
		p->dwords[i] = k * (i + 1);
	for (int i = 0; i < CF_MAX_RULES; i++)
		for (int a = 0; a < CF_ACT_MAX; a++) {
			p->regs[i].mask[a] = (__u32)k + a;
			p->regs[i].rules[a] = (__u32)k - a;
		}
}

static int plan_whole(const struct cf_plan *p)
{
	__u64 k = p->hash;

	if (p->vconfig != ~k || p->id != (__u32)k || p->flags != (__u32)k ||
	    p->open_gen != (__u32)(k >> 3) || p->nregs != (__u32)(k % CF_MAX_RULES) ||
	    p->bus != k << 1 || p->devfn != ((__u32)k & 0xff))
		return 0;
	for (int i = 0; i < CF_CFG_DWORDS / 64; i++)
		if (p->dwords[i] != k * (i + 1))
			return 0;
	for (int i = 0; i < CF_MAX_RULES; i++)
		for (int a = 0; a < CF_ACT_MAX; a++)
			if (p->regs[i].mask[a] != (__u32)k + a || p->regs[i].rules[a] != (__u32)k - a)
				return 0;
	return 1;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	return (uint32_t)(xorshift64(&rng_state) >> 16);
}

/* Random steps of accesses entering and leaving and compiles publishing,
 * against a model that counts the accesses inside: a publish happens
 * exactly when none is inside, and the plan then is the one published. */
static void test_protocol_against_model(void **state)
{
	static struct cf_plan p, last;
	int inside = 0, published = 0, refused = 0;
	__u64 k = 1;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	plan_of_k(&last, 0);
	cf_plan_copy(&rec.plan, &last);
	for (int step = 0; step < 200000; step++) {
		switch (rnd() % 4) {
		case 0:
			if (inside >= 8)
				break;
			assert_int_equal(cf_dev_plan_enter(&rec), 0);
			inside++;
			assert_true(plan_whole(&rec.plan));
			assert_memory_equal(&rec.plan, &last, sizeof(last));
			break;
		case 1:
			if (!inside)
				break;
			cf_dev_plan_leave(&rec);
			inside--;
			break;
		case 2:
			/* the plan already there: nothing written, whoever is inside */
			assert_int_equal(cf_dev_plan_publish(&rec, &last), 0);
			assert_memory_equal(&rec.plan, &last, sizeof(last));
			break;
		default:
			plan_of_k(&p, k++);
			if (cf_dev_plan_publish(&rec, &p) == 0) {
				assert_int_equal(inside, 0);
				last = p;
				published++;
			} else {
				assert_int_not_equal(inside, 0);
				refused++;
			}
			assert_memory_equal(&rec.plan, &last, sizeof(last));
		}
		assert_int_equal(rec.plan_users, 2 * inside);
	}
	assert_true(published > 1000 && refused > 1000);
}

/* The published plan fits only its policy, its vconfig and its open: a
 * new open (another open_gen) voids it, whatever vconfig it gets. */
static void test_plan_fits_only_its_open(void **state)
{
	static struct cf_plan p;

	(void)state;
	memset(&rec, 0, sizeof(rec));
	cf_dev_opened(&rec, 0x40, 0x80);
	cf_plan_init(&p);
	p.hash = 0x1234;
	p.vconfig = 0xffff888000100000ull;
	p.open_gen = rec.open_gen;
	assert_int_equal(cf_dev_plan_publish(&rec, &p), 0);
	assert_true(cf_dev_plan_fits(&rec, 0x1234, 0xffff888000100000ull));
	assert_false(cf_dev_plan_fits(&rec, 0x1235, 0xffff888000100000ull));
	assert_false(cf_dev_plan_fits(&rec, 0x1234, 0xffff888000200000ull));
	cf_dev_reset(&rec); /* a reset is no new open: the plan still fits */
	assert_true(cf_dev_plan_fits(&rec, 0x1234, 0xffff888000100000ull));
	cf_dev_opened(&rec, 0x40, 0x80); /* closed and opened again, same vconfig */
	assert_false(cf_dev_plan_fits(&rec, 0x1234, 0xffff888000100000ull));
}

/* --- Threads: a publisher and readers on other CPUs ------------------- */

struct race {
	volatile int stop;
	int locked;      /* 1: publish through the protocol; 0: the control */
	long reads, torn, publishes, missed;
};

static void *publisher(void *arg)
{
	struct race *r = arg;
	static struct cf_plan p;
	__u64 k = 1;

	while (!r->stop) {
		plan_of_k(&p, k++);
		if (r->locked) {
			if (cf_dev_plan_publish(&rec, &p) == 0)
				r->publishes++;
		} else {
			memcpy(&rec.plan, &p, sizeof(p));
			r->publishes++;
		}
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct race *r = arg;
	long reads = 0, missed = 0;

	while (!r->stop) {
		__asm__ volatile("" ::: "memory"); /* read the plan anew each time */
		if (r->locked && cf_dev_plan_enter(&rec)) {
			missed++;
			continue;
		}
		reads++;
		if (!plan_whole(&rec.plan))
			__sync_fetch_and_add(&r->torn, 1);
		if (r->locked)
			cf_dev_plan_leave(&rec);
	}
	__sync_fetch_and_add(&r->reads, reads);
	__sync_fetch_and_add(&r->missed, missed);
	return NULL;
}

/* Run a publisher and two readers for up to `ms`, or until a torn plan is
 * seen if stop_at_torn. */
static void race_run(struct race *r, int ms, int stop_at_torn)
{
	pthread_t pub, rd[2];
	struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };

	memset(&rec, 0, sizeof(rec));
	plan_of_k(&rec.plan, 0);
	assert_int_equal(pthread_create(&pub, NULL, publisher, r), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&rd[i], NULL, reader, r), 0);
	for (int t = 0; t < ms / 10; t++) {
		nanosleep(&tick, NULL);
		if (stop_at_torn && __sync_fetch_and_add(&r->torn, 0))
			break;
	}
	r->stop = 1;
	pthread_join(pub, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(rd[i], NULL);
}

static void test_readers_never_see_a_torn_plan(void **state)
{
	struct race r = { .locked = 1 };

	(void)state;
	race_run(&r, 1000, 0);
	print_message("# protocol: %ld reads, %ld torn, %ld publishes, %ld enters refused\n",
		      r.reads, r.torn, r.publishes, r.missed);
	assert_int_equal(r.torn, 0);
	assert_true(r.reads > 1000 && r.publishes > 10);
}

/* The control: the same check sees torn plans when the publisher copies
 * without the protocol, as a map update's element reuse would. */
static void test_control_unprotected_copy_is_seen_torn(void **state)
{
	struct race r = { .locked = 0 };

	(void)state;
	race_run(&r, 10000, 1);
	print_message("# control: %ld reads, %ld torn, %ld publishes\n", r.reads, r.torn,
		      r.publishes);
	assert_true(r.torn > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protocol_against_model),
		cmocka_unit_test(test_plan_fits_only_its_open),
		cmocka_unit_test(test_readers_never_see_a_torn_plan),
		cmocka_unit_test(test_control_unprotected_copy_is_seen_torn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
