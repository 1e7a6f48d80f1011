import AeolusModel
import Foundation

/// One step of a label's decoder chain (ebpf_exporter style): the first step reads the key
/// field's bytes, later steps read the previous step's text.
public struct LabelDecoder: Sendable {
    /// What a step reads: the field's raw bytes, and the previous step's output (nil for the first).
    public struct Input {
        /// The key field's bytes, in the kernel's layout.
        public let bytes: UnsafeRawBufferPointer
        /// The previous decoder's output.
        public let text: String?

        /// The field as an unsigned number: the previous text if it is a number, else the bytes
        /// read little-endian (host order on x86 and arm64).
        public var number: UInt64? {
            if let text { return UInt64(text) }
            return LabelDecoder.littleEndian(bytes)
        }
    }

    /// Every decoder name this collector knows: exactly the names templates may use
    /// (`DecoderSpec.standardNames`, which the repository validator checks).
    public static let names: Set<String> = DecoderSpec.standardNames

    /// The decoder's name.
    public let name: String
    private let decode: @Sendable (Input, DecoderContext) -> String

    /// The decoder `spec` names; throws `LabelDecoderError` for an unknown name or bad arguments.
    public init(_ spec: DecoderSpec) throws {
        name = spec.name
        let args = spec.args
        switch spec.name {
        case "uint", "ifindex":
            decode = { input, _ in input.number.map(String.init) ?? input.text ?? "" }
        case "hex":
            decode = { input, _ in
                input.text ?? input.bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
            }
        case "string":
            decode = { input, _ in
                input.text ?? String(decoding: input.bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
        case "inet_ip":
            decode = { input, _ in input.text ?? LabelDecoder.inetAddress(input.bytes) }
        case "port":
            decode = { input, _ in
                if let text = input.text { return text }
                guard input.bytes.count == 2 else { return input.number.map(String.init) ?? "" }
                return String(UInt16(input.bytes[0]) << 8 | UInt16(input.bytes[1]))
            }
        case "ifname":
            decode = { input, context in
                guard let index = input.number.map(Int.init) else { return input.text ?? "" }
                return context.interfaces[index]?.target ?? context.hostInterfaceName(index) ?? String(index)
            }
        case "pod", "namespace":
            let fromNetns = args["from"] == "netns"
            if let from = args["from"], from != "netns", from != "ifindex" {
                throw LabelDecoderError(decoder: spec.name, message: "argument from must be ifindex or netns, found \"\(from)\"")
            }
            let pod = spec.name == "pod"
            decode = { input, context in
                guard let number = input.number else { return "" }
                let attachment = fromNetns ? context.networkNamespaces[number] : context.interfaces[Int(number)]
                return (pod ? attachment?.pod : attachment?.namespace) ?? ""
            }
        case "static_map":
            guard !args.isEmpty else {
                throw LabelDecoderError(decoder: spec.name, message: "needs args: a table of value → name")
            }
            decode = { input, _ in
                let key = input.text ?? input.number.map(String.init) ?? ""
                return args[key] ?? key
            }
        case "ip_protocol": decode = LabelDecoder.table(WellKnownNames.ipProtocols)
        case "ethertype":
            decode = { input, _ in
                guard let number = input.number else { return input.text ?? "" }
                return WellKnownNames.etherTypes[number] ?? "0x" + String(number, radix: 16).leftPadded(to: 4)
            }
        case "tcp_state": decode = LabelDecoder.table(WellKnownNames.tcpStates)
        case "dns_rcode": decode = LabelDecoder.table(WellKnownNames.dnsRcodes)
        case "dns_qtype": decode = LabelDecoder.table(WellKnownNames.dnsQtypes)
        case "drop_reason":
            decode = { input, context in
                guard let number = input.number else { return input.text ?? "" }
                guard let name = context.dropReasons[Int64(bitPattern: number)] else { return String(number) }
                let prefix = "SKB_DROP_REASON_"
                return (name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name).lowercased()
            }
        default:
            throw LabelDecoderError(decoder: spec.name, message: "unknown decoder (known: \(Self.names.sorted().joined(separator: ", ")))")
        }
    }

    /// Applies the decoder.
    public func callAsFunction(_ input: Input, context: DecoderContext) -> String { decode(input, context) }

    /// Runs a chain of decoders over a field's bytes; no decoder means `uint`.
    public static func run(_ chain: [LabelDecoder], bytes: UnsafeRawBufferPointer, context: DecoderContext) -> String {
        var text: String?
        for decoder in chain { text = decoder(Input(bytes: bytes, text: text), context: context) }
        return text ?? littleEndian(bytes).map(String.init) ?? ""
    }

    /// A decoder looking a number up in `names`, falling back to the number.
    private static func table(_ names: [UInt64: String]) -> @Sendable (Input, DecoderContext) -> String {
        { input, _ in
            guard let number = input.number else { return input.text ?? "" }
            return names[number] ?? String(number)
        }
    }

    /// Up to 8 bytes as a little-endian unsigned number.
    static func littleEndian(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard bytes.count <= 8 else { return nil }
        var value: UInt64 = 0
        for (index, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * index) }
        return value
    }

    /// An IPv4 (4 bytes) or IPv6 (16 bytes) address in network order, as text.
    static func inetAddress(_ bytes: UnsafeRawBufferPointer) -> String {
        let family: Int32
        switch bytes.count {
        case 4: family = AF_INET
        case 16: family = AF_INET6
        default: return bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(family, bytes.baseAddress, &buffer, socklen_t(buffer.count)) != nil else { return "" }
        return String(nulTerminated: buffer)
    }
}

/// A decoder that cannot be built: unknown name or bad arguments.
public struct LabelDecoderError: Error, Sendable, CustomStringConvertible {
    /// The decoder's name.
    public let decoder: String
    /// What is wrong.
    public let message: String

    public var description: String { "decoder \"\(decoder)\": \(message)" }
}

extension String {
    /// The text of a C character buffer up to its first NUL.
    init(nulTerminated buffer: [CChar]) {
        self.init(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The string with leading zeros up to `width` characters.
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
