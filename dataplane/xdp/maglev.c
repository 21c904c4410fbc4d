// SPDX-License-Identifier: GPL-2.0-only
/*
 * Weighted Maglev.
 *
 * The paper fills the table in rounds: each backend in turn claims the next
 * free slot of its own permutation (offset + j * skip mod M). Weights change
 * only how often a real gets a turn. Each real gets floor(M*w/W) turns,
 * ordered so each real's turns are spread evenly over the fill: the k-th
 * turn of a real of weight w comes at time (k + 1/2) * W / (M * w). Sorting
 * the turns by time is a counting sort over M buckets, so memory is
 * O(M + N) and time near-linear. With equal weights this is the paper's
 * round robin in key order, and removing a real only scales the other
 * reals' turn times alike.
 *
 * The fewer than N slots the floors leave free go to distinct reals by a
 * stable matching (match_rest), so every real ends within one entry of its
 * share. The paper's fill would hand them out as the last turns, when free
 * slots are scarce and every claim depends on all the claims before it; a
 * removal then reshuffled them all. The matching depends on the sets alone:
 * for 1000 reals in 65537 slots a removal changes 0.54 % of the entries on
 * average instead of 0.70 %, at worst 0.61 % instead of 0.78 %.
 */
#include "dataplane/xdp/maglev.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * x mod d with mu = UINT64_MAX / d: the estimated quotient is at most one
 * short, so one correction gives the exact remainder without a 64-bit
 * division (two per real otherwise, most of the setup's time).
 */
static inline uint64_t mod_mu(uint64_t x, uint64_t d, uint64_t mu)
{
	uint64_t r = x - (uint64_t)(((unsigned __int128)x * mu) >> 64) * d;

	return r >= d ? r - d : r;
}

/* Serialise the stable key: family, 16 address bytes, port (big endian). */
static void key_bytes(const struct dp_maglev_real *r, uint8_t out[19])
{
	out[0] = r->addr.family;
	memcpy(out + 1, r->addr.b, 16);
	out[17] = r->port >> 8;
	out[18] = r->port & 0xff;
}

/*
 * A sort record, ordered by (hi, lo, tail). For reals: the key bytes as
 * big-endian words, which orders them exactly like lb_addr_cmp then the
 * port.
 */
struct mg_key {
	uint64_t hi, lo;
	uint32_t tail;
	uint32_t idx;
};

static void sort_key(const uint8_t b[19], uint32_t idx, struct mg_key *k)
{
	k->hi = 0;
	k->lo = 0;
	for (int i = 0; i < 8; i++) {
		k->hi = k->hi << 8 | b[i];
		k->lo = k->lo << 8 | b[8 + i];
	}
	k->tail = (uint32_t)b[16] << 16 | (uint32_t)b[17] << 8 | b[18];
	k->idx = idx;
}

static inline int cmp_key(const struct mg_key *x, const struct mg_key *y)
{
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->tail > y->tail) - (x->tail < y->tail);
}

/*
 * Bottom-up merge sort through tmp[n]: stable, and the comparison inlines
 * (qsort's call per comparison cost more than the rest of the setup).
 */
static void sort_keys(struct mg_key *k, struct mg_key *tmp, size_t n)
{
	struct mg_key *src = k, *dst = tmp, *x;

	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n;
			size_t hi = mid + w < n ? mid + w : n;
			size_t i = lo, j = mid, o = lo;

			while (i < mid && j < hi)
				dst[o++] = cmp_key(&src[j], &src[i]) < 0 ? src[j++] : src[i++];
			while (i < mid)
				dst[o++] = src[i++];
			while (j < hi)
				dst[o++] = src[j++];
		}
		x = src;
		src = dst;
		dst = x;
	}
	if (src != k)
		memcpy(k, src, n * sizeof(*k));
}

/*
 * Buckets of a real's turns, floor((2k + 1) * W / 2w) for k = 0, 1, ..., as
 * a 64.64 fixed-point time stepped by one addition per turn. Start and step
 * are rounded up, so after k turns the time is at most k + 1 units of 2^-64
 * above the exact one, while an exact time that is not an integer is at
 * least 1/2w below the next integer: for k < 2^20 and 32-bit weights the
 * floor is exact.
 */
struct turn_iter {
	unsigned __int128 t, step;
};

static void turn_start(struct turn_iter *it, uint32_t w, uint64_t total)
{
	unsigned __int128 num = (unsigned __int128)total << 64;

	it->step = (num + w - 1) / w;
	it->t = (it->step + 1) / 2; /* ceil(ceil(x) / 2) == ceil(x / 2) */
}

