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

/* Padded to 8 bytes: the kernel compares hash keys a word at a time when their size is a
 * multiple of 8, byte by byte otherwise (template.yaml declares the padding). */
struct dns_key {
    __u8 kind;   /* 0 query, 1 response */
    __u8 rcode;  /* responses only */
    __u16 qtype; /* host byte order; 0 when the question could not be parsed */
    __u32 pad;
};

/* Per CPU: each CPU adds to its own slot, no atomic; the collector sums the slots. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, 1024);
    __type(key, struct dns_key);
    __type(value, __u64);
} dns_messages SEC(".maps");

static __always_inline int observe(struct __sk_buff *skb)
{
    /* skb->protocol is the EtherType already parsed: one context load, no packet bytes. */
    if (skb->protocol != bpf_htons(ETH_P_IP))
        return TC_ACT_UNSPEC;
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    struct iphdr *ip = data + ETH_HLEN;
    if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_UDP)
        return TC_ACT_UNSPEC;
    struct udphdr *udp = (void *)ip + ip->ihl * 4;
    __u8 *header = (void *)(udp + 1);
    /* One bounds check covers the UDP header and the 12-byte DNS header. */
    if ((void *)(header + 12) > end)
        return TC_ACT_UNSPEC;
    __u16 want = bpf_htons(port);
    if (udp->dest != want && udp->source != want)
        return TC_ACT_UNSPEC;

    struct dns_key key = {};
    if (header[2] & 0x80) { /* QR: a response */
        key.kind = 1;
        key.rcode = header[3] & 0x0f;
    }

    /* Skip the first question's name, label by label, to reach its QTYPE: a bounded walk over
     * the packet itself (direct packet access: no helper call per label). Each step checks
     * that the length byte and the two QTYPE bytes after it are in the packet: a name cut
     * short leaves QTYPE 0 either way. */
    __u8 *p = header + 12;
    for (int i = 0; i < MAX_LABELS; i++) {
        if ((void *)(p + 3) > end)
            break;
        __u8 len = *p;
        if (len == 0) {
            key.qtype = (__u16)p[1] << 8 | p[2];
            break;
        }
        if (len & 0xc0) /* compression pointer: not in a first question */
            break;
        p += len + 1;
    }
    aeolus_add_percpu(&dns_messages, &key, 1);
    return TC_ACT_UNSPEC;
}

SEC("tc")
int dns_ingress(struct __sk_buff *skb) { return observe(skb); }

SEC("tc")
int dns_egress(struct __sk_buff *skb) { return observe(skb); }
