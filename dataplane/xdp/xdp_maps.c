// SPDX-License-Identifier: GPL-2.0-only
#include "dataplane/xdp/xdp_maps.h"

#include "dataplane/xdp/bpf/lb_hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static const char *const stat_names[LB_STAT_MAX] = {
    [LB_STAT_PASS_NOT_IP] = "pass_not_ip",
    [LB_STAT_PASS_NOT_VIP] = "pass_not_vip",
    [LB_STAT_PASS_NOT_SERVICE] = "pass_not_service",
    [LB_STAT_PASS_NO_NEIGH] = "pass_no_neigh",
    [LB_STAT_TX] = "tx",
    [LB_STAT_REDIRECT] = "redirect",
    [LB_STAT_DROP_MALFORMED] = "drop_malformed",
    [LB_STAT_DROP_NO_REAL] = "drop_no_real",
    [LB_STAT_DROP_FRAG] = "drop_frag",
    [LB_STAT_DROP_NO_ROUTE] = "drop_no_route",
    [LB_STAT_DROP_ENCAP] = "drop_encap",
    [LB_STAT_DROP_V6_EXT] = "drop_v6_ext",
    [LB_STAT_LRU_HIT] = "lru_hit",
    [LB_STAT_LRU_MISS] = "lru_miss",
    [LB_STAT_FLOOD_BYPASS] = "flood_bypass",
    [LB_STAT_ICMP_ECHO] = "icmp_echo",
    [LB_STAT_ICMP_ERROR] = "icmp_error",
    [LB_STAT_ICMP_PASS] = "icmp_pass",
    [LB_STAT_IPV4_OPTIONS] = "ipv4_options",
    [LB_STAT_FRAG_FWD] = "frag_fwd",
    [LB_STAT_NAT_CT_NEW] = "nat_ct_new",
    [LB_STAT_NAT_REPLY] = "nat_reply",
};

const char *dp_xdp_stat_name(unsigned int idx)
{
	return idx < LB_STAT_MAX ? stat_names[idx] : NULL;
}

/*
 * Point the spare slot at its new extent, then flip: two updates, each
 * changing one field while rewriting the others with their own bytes, so a
 * packet reading the state during either never pairs a slot with the other
 * slot's extent (the spare's fields are not read before the flip).
 */
int dp_xdp_ring_flip(int state_fd, uint32_t svc_id, struct lb_svc_state *st,
		     uint32_t base, uint32_t m)
{
	uint32_t spare = (st->ring_slot & 1) ^ 1;

	if (st->base[spare] != base || st->size[spare] != m) {
		st->base[spare] = base;
		st->size[spare] = m;
		if (bpf_map_update_elem(state_fd, &svc_id, st, BPF_ANY))
			return -errno;
	}
	st->ring_slot = spare;
	if (bpf_map_update_elem(state_fd, &svc_id, st, BPF_ANY))
		return -errno;
	return 0;
}

