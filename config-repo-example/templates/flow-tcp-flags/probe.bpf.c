// SPDX-License-Identifier: GPL-2.0
/* TCP flags of one flow on pod interfaces (tc): SYNs, FINs, RSTs and zero windows show how a
 * struggling flow behaves. The second drill-down level, parameterised like flow-latency. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>
#include "aeolus.h"

char LICENSE[] SEC("license") = "GPL";

/* Aligned so each address is one 32-bit load, not four byte loads. */
const volatile __u8 saddr[4] __attribute__((aligned(4))) = {};
const volatile __u8 daddr[4] __attribute__((aligned(4))) = {};
const volatile __u16 sport = 0;
const volatile __u16 dport = 0;

enum flag { FLAG_SYN, FLAG_FIN, FLAG_RST, FLAG_ZERO_WINDOW, FLAG_DATA };

/* The TCP flag bits in byte 13 of the header. */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04

struct flag_key {
    __u32 saddr; /* network byte order */
    __u32 daddr;
    __u16 sport;
    __u16 dport;
    __u8 direction; /* 0 ingress, 1 egress */
    __u8 flag;
    __u16 pad;
};

/* Per CPU: each CPU adds to its own slot, no atomic; the collector sums the slots. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, 1024);
    __type(key, struct flag_key);
    __type(value, __u64);
} tcp_flags SEC(".maps");

/* Whether `got` (network order) is the wanted address; 0.0.0.0 wants any. */
static __always_inline bool addr_is(const volatile __u8 *want, __u32 got)
{
    __u32 w = *(const volatile __u32 *)want;
    return w == 0 || w == got;
}

static __always_inline int observe(struct __sk_buff *skb, __u8 direction)
{
    /* skb->protocol is the EtherType already parsed: one context load, no packet bytes. */
    if (skb->protocol != bpf_htons(ETH_P_IP))
        return TC_ACT_UNSPEC;
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    struct iphdr *ip = data + ETH_HLEN;
    if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_TCP)
        return TC_ACT_UNSPEC;
    __u32 ihl = ip->ihl * 4;
    struct tcphdr *tcp = (void *)ip + ihl;
    if ((void *)(tcp + 1) > end)
        return TC_ACT_UNSPEC;

    __u16 sp = bpf_ntohs(tcp->source), dp = bpf_ntohs(tcp->dest);
    bool forward = addr_is(saddr, ip->saddr) && addr_is(daddr, ip->daddr) &&
                   (!sport || sport == sp) && (!dport || dport == dp);
    bool reverse = !forward && addr_is(saddr, ip->daddr) && addr_is(daddr, ip->saddr) &&
                   (!sport || sport == dp) && (!dport || dport == sp);
    if (!forward && !reverse)
        return TC_ACT_UNSPEC;

    struct flag_key key = { .saddr = ip->saddr, .daddr = ip->daddr, .sport = sp, .dport = dp, .direction = direction };
    __u8 flags = ((__u8 *)tcp)[13]; /* one load for every flag, not one per bitfield */
    if (flags & TCP_SYN) { key.flag = FLAG_SYN; aeolus_add_percpu(&tcp_flags, &key, 1); }
    if (flags & TCP_FIN) { key.flag = FLAG_FIN; aeolus_add_percpu(&tcp_flags, &key, 1); }
    if (flags & TCP_RST) { key.flag = FLAG_RST; aeolus_add_percpu(&tcp_flags, &key, 1); }
    if (!(flags & (TCP_SYN | TCP_RST)) && tcp->window == 0) {
        key.flag = FLAG_ZERO_WINDOW;
        aeolus_add_percpu(&tcp_flags, &key, 1);
    }
    if (bpf_ntohs(ip->tot_len) > ihl + tcp->doff * 4) {
        key.flag = FLAG_DATA;
        aeolus_add_percpu(&tcp_flags, &key, 1);
    }
    return TC_ACT_UNSPEC;
}

SEC("tc")
int flags_ingress(struct __sk_buff *skb) { return observe(skb, 0); }

SEC("tc")
int flags_egress(struct __sk_buff *skb) { return observe(skb, 1); }
