/* SPDX-License-Identifier: GPL-2.0 */
/* The unit tests' random source: xorshift64, with a fixed seed per test
 * file so a failing run repeats exactly. */
#ifndef CF_TEST_RNG_H
#define CF_TEST_RNG_H

#include <stdint.h>

static inline uint64_t xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#endif
