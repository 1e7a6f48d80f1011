/* Reads packet data without a bounds check: the verifier must refuse it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int tc_unchecked(struct __sk_buff *skb) {
    return *(__u32 *)(long)skb->data;
}

char LICENSE[] SEC("license") = "GPL";