static inline uint32_t turn_next(struct turn_iter *it, uint32_t m)
{
	uint64_t b = (uint64_t)(it->t >> 64);

	it->t += it->step;
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

/*
 * The first free slot after pos (taken) along a permutation. Four chains of
 * positions each stepped by 4 * skip, so the steps of a group do not wait on
 * each other, and the bitmap they test stays in L1.
 */
static uint32_t probe(const uint64_t *used, uint32_t pos, uint32_t skip, uint32_t m)
{
	uint32_t c0 = step(pos, skip, m), c1 = step(c0, skip, m);
	uint32_t c2 = step(c1, skip, m), c3 = step(c2, skip, m);
	uint32_t s4 = step(step(skip, skip, m), step(skip, skip, m), m);

	for (;;) {
		if (is_free(used, c0))
			return c0;
		if (is_free(used, c1))
			return c1;
		if (is_free(used, c2))
			return c2;
		if (is_free(used, c3))
			return c3;
		c0 = step(c0, s4, m);
		c1 = step(c1, s4, m);
		c2 = step(c2, s4, m);
		c3 = step(c3, s4, m);
	}
}

struct mg_real {
	uint32_t id;
	uint32_t weight;
	uint32_t quota;
	uint32_t next; /* next permutation position to try */
	uint32_t skip;
	uint32_t inv;  /* skip^-1 mod m, computed when first needed */
	uint64_t pref; /* key hash: bucket and slot preferences of the matching */
};

/*
 * Free slots below which the turns stop probing and scan the free slots
 * instead: measured, a scan of F slots costs about as much as probing m / F
 * positions when F is near 128 for m = 65537.
 */
#define MG_SCAN_BELOW 128u

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

/*
 * The slots left after every real's floor(m * w / W) turns (fewer than the
 * reals that have weight) are matched to distinct reals, one slot at most
 * each, by the slot-proposing stable matching (Gale-Shapley). Each side's
 * preferences come from hashes of the keys alone: a slot walks
 * MG_BUCKETS buckets of reals in an order of its own and tries each
 * bucket's reals in key order; a real prefers the slot with the higher
 * score mixed from both. The matching is the slot-optimal stable one, so it
 * depends on the sets of free slots and reals only, not on any order, and
 * removing a real changes it along one chain of proposals; claiming those
 * slots by turns instead, when few are free, reshuffles every later claim.
 */
#define MG_BUCKETS 4096u

struct mg_match {
	uint32_t *head;   /* MG_BUCKETS + 1: start of each bucket in list */
	uint32_t *list;   /* reals with weight, by bucket, in key order */
	uint32_t *holder; /* per real: index of its slot + 1, 0 for none */
	uint32_t *walk;   /* per slot: buckets walked, position in bucket */
	uint32_t *stack;  /* slots without a real */
};

/*
 * The scratch of one build in a single allocation. The bucket counts of the
 * turn sort live in the table, which the fill then overwrites: a smaller
 * working set, and no array to zero but the bitmap.
 */
struct mg_scratch {
	uint64_t *used;          /* bitmap of taken slots */
	struct mg_key *keys;
	struct mg_key *tmp;      /* for the merge sort */
	struct turn_iter *turns; /* each real's first turn, for both passes */
	struct mg_real *mr;      /* per real, in key order */
	uint32_t *order;         /* the m turns, by time */
	uint32_t *free;          /* the last free slots, then those left over */
	struct mg_match mt;      /* the matching of the slots left over */
	void *mem;
};

static int scratch_alloc(struct mg_scratch *sc, size_t n, uint32_t m)
{
	size_t words = (m + 63) / 64, per_real, per_slot;
	uint8_t *p;

	/* Per real: the matching's list, holder, walk (2) and stack, and the
	 * free slots, which may be as many as the reals. */
	per_real = 2 * sizeof(*sc->keys) + sizeof(*sc->turns) + sizeof(*sc->mr) +
		   6 * sizeof(uint32_t);
	per_slot = words * sizeof(*sc->used) +
		   ((size_t)m + MG_SCAN_BELOW + MG_BUCKETS + 1) * sizeof(uint32_t);
	if (n > (SIZE_MAX - per_slot) / per_real)
		return -ENOMEM;
	sc->mem = malloc(n * per_real + per_slot);
	if (!sc->mem)
		return -ENOMEM;
	/* Members of 16-byte alignment first, then 8, then 4. */
	p = sc->mem;
	sc->turns = (struct turn_iter *)p;
	p += n * sizeof(*sc->turns);
	sc->used = (uint64_t *)p;
	p += words * sizeof(*sc->used);
	sc->keys = (struct mg_key *)p;
	p += n * sizeof(*sc->keys);
	sc->tmp = (struct mg_key *)p;
	p += n * sizeof(*sc->tmp);
	sc->mr = (struct mg_real *)p;
	p += n * sizeof(*sc->mr);
	sc->order = (uint32_t *)p;
	p += (size_t)m * sizeof(*sc->order);
	sc->free = (uint32_t *)p;
	p += (MG_SCAN_BELOW + n) * sizeof(*sc->free);
	sc->mt.head = (uint32_t *)p;
	p += (MG_BUCKETS + 1) * sizeof(uint32_t);
	sc->mt.list = (uint32_t *)p;
	p += n * sizeof(uint32_t);
	sc->mt.holder = (uint32_t *)p;
	p += n * sizeof(uint32_t);
	sc->mt.walk = (uint32_t *)p;
	p += 2 * n * sizeof(uint32_t);
	sc->mt.stack = (uint32_t *)p;
	memset(sc->used, 0, words * sizeof(*sc->used));
	return 0;
}

/* Apportion: floor(m*w/W) turns each; returns the slots left over. */
static uint32_t apportion(struct mg_real *mr, size_t n, uint32_t m, uint64_t total)
{
	uint64_t given = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t prod = (uint64_t)m * mr[i].weight; /* < 2^52 */

		mr[i].quota = (uint32_t)(prod / total);
		given += mr[i].quota;
	}
	return (uint32_t)(m - given);
}

