// SPDX-License-Identifier: GPL-2.0
/* TCP retransmissions per IPv4 flow (tracepoint tcp:tcp_retransmit_skb). */
#include <linux/bpf.h>
#include "aeolus.h"

char LICENSE[] SEC("license") = "GPL";

/* Optional filter: count only flows to this destination port (0 = all). */
const volatile __u16 dport = 0;

/* Layout of /sys/kernel/tracing/events/tcp/tcp_retransmit_skb/format (stable since 4.16). */
struct tcp_retransmit_args {
    __u64 common;
    const void *skbaddr;
    const void *skaddr;
    int state;
    __u16 sport;  /* host byte order */
    __u16 dport;
    __u16 family;
    __u8 saddr[4];
    __u8 daddr[4];
    __u8 saddr_v6[16];
    __u8 daddr_v6[16];
};

struct flow_key {
    __u8 saddr[4];
    __u8 daddr[4];
    __u16 sport;
    __u16 dport;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 8192);
    __type(key, struct flow_key);
    __type(value, __u64);
} retransmits SEC(".maps");

SEC("tracepoint/tcp/tcp_retransmit_skb")
int on_retransmit(struct tcp_retransmit_args *args)
{
    if (args->family != 2 /* AF_INET */)
        return 0;
    if (dport && args->dport != dport)
        return 0;
    struct flow_key key = { .sport = args->sport, .dport = args->dport };
    __builtin_memcpy(key.saddr, args->saddr, 4);
    __builtin_memcpy(key.daddr, args->daddr, 4);
    aeolus_add(&retransmits, &key, 1);
    return 0;
}
