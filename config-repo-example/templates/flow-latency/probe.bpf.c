// SPDX-License-Identifier: GPL-2.0
/* Round-trip time of one TCP flow, given as parameters (tracepoint tcp:tcp_probe).
 * The drill-down target: the dictator binds the flow from a retransmission event. */
#include <linux/bpf.h>
#include "aeolus.h"

char LICENSE[] SEC("license") = "GPL";

/* The flow, in either direction. Zero matches anything. Addresses in network byte order. */
const volatile __u8 saddr[4] = {};
const volatile __u8 daddr[4] = {};
const volatile __u16 sport = 0;
const volatile __u16 dport = 0;

/* Layout of /sys/kernel/tracing/events/tcp/tcp_probe/format (stable since 4.16). */
struct tcp_probe_args {
    __u64 common;
    __u8 saddr[28];  /* struct sockaddr_in or sockaddr_in6 */
    __u8 daddr[28];
    __u16 sport;     /* host byte order */
    __u16 dport;
    __u16 family;
    __u32 mark;
    __u16 data_len;
    __u32 snd_nxt;
    __u32 snd_una;
    __u32 snd_cwnd;
    __u32 ssthresh;
    __u32 snd_wnd;
    __u32 srtt;      /* smoothed RTT in microseconds (the tracepoint stores tp->srtt_us >> 3) */
    __u32 rcv_wnd;
};

struct flow_key {
    __u8 saddr[4];
    __u8 daddr[4];
    __u16 sport;
    __u16 dport;
};

struct rtt_key {
    struct flow_key flow;
    __u32 bucket;    /* floor(log2(srtt in microseconds)) */
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, struct rtt_key);
    __type(value, __u64);
} rtt_us SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 64);
    __type(key, struct flow_key);
    __type(value, __u64);
} cwnd SEC(".maps");

/* The latest smoothed RTT per flow, in microseconds: the gauge the next drill-down level watches. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 64);
    __type(key, struct flow_key);
    __type(value, __u64);
} srtt_us SEC(".maps");

static __always_inline bool addr_matches(const volatile __u8 *want, const __u8 *got)
{
    __u32 w = want[0] | want[1] << 8 | want[2] << 16 | (__u32)want[3] << 24;
    __u32 g = got[0] | got[1] << 8 | got[2] << 16 | (__u32)got[3] << 24;
    return w == 0 || w == g;
}

SEC("tracepoint/tcp/tcp_probe")
int on_tcp_probe(struct tcp_probe_args *args)
{
    if (args->family != 2 /* AF_INET */)
        return 0;
    struct flow_key key = { .sport = args->sport, .dport = args->dport };
    /* sockaddr_in: family(2) port(2) addr(4) */
    __builtin_memcpy(key.saddr, &args->saddr[4], 4);
    __builtin_memcpy(key.daddr, &args->daddr[4], 4);

    bool forward = addr_matches(saddr, key.saddr) && addr_matches(daddr, key.daddr) &&
                   (!sport || sport == key.sport) && (!dport || dport == key.dport);
    bool reverse = addr_matches(saddr, key.daddr) && addr_matches(daddr, key.saddr) &&
                   (!sport || sport == key.dport) && (!dport || dport == key.sport);
    if (!forward && !reverse)
        return 0;

    struct rtt_key rk = { .flow = key, .bucket = aeolus_log2(args->srtt) };
    aeolus_add(&rtt_us, &rk, 1);
    __u64 window = args->snd_cwnd, smoothed = args->srtt;
    bpf_map_update_elem(&cwnd, &key, &window, BPF_ANY);
    bpf_map_update_elem(&srtt_us, &key, &smoothed, BPF_ANY);
    return 0;
}