/*
 * With one weight w among the n_w reals that have any, the buckets of round
 * k are (k + 1/2) * n_w: distinct and increasing, below m for every turn a
 * floor quota gives. The counting sort then yields the paper's round robin
 * in key order; built directly, through a list of the reals still having
 * turns (act: at most m of them).
 */
static bool round_robin(const struct mg_real *mr, size_t n,
			uint32_t *act, uint32_t *order)
{
	uint32_t w = 0, na = 0;

	for (size_t i = 0; i < n; i++) {
		if (!mr[i].weight)
			continue;
		if (w && mr[i].weight != w)
			return false;
		w = mr[i].weight;
		if (mr[i].quota)
			act[na++] = (uint32_t)i;
	}
	for (uint32_t k = 0; na; k++) { /* until every quota is used */
		uint32_t keep = 0;

		for (uint32_t j = 0; j < na; j++) {
			*order++ = act[j];
			if (mr[act[j]].quota > k + 1)
				act[keep++] = act[j];
		}
		na = keep;
	}
	return true;
}

/*
 * Counting sort of the m turns by time. The k-th turn of a real of weight w
 * comes at (k + 1/2) * W / (m * w) of the fill, i.e. in bucket
 * (2k + 1) * W / 2w: times depend on the weights only, so adding or removing
 * a real scales them all alike and keeps the others' order. cnt[m] is
 * scratch.
 */
static void order_turns(const struct mg_real *mr, struct turn_iter *turns, size_t n,
			uint32_t m, uint64_t total, uint32_t *cnt, uint32_t *order)
{
	if (round_robin(mr, n, cnt, order)) /* cnt as the list */
		return;
	memset(cnt, 0, (size_t)m * sizeof(*cnt));
	for (size_t i = 0; i < n; i++) {
		struct turn_iter it;

		if (!mr[i].quota)
			continue;
		turn_start(&turns[i], mr[i].weight, total);
		it = turns[i];
		for (uint32_t k = 0; k < mr[i].quota; k++)
			cnt[turn_next(&it, m)]++;
	}
	for (uint32_t b = 0, sum = 0; b < m; b++) { /* bucket starts */
		uint32_t c = cnt[b];

		cnt[b] = sum;
		sum += c;
	}
	for (size_t i = 0; i < n; i++) {
		struct turn_iter it;

		if (!mr[i].quota)
			continue;
		it = turns[i];
		for (uint32_t k = 0; k < mr[i].quota; k++)
			order[cnt[turn_next(&it, m)]++] = (uint32_t)i;
	}
}

/*
 * Each turn claims the real's next free slot in its permutation; most first
 * candidates are free and the probing starts only when not. The next turn's
 * real is loaded before this turn probes: a mispredicted end of the probing
 * then does not also replay those loads.
 */