int dp_xdp_ring_publish(int rings_fd, int state_fd, uint32_t svc_id,
			uint32_t base, uint32_t m, const uint32_t *table)
{
	struct lb_svc_state st = {0};
	uint32_t *keys = NULL, n;
	int err;

	if (bpf_map_lookup_elem(state_fd, &svc_id, &st))
		return -errno;
	keys = malloc((size_t)m * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (uint32_t i = 0; i < m; i++)
		keys[i] = base + i;
	n = m;
	err = bpf_map_update_batch(rings_fd, keys, table, &n, NULL);
	if (err) {
		/* Kernels without batch ops on arrays: one by one. */
		err = 0;
		for (uint32_t i = 0; i < m && !err; i++)
			if (bpf_map_update_elem(rings_fd, &keys[i], &table[i],
						BPF_ANY))
				err = -errno;
	}
	free(keys);
	if (err)
		return err;
	return dp_xdp_ring_flip(state_fd, svc_id, &st, base, m);
}

int dp_xdp_percpu_sum(int fd, uint32_t key, unsigned int n_u64, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;
	int err = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc((size_t)ncpu * n_u64, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	memset(out, 0, n_u64 * sizeof(*out));
	if (bpf_map_lookup_elem(fd, &key, vals)) {
		err = -errno;
	} else {
		for (int c = 0; c < ncpu; c++)
			for (unsigned int j = 0; j < n_u64; j++)
				out[j] += vals[(size_t)c * n_u64 + j];
	}
	free(vals);
	return err;
}

int dp_xdp_vip_filter_adjust(int fd, const uint32_t addr[4], int delta)
{
	uint32_t slot = lb_vip_slot(addr), n = 0;

	if (bpf_map_lookup_elem(fd, &slot, &n))
		return -errno;
	if (delta < 0 && n < (uint32_t)-delta)
		return -ERANGE;
	n += (uint32_t)delta;
	return bpf_map_update_elem(fd, &slot, &n, BPF_ANY) ? -errno : 0;
}

uint32_t dp_xdp_flow_sets(uint64_t flows)
{
	uint64_t sets = (flows + LB_FLOW_WAYS - 1) / LB_FLOW_WAYS;

	return sets ? (sets > UINT32_MAX ? UINT32_MAX : (uint32_t)sets) : 1;
}

int dp_xdp_flow_lookup(int fd, uint32_t sets, const struct lb_flow_key *key,
		       uint32_t *real_id)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t h64 = lb_hash_flow64(key);
	uint32_t idx = lb_flow_set_of(h64, sets);
	uint32_t fp = lb_flow_fp(h64);
	struct lb_flow_set set;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	/* CPU c keeps its flows in slice c: sets c * sets onwards. */
	for (uint64_t c = 0; c < (uint64_t)ncpu; c++) {
		uint64_t i = c * sets + idx;
		uint32_t k32 = (uint32_t)i;

		if (i > UINT32_MAX)
			return -ERANGE;
		if (bpf_map_lookup_elem(fd, &k32, &set))
			return -errno;
		for (int w = 0; w < LB_FLOW_WAYS; w++) {
			if (set.fp[w] == fp) {
				*real_id = set.real_id[w];
				return 0;
			}
		}
	}
	return -ENOENT;
}

static int svc_set_write(int fd, uint32_t idx, const struct lb_svc_set *set)
{
	return bpf_map_update_elem(fd, &idx, set, BPF_ANY) ? -errno : 0;
}

int dp_xdp_service_put(int svc_fd, int sets_fd, uint32_t mask,
		       const struct lb_svc_key *key,
		       const struct lb_svc_val *val)
{
	uint32_t idx = lb_hash_svc(key) & mask;
	struct lb_svc_set set;
	int way = -1, err;

	if (!val->id)
		return -EINVAL;
	if (bpf_map_update_elem(svc_fd, key, val, BPF_ANY))
		return -errno;
	if (bpf_map_lookup_elem(sets_fd, &idx, &set))
		return -errno;
	for (int w = 0; w < LB_SVC_WAYS; w++) {
		if (set.e[w].v.id && !memcmp(&set.e[w].k, key, sizeof(*key))) {
			set.e[w].v = *val;
			return svc_set_write(sets_fd, idx, &set);
		}
		if (!set.e[w].v.id && way < 0)
			way = w;
	}
	if (way < 0) {
		set.overflow = 1;
		return svc_set_write(sets_fd, idx, &set);
	}
	memset(&set.e[way], 0, sizeof(set.e[way]));
	set.e[way].k = *key;
	err = svc_set_write(sets_fd, idx, &set);
	if (err)
		return err;
	set.e[way].v = *val;
	return svc_set_write(sets_fd, idx, &set);
}

int dp_xdp_service_del(int svc_fd, int sets_fd, uint32_t mask,
		       const struct lb_svc_key *key)
{
	uint32_t idx = lb_hash_svc(key) & mask;
	struct lb_svc_set set;
	int err;

	if (bpf_map_lookup_elem(sets_fd, &idx, &set))
		return -errno;
	for (int w = 0; w < LB_SVC_WAYS; w++) {
		if (!set.e[w].v.id || memcmp(&set.e[w].k, key, sizeof(*key)))
			continue;
		set.e[w].v.id = 0;
		err = svc_set_write(sets_fd, idx, &set);
		if (err)
			return err;
		memset(&set.e[w], 0, sizeof(set.e[w]));
		err = svc_set_write(sets_fd, idx, &set);
		if (err)
			return err;
		break;
	}
	if (bpf_map_delete_elem(svc_fd, key) && errno != ENOENT)
		return -errno;
	return 0;
}
