// SPDX-License-Identifier: GPL-2.0
/* DNS over UDP on pod interfaces (tc): queries by type, responses by response code. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>
#include "aeolus.h"

char LICENSE[] SEC("license") = "GPL";

/* The DNS server port; 53 unless a cluster runs its resolver elsewhere. */
const volatile __u16 port = 53;

#define MAX_LABELS 32

struct dns_key {
    __u8 kind;   /* 0 query, 1 response */
    __u8 rcode;  /* responses only */
    __u16 qtype; /* host byte order; 0 when the question could not be parsed */
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, struct dns_key);
    __type(value, __u64);
} dns_messages SEC(".maps");

static __always_inline int observe(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
        return TC_ACT_UNSPEC;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP)
        return TC_ACT_UNSPEC;
    __u32 udp_off = ETH_HLEN + ip->ihl * 4;
    struct udphdr udp;
    if (bpf_skb_load_bytes(skb, udp_off, &udp, sizeof(udp)))
        return TC_ACT_UNSPEC;
    bool query = bpf_ntohs(udp.dest) == port, response = bpf_ntohs(udp.source) == port;
    if (!query && !response)
        return TC_ACT_UNSPEC;

    __u8 header[12];
    __u32 off = udp_off + sizeof(udp);
    if (bpf_skb_load_bytes(skb, off, header, sizeof(header)))
        return TC_ACT_UNSPEC;
    struct dns_key key = { .kind = (header[2] & 0x80) ? 1 : 0 };
    if (key.kind == 1)
        key.rcode = header[3] & 0x0f;

    /* Skip the first question's name, label by label, to reach its QTYPE. */
    off += sizeof(header);
    for (int i = 0; i < MAX_LABELS; i++) {
        __u8 len;
        if (bpf_skb_load_bytes(skb, off, &len, 1))
            goto count;
        off += 1;
        if (len == 0) {
            __u16 qtype;
            if (!bpf_skb_load_bytes(skb, off, &qtype, 2))
                key.qtype = bpf_ntohs(qtype);
            goto count;
        }
        if (len & 0xc0) /* compression pointer: not in a first question */
            goto count;
        off += len;
    }
count:
    aeolus_add(&dns_messages, &key, 1);
    return TC_ACT_UNSPEC;
}

SEC("tc")
int dns_ingress(struct __sk_buff *skb) { return observe(skb); }

SEC("tc")
int dns_egress(struct __sk_buff *skb) { return observe(skb); }
