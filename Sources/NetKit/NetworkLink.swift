/// One network interface of a namespace, as rtnetlink describes it.
public struct NetworkLink: Sendable, Hashable, CustomStringConvertible {
    /// The interface index (unique within its namespace).
    public var index: Int
    /// The interface name (`eth0`).
    public var name: String
    /// The link kind (`veth`, `bridge`, ...; nil for a physical device or loopback).
    public var kind: String?
    /// For a veth: the index of its peer (`IFLA_LINK`), in the namespace `peerNamespaceID` names.
    public var peerIndex: Int?
    /// The peer's namespace as this namespace's id for it (`IFLA_LINK_NETNSID`); nil when the
    /// peer is in the same namespace.
    public var peerNamespaceID: Int32?
    /// Whether the interface is up (`IFF_UP`).
    public var isUp: Bool
    /// Its IPv4 and IPv6 addresses, as text.
    public var addresses: [String]

    /// A link.
    public init(index: Int, name: String, kind: String? = nil, peerIndex: Int? = nil, peerNamespaceID: Int32? = nil,
                isUp: Bool = true, addresses: [String] = []) {
        self.index = index
        self.name = name
        self.kind = kind
        self.peerIndex = peerIndex
        self.peerNamespaceID = peerNamespaceID
        self.isUp = isUp
        self.addresses = addresses
    }

    public var description: String {
        "\(index): \(name)" + (kind.map { " (\($0))" } ?? "") + (peerIndex.map { " peer \($0)" } ?? "")
            + (addresses.isEmpty ? "" : " " + addresses.joined(separator: ","))
    }
}
