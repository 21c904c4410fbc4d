// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * Benchmark helpers, not shipped to operators: the floors (XDP_PASS only,
 * MAC swap + XDP_TX) and a wrapper that restores the test frame before every
 * iteration and tail-calls the program under test. BPF_PROG_TEST_RUN with
 * repeat > 1 re-runs on the buffer the previous iteration rewrote; without
 * the restore an encapsulating program would forward only once per call.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

#define BENCH_COPY 80 /* bytes restored per iteration; frames are >= this */

struct bench_frame {
	__u32 len;       /* original frame length */
	__u32 seq_off;  /* non-zero: write an iteration count (32 bits) here */
	__u8 data[BENCH_COPY];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_frame);
} bench_frame SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_seq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_jmp SEC(".maps");

SEC("xdp")
int xdp_pass_only(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int xdp_swap_tx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 mac[ETH_ALEN];

	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	return XDP_TX;
}

/*
 * Floors for encapsulating cases: after an IPIP forward the restore must
 * move the head back, a helper call the XDP_PASS floor behind it never makes.
 * xdp_push_pass (run behind the restore) grows the frame like IPIP does, so
 * that floor includes the restore's own bpf_xdp_adjust_head; xdp_push_pop
 * (run directly) measures two adjust calls, so one call's cost is known and
 * can be taken out of the push floor again.
 */
#define BENCH_PUSH 20 /* an outer IPv4 header */

SEC("xdp")
int xdp_push_pass(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_head(ctx, -BENCH_PUSH))
		return XDP_ABORTED;
	return XDP_PASS;
}

SEC("xdp")
int xdp_push_pop(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_head(ctx, -BENCH_PUSH) ||
	    bpf_xdp_adjust_head(ctx, BENCH_PUSH))
		return XDP_ABORTED;
	return XDP_PASS;
}

SEC("xdp")
int xdp_restore(struct xdp_md *ctx)
{
	struct bench_frame *f;
	void *data, *end;
	__u32 zero = 0, *seq;
	int delta;

	f = bpf_map_lookup_elem(&bench_frame, &zero);
	if (!f)
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	delta = (int)(end - data) - (int)f->len;
	if (delta && bpf_xdp_adjust_head(ctx, delta))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + BENCH_COPY > end)
		return XDP_ABORTED;
	/* Eight bytes at a time (unaligned packet stores are fine on x86). */
#pragma unroll
	for (int i = 0; i < BENCH_COPY; i += 8)
		*(__u64 *)(data + i) = *(__u64 *)(f->data + i);
	if (f->seq_off) {
		seq = bpf_map_lookup_elem(&bench_seq, &zero);
		if (seq) {
			__u32 *w = data + (f->seq_off & 0x3f);

			*seq += 1;
			if ((void *)(w + 1) <= end)
				*w = *seq;
		}
	}
	bpf_tail_call(ctx, &bench_jmp, 0);
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
