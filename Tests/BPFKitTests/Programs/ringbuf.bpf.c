/* Sends each packet's length to a ring buffer (driven by BPF_PROG_TEST_RUN). */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096);
} events SEC(".maps");

SEC("tc")
int tc_ring_events(struct __sk_buff *skb) {
    __u32 *event = bpf_ringbuf_reserve(&events, sizeof *event, 0);
    if (!event) return TC_ACT_OK;
    *event = skb->len;
    bpf_ringbuf_submit(event, 0);
    return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
