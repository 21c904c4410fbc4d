// SPDX-License-Identifier: GPL-2.0-only
#include "lib/ring_size.h"

bool lb_is_prime(uint32_t n)
{
	if (n < 2)
		return false;
	if (n % 2 == 0)
		return n == 2;
	for (uint32_t d = 3; (uint64_t)d * d <= n; d += 2)
		if (n % d == 0)
			return false;
	return true;
}

bool lb_ring_size_ok(uint32_t m)
{
	return m >= LB_RING_MIN_SIZE && m <= LB_RING_MAX_SIZE && lb_is_prime(m);
}

uint32_t lb_ring_size_next(uint32_t n)
{
	if (n < LB_RING_MIN_SIZE)
		n = LB_RING_MIN_SIZE;
	for (; n <= LB_RING_MAX_SIZE; n++)
		if (lb_is_prime(n))
			return n;
	return 0;
}

uint32_t lb_ring_size_for(uint32_t reals, uint32_t max)
{
	uint64_t want = (uint64_t)reals * LB_RING_PER_REAL;
	uint32_t m;

	if (want >= max)
		return max;
	m = lb_ring_size_next((uint32_t)want);
	return m && m < max ? m : max;
}

bool lb_ring_size_keep(uint32_t cur, uint32_t reals, uint32_t max)
{
	uint32_t want = lb_ring_size_for(reals, max);

	return lb_ring_size_ok(cur) && cur <= max && cur >= want &&
	       (uint64_t)cur < 4 * (uint64_t)want;
}
