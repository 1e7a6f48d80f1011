/* Shared by the packet test programs: the UDP destination port of an Ethernet frame. */
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>

/* The destination port (host order) of an IPv4 UDP frame, or -1 for anything else. */
static __always_inline int udp_dport(void *data, void *data_end) {
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP)) return -1;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_UDP || ip->ihl != 5) return -1;
    struct udphdr *udp = (void *)(ip + 1);
    if ((void *)(udp + 1) > data_end) return -1;
    return bpf_ntohs(udp->dest);
}
