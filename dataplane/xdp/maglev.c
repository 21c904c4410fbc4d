// SPDX-License-Identifier: GPL-2.0-only
/*
 * Weighted Maglev.
 *
 * The paper fills the table in rounds: each backend in turn claims the next
 * free slot of its own permutation (offset + j * skip mod M). Weights change
 * only how often a real gets a turn. We first apportion the M slots by
 * largest remainder (every real gets floor or ceil of M*w/W, so it is within
 * one entry of its share), then order the turns so each real's turns are
 * spread evenly over the fill: the k-th turn of a real of weight w comes at
 * time (k + 1/2) * W / (M * w). Sorting the M turns by time is a counting
 * sort over M buckets, so memory is O(M + N) and time near-linear. With
 * equal weights this is the paper's round robin in key order, and removing a
 * real only scales the other reals' turn times alike, which keeps disruption
 * at the paper's level.
 */
#include "dataplane/xdp/maglev.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool dp_maglev_size_ok(uint32_t m)
{
	if (m < DP_MAGLEV_MIN_SIZE || m > DP_MAGLEV_MAX_SIZE)
		return false;
	if (m % 2 == 0)
		return false;
	for (uint32_t d = 3; d * d <= m; d += 2)
		if (m % d == 0)
			return false;
	return true;
}

/* MurmurHash64A-style mixing over the key bytes; seed makes hashes independent. */
static uint64_t key_hash(const uint8_t *p, size_t len, uint64_t seed)
{
	const uint64_t mul = 0xc6a4a7935bd1e995ull;
	uint64_t h = seed ^ (len * mul);

	while (len >= 8) {
		uint64_t k;

		memcpy(&k, p, 8);
		k *= mul;
		k ^= k >> 47;
		k *= mul;
		h ^= k;
		h *= mul;
		p += 8;
		len -= 8;
	}
	if (len) {
		uint64_t k = 0;

		memcpy(&k, p, len);
		h ^= k;
		h *= mul;
	}
	h ^= h >> 47;
	h *= mul;
	h ^= h >> 47;
	return h;
}

/* Serialise the stable key: family, 16 address bytes, port (big endian). */
static size_t real_key(const struct dp_maglev_real *r, uint8_t out[19])
{
	out[0] = r->addr.family;
	memcpy(out + 1, r->addr.b, 16);
	out[17] = r->port >> 8;
	out[18] = r->port & 0xff;
	return 19;
}

static int cmp_key(const struct dp_maglev_real *a, const struct dp_maglev_real *b)
{
	int c = lb_addr_cmp(&a->addr, &b->addr);

	if (c)
		return c;
	return (a->port > b->port) - (a->port < b->port);
}

/* qsort has no context argument: sort an array of pointers instead. */
static int cmp_ptr(const void *a, const void *b)
{
	return cmp_key(*(const struct dp_maglev_real *const *)a,
		       *(const struct dp_maglev_real *const *)b);
}

struct rem {
	uint64_t rem;
	uint32_t idx;
};

