import BPFKit

/// The kernel's `enum skb_drop_reason`, read once from its BTF.
enum KernelDropReasons {
    private static let cached: Result<[Int64: String], any Error> = Result { try KernelBTF.enumerators(of: "skb_drop_reason") }

    /// Value → enumerator name (`SKB_DROP_REASON_NO_SOCKET`).
    static func load() throws -> [Int64: String] { try cached.get() }
}
