/* Counts IPv4 UDP frames to `port` (0: any port) on tc and on XDP. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "packet.h"

const volatile __u16 port = 0;

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} tc_counts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} xdp_counts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, __u16);
    __type(value, __u64);
} by_port SEC(".maps");

static __always_inline void count(void *map, void *data, void *data_end) {
    int dport = udp_dport(data, data_end);
    if (dport < 0 || (port != 0 && dport != port)) return;
    __u32 key = 0;
    __u64 *value = bpf_map_lookup_elem(map, &key);
    if (value) __sync_fetch_and_add(value, 1);
    __u16 p = dport;
    __u64 one = 1, *seen = bpf_map_lookup_elem(&by_port, &p);
    if (seen) __sync_fetch_and_add(seen, 1);
    else bpf_map_update_elem(&by_port, &p, &one, BPF_NOEXIST);
}

SEC("tc")
int tc_udp_count(struct __sk_buff *skb) {
    count(&tc_counts, (void *)(long)skb->data, (void *)(long)skb->data_end);
    return TC_ACT_OK;
}

SEC("xdp")
int xdp_udp_count(struct xdp_md *ctx) {
    count(&xdp_counts, (void *)(long)ctx->data, (void *)(long)ctx->data_end);
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
