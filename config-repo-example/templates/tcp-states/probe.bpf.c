// SPDX-License-Identifier: GPL-2.0
/* TCP state transitions and connect latency (tracepoint sock:inet_sock_set_state). */
#include <linux/bpf.h>
#include "aeolus.h"

char LICENSE[] SEC("license") = "GPL";

#define IPPROTO_TCP 6
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2

/* Layout of /sys/kernel/tracing/events/sock/inet_sock_set_state/format (stable since 4.16). */
struct set_state_args {
    __u64 common;
    const void *skaddr;
    int oldstate;
    int newstate;
    __u16 sport;
    __u16 dport;
    __u16 family;
    __u16 protocol;
    __u8 saddr[4];
    __u8 daddr[4];
    __u8 saddr_v6[16];
    __u8 daddr_v6[16];
};

struct transition_key {
    __u8 oldstate;
    __u8 newstate;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 256);
    __type(key, struct transition_key);
    __type(value, __u64);
} transitions SEC(".maps");

/* Connect start time per socket, from SYN_SENT until ESTABLISHED or close. */
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 16384);
    __type(key, __u64);
    __type(value, __u64);
} connect_start SEC(".maps");

/* exp2 histogram of connect latency in microseconds: key = bucket (floor log2). */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 64);
    __type(key, __u32);
    __type(value, __u64);
} connect_latency_us SEC(".maps");

SEC("tracepoint/sock/inet_sock_set_state")
int on_set_state(struct set_state_args *args)
{
    if (args->protocol != IPPROTO_TCP)
        return 0;
    struct transition_key key = { .oldstate = args->oldstate, .newstate = args->newstate };
    aeolus_add(&transitions, &key, 1);

    __u64 sk = (__u64)args->skaddr;
    if (args->newstate == TCP_SYN_SENT) {
        __u64 now = bpf_ktime_get_ns();
        bpf_map_update_elem(&connect_start, &sk, &now, BPF_ANY);
        return 0;
    }
    if (args->oldstate != TCP_SYN_SENT)
        return 0;
    __u64 *start = bpf_map_lookup_elem(&connect_start, &sk);
    if (!start)
        return 0;
    if (args->newstate == TCP_ESTABLISHED) {
        __u32 bucket = aeolus_log2((bpf_ktime_get_ns() - *start) / 1000);
        aeolus_add(&connect_latency_us, &bucket, 1);
    }
    bpf_map_delete_elem(&connect_start, &sk);
    return 0;
}
