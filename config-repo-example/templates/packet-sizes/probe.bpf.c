// SPDX-License-Identifier: GPL-2.0
/* Sizes of the packets a pod sends, as an exp2 histogram per interface (XDP on the host side
 * of the pod's veth: what the pod transmits arrives there). */
#include <linux/bpf.h>
#include "aeolus.h"

char LICENSE[] SEC("license") = "GPL";

struct size_key {
    __u32 ifindex;
    __u32 bucket; /* floor(log2(bytes)) */
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, 2048);
    __type(key, struct size_key);
    __type(value, __u64);
} packet_bytes SEC(".maps");

SEC("xdp")
int sizes(struct xdp_md *ctx)
{
    struct size_key key = {
        .ifindex = ctx->ingress_ifindex,
        .bucket = aeolus_log2(ctx->data_end - ctx->data),
    };
    aeolus_add_percpu(&packet_bytes, &key, 1);
    return XDP_PASS;
}
