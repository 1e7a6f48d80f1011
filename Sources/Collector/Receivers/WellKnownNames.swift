/// Names of protocol numbers the label decoders translate.
enum WellKnownNames {
    /// IANA IP protocol numbers.
    static let ipProtocols: [UInt64: String] = [
        1: "icmp", 2: "igmp", 4: "ipip", 6: "tcp", 17: "udp", 41: "ipv6", 47: "gre", 50: "esp", 51: "ah",
        58: "icmpv6", 89: "ospf", 103: "pim", 112: "vrrp", 132: "sctp", 136: "udplite", 137: "mpls", 255: "raw",
    ]

    /// EtherTypes (host byte order).
    static let etherTypes: [UInt64: String] = [
        0x0800: "ipv4", 0x0806: "arp", 0x86DD: "ipv6", 0x8100: "vlan", 0x88A8: "qinq", 0x8847: "mpls",
        0x8848: "mpls_multicast", 0x8035: "rarp", 0x88CC: "lldp", 0x8864: "pppoe", 0x88E5: "macsec",
    ]

    /// The kernel's TCP states (`include/net/tcp_states.h`).
    static let tcpStates: [UInt64: String] = [
        1: "established", 2: "syn_sent", 3: "syn_recv", 4: "fin_wait1", 5: "fin_wait2", 6: "time_wait",
        7: "close", 8: "close_wait", 9: "last_ack", 10: "listen", 11: "closing", 12: "new_syn_recv",
    ]

    /// DNS response codes (RFC 1035, 2136).
    static let dnsRcodes: [UInt64: String] = [
        0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED", 6: "YXDOMAIN",
        7: "YXRRSET", 8: "NXRRSET", 9: "NOTAUTH", 10: "NOTZONE",
    ]

    /// DNS query types.
    static let dnsQtypes: [UInt64: String] = [
        1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 13: "HINFO", 15: "MX", 16: "TXT", 28: "AAAA", 33: "SRV",
        35: "NAPTR", 39: "DNAME", 41: "OPT", 43: "DS", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 52: "TLSA",
        64: "SVCB", 65: "HTTPS", 99: "SPF", 252: "AXFR", 255: "ANY", 257: "CAA",
    ]
}
