// SPDX-License-Identifier: GPL-2.0
/* Packets the kernel dropped, by drop reason (tp_btf/kfree_skb: typed arguments, no layout). */
#include <linux/bpf.h>
#include "aeolus.h"

char LICENSE[] SEC("license") = "GPL";

/* Drops with reason NOT_SPECIFIED (2) are mostly routine frees; count them only when asked. */
const volatile bool include_unspecified = false;

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, 512);
    __type(key, __u32);   /* enum skb_drop_reason */
    __type(value, __u64);
} drops SEC(".maps");

/* kfree_skb(struct sk_buff *skb, void *location, enum skb_drop_reason reason, struct sock *rx_sk) */
SEC("tp_btf/kfree_skb")
int on_kfree_skb(__u64 *ctx)
{
    __u32 reason = (__u32)ctx[2];
    if (reason == 2 && !include_unspecified)
        return 0;
    aeolus_add_percpu(&drops, &reason, 1);
    return 0;
}
