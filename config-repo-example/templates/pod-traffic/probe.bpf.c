// SPDX-License-Identifier: GPL-2.0
/* Packets and bytes per pod interface, by direction, EtherType and IP protocol (tc). */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>
#include "aeolus.h"

char LICENSE[] SEC("license") = "GPL";

/* Label layout shared with template.yaml: 8 bytes, no padding. */
struct traffic_key {
    __u32 ifindex;
    __u8 direction;  /* 0 ingress, 1 egress */
    __u8 protocol;   /* IP protocol number, 0 when not IP */
    __u16 ethertype; /* host byte order */
};

/* Both counters in one value: one map lookup per packet. */
struct traffic_value {
    __u64 packets;
    __u64 bytes;
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, 4096);
    __type(key, struct traffic_key);
    __type(value, struct traffic_value);
} traffic SEC(".maps");

static __always_inline int count(struct __sk_buff *skb, __u8 direction)
{
    struct traffic_key key = {
        .ifindex = skb->ifindex,
        .direction = direction,
        .ethertype = bpf_ntohs(skb->protocol),
    };
    /* The protocol byte sits at a fixed offset in both IP headers; read it straight from the
     * linear packet data (cheaper than bpf_skb_load_bytes). */
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    __u32 offset = key.ethertype == ETH_P_IP ? ETH_HLEN + 9 : key.ethertype == ETH_P_IPV6 ? ETH_HLEN + 6 : 0;
    if (offset && data + offset + 1 <= end)
        key.protocol = *(__u8 *)(data + offset);
    struct traffic_value *value = bpf_map_lookup_elem(&traffic, &key);
    if (!value) {
        struct traffic_value zero = {};
        bpf_map_update_elem(&traffic, &key, &zero, BPF_NOEXIST);
        value = bpf_map_lookup_elem(&traffic, &key);
        if (!value)
            return TC_ACT_UNSPEC;
    }
    /* Per-CPU: this CPU's slot alone, no atomics needed. */
    value->packets += 1;
    value->bytes += skb->len;
    return TC_ACT_UNSPEC; /* observe only: let the next filter decide */
}

SEC("tc")
int count_ingress(struct __sk_buff *skb) { return count(skb, 0); }

SEC("tc")
int count_egress(struct __sk_buff *skb) { return count(skb, 1); }