static void fill_probe(struct mg_real *mr, const uint32_t *order, uint32_t turns,
		       uint64_t *used, uint32_t m, uint32_t *table)
{
	uint32_t ri = order[0], nx = mr[ri].next, sk = mr[ri].skip;

	for (uint32_t t = 0; t < turns; t++) {
		uint32_t rn = order[t + 1]; /* a later turn, or the caller's sentinel */
		uint32_t nx2 = mr[rn].next, sk2 = mr[rn].skip, pos = nx;

		if (!is_free(used, pos))
			pos = probe(used, pos, sk, m);
		used[pos / 64] |= 1ull << (pos % 64);
		table[pos] = mr[ri].id;
		mr[ri].next = step(pos, sk, m);
		if (rn == ri)
			nx2 = mr[ri].next;
		ri = rn;
		nx = nx2;
		sk = sk2;
	}
}

/*
 * The last turns: once few slots are free, probing costs about m / free
 * steps per turn, so each turn instead picks, among the free slots, the one
 * fewest permutation steps ahead (distance times the inverse of skip, mod m):
 * the same slot the probing would reach.
 */
static uint32_t fill_last(struct mg_real *mr, const uint32_t *order, uint32_t turns,
			  const uint64_t *used, uint32_t *fr, uint32_t m, uint32_t *table)
{
	/* d * inv < 2^40: a double reciprocal gives the quotient within 1. */
	const double minv = 1.0 / m;
	uint32_t nfree = 0;

	for (uint32_t w = 0; w < (m + 63) / 64; w++) {
		uint64_t bits = ~used[w];

		if (w == m / 64)
			bits &= (1ull << (m % 64)) - 1; /* m is odd: never 64 */
		for (; bits; bits &= bits - 1)
			fr[nfree++] = w * 64 + (uint32_t)__builtin_ctzll(bits);
	}
	for (uint32_t t = 0; t < turns; t++) {
		struct mg_real *r = &mr[order[t]];
		int64_t best = INT64_MAX;
		uint32_t bi = 0, pos;

		if (!r->inv)
			r->inv = mod_inverse(r->skip, m);
		for (uint32_t k = 0; k < nfree; k++) {
			int64_t d = (int64_t)fr[k] - r->next;
			int64_t prod, steps;

			if (d < 0)
				d += m;
			prod = d * r->inv;
			steps = prod - (int64_t)((double)prod * minv) * m;
			if (steps < 0)
				steps += m;
			else if (steps >= (int64_t)m)
				steps -= m;
			if (steps < best) {
				best = steps;
				bi = k;
			}
		}
		pos = fr[bi];
		fr[bi] = fr[--nfree];
		table[pos] = r->id;
		r->next = step(pos, r->skip, m);
	}
	return nfree;
}

