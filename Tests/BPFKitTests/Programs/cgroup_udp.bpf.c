/* Counts IPv4 UDP datagrams to `port` leaving a cgroup. */
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

const volatile __u16 port = 0;

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} egress_udp SEC(".maps");

SEC("cgroup_skb/egress")
int cg_udp_egress(struct __sk_buff *skb) {
    struct iphdr ip;
    struct udphdr udp;
    /* cgroup_skb data starts at the IP header. */
    if (skb->protocol != bpf_htons(0x0800)) return 1;
    if (bpf_skb_load_bytes(skb, 0, &ip, sizeof ip) || ip.protocol != IPPROTO_UDP) return 1;
    if (bpf_skb_load_bytes(skb, ip.ihl * 4, &udp, sizeof udp) || bpf_ntohs(udp.dest) != port) return 1;
    __u32 key = 0;
    __u64 *value = bpf_map_lookup_elem(&egress_udp, &key);
    if (value) __sync_fetch_and_add(value, 1);
    return 1;
}

char LICENSE[] SEC("license") = "GPL";
