import AeolusTesting
import BPFKit
import Foundation
import ProcessKit
import Synchronization
import Testing

/// Helpers shared by the BPFKit tests.
enum Support {
    /// Compiles `Programs/<name>.bpf.c`.
    static func compile(_ name: String) async throws -> [UInt8] {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Programs")
        return try await Clang.compileBPF(file: directory.appendingPathComponent("\(name).bpf.c").path)
    }

    /// The spec of `Programs/<name>.bpf.c`.
    static func spec(_ name: String) async throws -> ObjectSpec {
        try await ObjectSpec(elf: compile(name), name: name)
    }

    /// The kernel ids of every program of `object`.
    static func programIDs(_ object: LoadedObject) throws -> [UInt32] {
        try object.programNames.map { try object.program(named: $0).info().id }
    }

    /// The ids `bpftool prog show` lists now.
    static func bpftoolProgramIDs() throws -> Set<UInt32> {
        let output = try Subprocess.run("/usr/sbin/bpftool", ["-j", "prog", "show"]).standardOutput
        let list = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]] ?? []
        return Set(list.compactMap { ($0["id"] as? NSNumber)?.uint32Value })
    }

    /// Expects none of `ids` to be loaded any more (tc releases programs after an RCU grace
    /// period, so this waits up to 3 s).
    static func expectUnloaded(_ ids: [UInt32], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let left = try waitFor(seconds: 3) {
            let remaining = Set(ids).intersection(try bpftoolProgramIDs())
            return remaining.isEmpty ? nil : remaining
        }
        #expect(left == nil, "programs still loaded: \(left.map { Array($0) } ?? [])", sourceLocation: sourceLocation)
    }

    /// Polls `probe` every 20 ms until it returns nil or `seconds` pass; returns its last value.
    static func waitFor<T>(seconds: Double, _ probe: () throws -> T?) throws -> T? {
        let deadline = Date().addingTimeInterval(seconds)
        var last = try probe()
        while last != nil, Date() < deadline {
            usleep(20_000)
            last = try probe()
        }
        return last
    }

    /// Polls until `value()` equals `expected` (or 3 s pass), then waits a little more for
    /// stragglers and returns the final value.
    static func settle(to expected: UInt64, _ value: () throws -> UInt64) throws -> UInt64 {
        _ = try waitFor(seconds: 3) { try value() == expected ? nil : () }
        usleep(200_000)
        return try value()
    }

    /// Little-endian bytes of an integer (map keys, `.rodata` values).
    static func bytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// A little-endian integer from bytes.
    static func integer<T: FixedWidthInteger>(_ bytes: [UInt8], as: T.Type = UInt64.self) -> T {
        bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
    }

    /// The sum of a per-CPU u64 counter at array index 0.
    static func perCPUSum(_ map: Map) throws -> UInt64 {
        try map.lookupPerCPU(bytes(UInt32(0)))?.reduce(0) { $0 + integer($1) } ?? 0
    }

    /// A u64 counter at array index `index`.
    static func counter(_ map: Map, index: UInt32 = 0) throws -> UInt64 {
        try map.lookup(bytes(index)).map { integer($0) } ?? 0
    }

    /// The calling thread's kernel thread id.
    static func currentThreadID() throws -> UInt32 {
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")
        return UInt32(link.split(separator: "/").last!)!
    }

    /// A unique path on bpffs for a test's pins.
    static func pinPath(_ label: String) -> String {
        "/sys/fs/bpf/aeolus-test-\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
    }

    /// A UDP port unique to a test within this process.
    static func port() -> UInt16 {
        ports.withLock { value in value += 1; return value }
    }
    private static let ports = Mutex<UInt16>(UInt16(20_000 + Int(getpid()) % 20_000))

    /// An Ethernet + IPv4 + UDP frame to `port` (for BPF_PROG_TEST_RUN), 64 bytes long.
    static func udpFrame(port: UInt16) -> [UInt8] {
        var frame = [UInt8](repeating: 0, count: 64)
        frame[12] = 0x08; frame[13] = 0x00                       // EtherType IPv4
        frame[14] = 0x45                                         // version 4, ihl 5
        frame[16] = 0; frame[17] = 50                            // total length: 20 + 8 + 22
        frame[22] = 64; frame[23] = 17                           // ttl, protocol UDP
        frame[26...29] = [198, 18, 0, 1]; frame[30...33] = [198, 18, 0, 2]
        frame[34] = 0x30; frame[35] = 0x39                       // source port 12345
        frame[36] = UInt8(port >> 8); frame[37] = UInt8(port & 0xff)
        frame[38] = 0; frame[39] = 30                            // UDP length
        return frame
    }
}