/* A 64-bit finaliser (splitmix64's). */
static inline uint64_t mix64(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

/* How much real r wants slot pos; ties, as unlikely as they are, to the lower slot. */
static inline bool prefers(const struct mg_real *r, uint32_t pos, uint32_t other)
{
	uint64_t a = mix64(r->pref ^ (pos * 0x9e3779b97f4a7c15ull));
	uint64_t b = mix64(r->pref ^ (other * 0x9e3779b97f4a7c15ull));

	return a != b ? a > b : pos < other;
}

/*
 * The free slots fr[0..nfree) to distinct reals with weight (see struct
 * mg_match). nfree is below the number of such reals, so every slot is
 * matched: a slot is turned away by a real only for another slot, and no
 * real is left without one while a slot still proposes. Returns 0, or
 * -EINVAL should a slot ever run out of reals (it cannot), rather than
 * leave an entry unwritten.
 */
static int match_rest(const struct mg_real *mr, size_t n, struct mg_match *mt,
		       const uint32_t *fr, uint32_t nfree, uint32_t *table)
{
	uint32_t *head = mt->head, sp = 0;

	memset(head, 0, (MG_BUCKETS + 1) * sizeof(*head));
	for (size_t i = 0; i < n; i++) {
		mt->holder[i] = 0;
		if (mr[i].weight)
			head[(mr[i].pref & (MG_BUCKETS - 1)) + 1]++;
	}
	for (uint32_t b = 0; b < MG_BUCKETS; b++)
		head[b + 1] += head[b];
	/* Place each real at its bucket's cursor, then move the starts back. */
	for (size_t i = 0; i < n; i++)
		if (mr[i].weight)
			mt->list[head[mr[i].pref & (MG_BUCKETS - 1)]++] = (uint32_t)i;
	for (uint32_t b = MG_BUCKETS; b > 0; b--)
		head[b] = head[b - 1];
	head[0] = 0;

	for (uint32_t k = 0; k < nfree; k++) {
		mt->walk[2 * k] = 0;
		mt->walk[2 * k + 1] = 0;
		mt->stack[sp++] = k;
	}
	while (sp) {
		uint32_t k = mt->stack[--sp], pos = fr[k], cand, *bw = &mt->walk[2 * k];
		uint64_t h = mix64(pos * 0xd6e8feb86659fd93ull + 0x9e3779b97f4a7c15ull);
		uint32_t start = (uint32_t)h & (MG_BUCKETS - 1);
		uint32_t stride = ((uint32_t)(h >> 32) & (MG_BUCKETS - 1)) | 1;

		for (;;) { /* the next real on this slot's list */
			uint32_t b = (start + bw[0] * stride) & (MG_BUCKETS - 1);

			if (bw[0] >= MG_BUCKETS)
				return -EINVAL;
			if (bw[1] < head[b + 1] - head[b]) {
				cand = mt->list[head[b] + bw[1]++];
				break;
			}
			bw[0]++;
			bw[1] = 0;
		}
		if (!mt->holder[cand]) {
			mt->holder[cand] = k + 1;
		} else {
			uint32_t o = mt->holder[cand] - 1;

			if (prefers(&mr[cand], pos, fr[o])) {
				mt->holder[cand] = k + 1;
				mt->stack[sp++] = o;
			} else {
				mt->stack[sp++] = k;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		if (mt->holder[i])
			table[fr[mt->holder[i] - 1]] = mr[i].id;
	return 0;
}

int dp_maglev_build(const struct dp_maglev_real *reals, size_t n, uint32_t m,
		    uint32_t *table)
{
	struct mg_scratch sc = { 0 };
	uint64_t total = 0, mu_m, mu_m1;
	uint32_t extra, turns, scan, probe_turns, nfree;
	int err = -EINVAL;

	if (!lb_ring_size_ok(m) || !table || (n && !reals))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!reals[i].id)
			goto out;
		total += reals[i].weight;
	}
	err = 0;
	if (!n)
		goto out;
	err = scratch_alloc(&sc, n, m);
	if (err)
		goto out;

	for (size_t i = 0; i < n; i++) {
		uint8_t b[19];

		key_bytes(&reals[i], b);
		sort_key(b, (uint32_t)i, &sc.keys[i]);
	}
	sort_keys(sc.keys, sc.tmp, n);
	err = -EINVAL;
	for (size_t i = 1; i < n; i++)
		if (!cmp_key(&sc.keys[i - 1], &sc.keys[i]))
			goto out;
	err = 0;
	if (!total)
		goto out;

	mu_m = UINT64_MAX / m;
	mu_m1 = UINT64_MAX / (m - 1);
	for (size_t i = 0; i < n; i++) {
		const struct dp_maglev_real *r = &reals[sc.keys[i].idx];
		uint8_t b[19];

		key_bytes(r, b);
		sc.mr[i].id = r->id;
		sc.mr[i].weight = r->weight;
		sc.mr[i].next = (uint32_t)mod_mu(key_hash(b, sizeof(b), 0x9ae16a3b2f90404full),
						 m, mu_m);
		sc.mr[i].skip = (uint32_t)mod_mu(key_hash(b, sizeof(b), 0xc3a5c85c97cb3127ull),
						 m - 1, mu_m1) + 1;
		sc.mr[i].inv = 0;
		sc.mr[i].pref = key_hash(b, sizeof(b), 0x2545f4914f6cdd1dull);
	}
	extra = apportion(sc.mr, n, m, total);
	turns = m - extra;
	order_turns(sc.mr, sc.turns, n, m, total, table, sc.order);
	if (turns < m)
		sc.order[turns] = 0; /* fill_probe reads one turn ahead */

	/* Scan for the last turns while few slots are free, then match. */
	scan = MG_SCAN_BELOW > extra ? MG_SCAN_BELOW - extra : 0;
	scan = scan < turns ? scan : turns;
	probe_turns = turns - scan;
	if (probe_turns)
		fill_probe(sc.mr, sc.order, probe_turns, sc.used, m, table);
	nfree = fill_last(sc.mr, sc.order + probe_turns, scan, sc.used, sc.free, m,
			  table);
	err = match_rest(sc.mr, n, &sc.mt, sc.free, nfree, table);
out:
	/* Every slot is written by a fill; otherwise the table says "no real". */
	if (err || !total)
		memset(table, 0, (size_t)m * sizeof(*table));
	free(sc.mem);
	return err;
}
