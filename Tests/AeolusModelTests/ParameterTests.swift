import Foundation
import Testing
@testable import AeolusModel

@Suite struct ParameterTests {
    struct Valid: Sendable, CustomStringConvertible {
        let type: ParameterType
        let text: String
        let canonical: String
        let bytes: [UInt8]
        var encoding: ParameterEncoding = .host
        var description: String { "\(type.rawValue) \(text)" }
    }

    static let valid: [Valid] = [
        Valid(type: .u8, text: "255", canonical: "255", bytes: [0xff]),
        Valid(type: .u16, text: "0x1234", canonical: "4660", bytes: [0x34, 0x12]),
        Valid(type: .u16, text: "4660", canonical: "4660", bytes: [0x12, 0x34], encoding: .network),
        Valid(type: .u32, text: "1", canonical: "1", bytes: [1, 0, 0, 0]),
        Valid(type: .u64, text: "18446744073709551615", canonical: "18446744073709551615", bytes: [UInt8](repeating: 0xff, count: 8)),
        Valid(type: .s32, text: "-2", canonical: "-2", bytes: [0xfe, 0xff, 0xff, 0xff]),
        Valid(type: .s64, text: "-9223372036854775808", canonical: "-9223372036854775808", bytes: [0, 0, 0, 0, 0, 0, 0, 0x80]),
        Valid(type: .bool, text: "true", canonical: "true", bytes: [1]),
        Valid(type: .bool, text: "off", canonical: "false", bytes: [0]),
        Valid(type: .ipv4, text: "198.18.0.1", canonical: "198.18.0.1", bytes: [198, 18, 0, 1]),
        Valid(type: .ipv6, text: "fd00::1", canonical: "fd00::1", bytes: [0xfd] + [UInt8](repeating: 0, count: 14) + [1]),
        Valid(type: .port, text: "443", canonical: "443", bytes: [0xbb, 0x01]),
        Valid(type: .port, text: "443", canonical: "443", bytes: [0x01, 0xbb], encoding: .network),
        Valid(type: .mac, text: "02:00:5E:10:00:01", canonical: "02:00:5e:10:00:01", bytes: [2, 0, 0x5e, 0x10, 0, 1]),
        Valid(type: .ifname, text: "eth0", canonical: "eth0", bytes: Array("eth0".utf8) + [UInt8](repeating: 0, count: 12)),
        Valid(type: .duration, text: "5s", canonical: "5s", bytes: [0x00, 0xf2, 0x05, 0x2a, 0x01, 0, 0, 0]),
        Valid(type: .duration, text: "100ms", canonical: "100ms", bytes: [0x00, 0xe1, 0xf5, 0x05, 0, 0, 0, 0]),
        Valid(type: .duration, text: "1m30s", canonical: "1m30s", bytes: [0x00, 0x04, 0x6b, 0xf4, 0x14, 0, 0, 0]),
        Valid(type: .enum, text: "udp", canonical: "udp", bytes: [1, 0, 0, 0]),
    ]

    @Test(arguments: valid)
    func parsesAndEncodes(_ c: Valid) throws {
        let spec = ParameterSpec(name: "p", type: c.type, values: c.type == .enum ? ["tcp", "udp"] : [], encoding: c.encoding)
        let value = try spec.parse(c.text).get()
        #expect(value.description == c.canonical)
        #expect(spec.encode(value) == c.bytes)
        #expect(spec.encode(value).count == c.type.byteSize)
        // The canonical text parses back to the same value.
        #expect(try spec.parse(value.description).get() == value)
    }

    static let invalid: [(ParameterType, String)] = [
        (.u8, "256"), (.u8, "-1"), (.u16, "65536"), (.u16, "1.5"), (.u32, "abc"), (.u64, "18446744073709551616"),
        (.s32, "2147483648"), (.s64, "9223372036854775808"), (.bool, "maybe"), (.ipv4, "256.0.0.1"),
        (.ipv4, "fd00::1"), (.ipv6, "1.2.3"), (.ipv6, "fd00:::1"), (.port, "70000"), (.port, "-1"),
        (.mac, "02:00:5e:10:00"), (.mac, "zz:00:5e:10:00:01"), (.ifname, ""), (.ifname, "a-very-long-ifname"),
        (.ifname, "eth/0"), (.duration, "5"), (.duration, "5 s"), (.duration, "1y"), (.enum, "icmp"),
    ]

    @Test(arguments: invalid)
    func rejects(_ type: ParameterType, _ text: String) {
        let spec = ParameterSpec(name: "p", type: type, values: type == .enum ? ["tcp", "udp"] : [])
        guard case let .failure(error) = spec.parse(text) else {
            Issue.record("\(type) accepted \"\(text)\"")
            return
        }
        #expect(!error.message.isEmpty)
    }

    @Test func rangeIsEnforced() {
        let spec = ParameterSpec(name: "n", type: .u32, minimum: .unsigned(1), maximum: .unsigned(100))
        #expect(spec.parse("0").isFailure)
        #expect(spec.parse("101").isFailure)
        #expect(spec.parse("100").isFailure == false)
        let d = ParameterSpec(name: "d", type: .duration, maximum: .duration(.seconds(10)))
        #expect(d.parse("11s").isFailure)
        #expect(d.parse("9.5s").isFailure == false)
    }

    @Test func valueRoundTripsThroughJSON() throws {
        let values: [ParameterValue] = [.unsigned(7), .signed(-3), .bool(true), .ipv4([10, 0, 0, 1]), .mac([1, 2, 3, 4, 5, 6]),
                                         .ifname("veth0"), .duration(.milliseconds(250)), .enumValue("udp", index: 1)]
        let data = try JSONEncoder().encode(values)
        #expect(try JSONDecoder().decode([ParameterValue].self, from: data) == values)
    }

    @Test(arguments: [("5s", UInt64(5_000_000_000)), ("1.5h", 5_400_000_000_000), ("250us", 250_000), ("0", 0), ("1m30s", 90_000_000_000)])
    func timeSpans(_ text: String, _ ns: UInt64) throws {
        #expect(try TimeSpan(parsing: text).nanoseconds == ns)
    }
}

extension Result {
    var isFailure: Bool { if case .failure = self { return true } else { return false } }
}