static int cmp_rem(const void *a, const void *b)
{
	const struct rem *x = a, *y = b;

	if (x->rem != y->rem)
		return x->rem < y->rem ? 1 : -1; /* largest first */
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/*
 * Buckets of a real's turns, (2k + 1) * W / 2w for k = 0, 1, ..., stepped
 * without a division per turn.
 */
struct turn_iter {
	uint64_t b, rem, den, step_q, step_r;
};

static void turn_start(struct turn_iter *it, uint32_t w, uint64_t total)
{
	it->den = 2ull * w;
	it->b = total / it->den;
	it->rem = total % it->den;
	it->step_q = total / w;
	it->step_r = 2 * (total % w);
}

static inline uint32_t turn_next(struct turn_iter *it, uint32_t m)
{
	uint64_t b = it->b;

	it->b += it->step_q;
	it->rem += it->step_r;
	if (it->rem >= it->den) {
		it->rem -= it->den;
		it->b++;
	}
	return b >= m ? m - 1 : (uint32_t)b;
}

static inline uint32_t step(uint32_t pos, uint32_t skip, uint32_t m)
{
	pos += skip;
	return pos >= m ? pos - m : pos;
}

static inline bool is_free(const uint64_t *used, uint32_t pos)
{
	return !(used[pos / 64] & (1ull << (pos % 64)));
}

#define MG_GROUP 4u /* permutation positions tested per probe step */

struct mg_real {
	uint32_t id;
	uint32_t quota;
	uint32_t next; /* next permutation position to try */
	uint32_t skip;
	uint32_t inv;  /* skip^-1 mod m, computed when first needed */
};

static inline uint32_t add_mod(uint32_t a, uint32_t b, uint32_t m)
{
	uint32_t c = a + b;

	return c >= m ? c - m : c;
}

/* Turns left when the fill switches from probing to scanning free slots. */
#define MG_SCAN_BELOW 256u

/* Inverse of a mod prime m (extended Euclid). */
static uint32_t mod_inverse(uint32_t a, uint32_t m)
{
	int64_t t = 0, nt = 1, r = m, nr = a;

	while (nr) {
		int64_t q = r / nr, tmp;

		tmp = t - q * nt;
		t = nt;
		nt = tmp;
		tmp = r - q * nr;
		r = nr;
		nr = tmp;
	}
	return (uint32_t)(t < 0 ? t + m : t);
}

int dp_maglev_build(const struct dp_maglev_real *reals, size_t n, uint32_t m,
		    uint32_t *table)
{
	const struct dp_maglev_real **sorted = NULL;
	struct mg_real *mr = NULL;
	struct rem *rems = NULL;
	uint32_t *cnt = NULL, *order = NULL, *order_free = NULL;
	uint64_t *used = NULL;
	uint64_t total = 0, given = 0;
	int err = -EINVAL;

	if (!dp_maglev_size_ok(m) || !table || (n && !reals))
		return -EINVAL;
	memset(table, 0, (size_t)m * sizeof(*table));
	for (size_t i = 0; i < n; i++) {
		if (!reals[i].id)
			return -EINVAL;
		total += reals[i].weight;
	}
	if (!n)
		return 0;

	err = -ENOMEM;
	sorted = calloc(n, sizeof(*sorted));
	mr = calloc(n, sizeof(*mr));
	rems = calloc(n, sizeof(*rems));
	cnt = calloc((size_t)m + 1, sizeof(*cnt));
	order = calloc(m, sizeof(*order));
	used = calloc((m + 63) / 64, sizeof(*used));
	order_free = calloc(MG_SCAN_BELOW, sizeof(*order_free));
	if (!sorted || !mr || !rems || !cnt || !order || !used || !order_free)
		goto out;

	for (size_t i = 0; i < n; i++)
		sorted[i] = &reals[i];
	qsort(sorted, n, sizeof(*sorted), cmp_ptr);
	err = -EINVAL;
	for (size_t i = 1; i < n; i++)
		if (!cmp_key(sorted[i - 1], sorted[i]))
			goto out;
	err = 0;
	if (!total)
		goto out;

	/* Apportion: floor(m*w/W), then +1 for the largest remainders. */
	for (size_t i = 0; i < n; i++) {
		const struct dp_maglev_real *r = sorted[i];
		unsigned __int128 prod = (unsigned __int128)m * r->weight;
		uint8_t key[19];
		size_t kl = real_key(r, key);

		mr[i].id = r->id;
		mr[i].quota = (uint32_t)(prod / total);
		rems[i].rem = (uint64_t)(prod % total);
		rems[i].idx = (uint32_t)i;
		given += mr[i].quota;
		mr[i].next = (uint32_t)(key_hash(key, kl, 0x9ae16a3b2f90404full) % m);
		mr[i].skip = (uint32_t)(key_hash(key, kl, 0xc3a5c85c97cb3127ull) %
					(m - 1)) + 1;
	}
	if (given < m) {
		qsort(rems, n, sizeof(*rems), cmp_rem);
		for (size_t i = 0; given < m && i < n; i++, given++)
			mr[rems[i].idx].quota++;
	}

	/*
	 * Counting sort of the m turns by time. The k-th turn of a real of
	 * weight w comes at (k + 1/2) * W / (m * w) of the fill, i.e. in bucket
	 * (2k + 1) * W / 2w: times depend on the weights only, so adding or
	 * removing a real scales them all alike and keeps the others' order;
	 * a real's extra (rounded-up) turn lands in the last bucket.
	 */
	for (size_t i = 0; i < n; i++) {
		struct turn_iter it;

		if (!mr[i].quota)
			continue;
		turn_start(&it, sorted[i]->weight, total);
		for (uint32_t k = 0; k < mr[i].quota; k++)
			cnt[turn_next(&it, m) + 1]++;
	}
	for (uint32_t b = 0; b < m; b++)
		cnt[b + 1] += cnt[b];
	for (size_t i = 0; i < n; i++) {
		struct turn_iter it;

		if (!mr[i].quota)
			continue;
		turn_start(&it, sorted[i]->weight, total);
		for (uint32_t k = 0; k < mr[i].quota; k++)
			order[cnt[turn_next(&it, m)]++] = (uint32_t)i;
	}

	/*
	 * Each turn claims the real's next free slot in its permutation. The
	 * probes test a bitmap that stays in L1 rather than the table; after
	 * the first candidate, MG_GROUP at a time computed independently from
	 * multiples of skip (no serial chain of steps). Once few slots are
	 * free, probing costs about
	 * m / free steps per turn, so the last turns instead pick, among the
	 * free slots, the one fewest permutation steps ahead (distance times
	 * the inverse of skip, mod m): the same slot the probing would reach.
	 */
	uint32_t t = 0, probe_turns = m > MG_SCAN_BELOW ? m - MG_SCAN_BELOW : 0;

	for (; t < probe_turns; t++) {
		struct mg_real *r = &mr[order[t]];
		uint32_t p0 = r->next, s = r->skip, pos = p0;
		uint32_t mult[MG_GROUP];

		if (!is_free(used, pos)) {
			/* j * skip mod m, only for turns whose first probe fails. */
			mult[0] = s;
			for (uint32_t j = 1; j < MG_GROUP; j++)
				mult[j] = add_mod(mult[j - 1], s, m);
		}
		while (!is_free(used, pos)) { /* left by the break below */
			uint32_t cand[MG_GROUP], hit = 0;

			for (uint32_t j = 0; j < MG_GROUP; j++) {
				cand[j] = add_mod(p0, mult[j], m);
				hit |= (uint32_t)is_free(used, cand[j]) << j;
			}
			if (hit) {
				pos = cand[__builtin_ctz(hit)];
				break;
			}
			/* cand[MG_GROUP - 1] is taken: the next group starts after it. */
			p0 = cand[MG_GROUP - 1];
		}
		used[pos / 64] |= 1ull << (pos % 64);
		table[pos] = r->id;
		r->next = step(pos, s, m);
	}

	uint32_t nfree = 0;

	for (uint32_t pos = 0; pos < m && t < m; pos++)
		if (is_free(used, pos))
			order_free[nfree++] = pos;
	/* d * inv < 2^40: a double reciprocal gives the quotient within 1. */
	const double minv = 1.0 / m;

	for (; t < m; t++) {
		struct mg_real *r = &mr[order[t]];
		uint64_t best = UINT64_MAX;
		uint32_t bi = 0, pos;

		if (!r->inv)
			r->inv = mod_inverse(r->skip, m);
		for (uint32_t k = 0; k < nfree; k++) {
			uint32_t d = order_free[k] >= r->next ? order_free[k] - r->next :
								 order_free[k] + m - r->next;
			uint64_t prod = (uint64_t)d * r->inv;
			int64_t steps = (int64_t)(prod - (uint64_t)((double)prod * minv) * m);

			if (steps < 0)
				steps += m;
			else if (steps >= (int64_t)m)
				steps -= m;

			if ((uint64_t)steps < best) {
				best = (uint64_t)steps;
				bi = k;
			}
		}
		pos = order_free[bi];
		order_free[bi] = order_free[--nfree];
		table[pos] = r->id;
		r->next = step(pos, r->skip, m);
	}
out:
	free(order_free);
	free(used);
	free(order);
	free(cnt);
	free(rems);
	free(mr);
	free(sorted);
	return err;
}
