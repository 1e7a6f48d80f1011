// rtnetlink (links, addresses, tc filters) constants and setns for NetKit; no library to link (the kernel's uapi and glibc).
#ifndef AEOLUS_CNETLINK_SHIM_H
#define AEOLUS_CNETLINK_SHIM_H

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/pkt_cls.h>
#include <sys/socket.h>

// ---- Namespaces: not exported by Swift's Glibc module. ----
extern int setns(int fd, int nstype);
#define AEOLUS_NETKIT_CLONE_NEWNET 0x40000000

static inline int aeolus_netkit_setns_net(int fd) { return setns(fd, AEOLUS_NETKIT_CLONE_NEWNET); }

#endif
