import CBPF
import Foundation

/// A loaded program: a handle into its `LoadedObject`, which owns the program's fd.
///
/// Attach it with one of the `attach…` methods (one file per hook kind); each returns a value
/// that owns the attachment. Valid until the object is closed.
///
/// `@unchecked Sendable`: the libbpf pointer is only used through the object's lock.
public final class Program: @unchecked Sendable {
    /// What the ELF says about it.
    public let spec: ProgramSpec
    /// The object that owns it.
    public let object: LoadedObject
    private let pointer: OpaquePointer

    init(object: LoadedObject, pointer: OpaquePointer, spec: ProgramSpec) {
        self.object = object
        self.pointer = pointer
        self.spec = spec
    }

    /// The program's name.
    public var name: String { spec.name }
    /// The program's type.
    public var type: ProgramType { spec.type }

    /// Runs `body` with the libbpf program and its fd, while the object is open.
    func withProgram<T>(_ body: (OpaquePointer, Int32) throws -> T) throws -> T {
        try object.withObject { _ in
            let fd = bpf_program__fd(pointer)
            guard fd >= 0 else { throw BPFError.closed("program '\(name)'") }
            return try body(pointer, fd)
        }
    }

    /// The kernel's view of the program: id and, with BPF stats on, run count and run time.
    public func info() throws -> ProgramInfo {
        try withProgram { _, fd in try ProgramInfo(fd: fd) }
    }

    /// Checks that the program has `type` before attaching it to a hook of that type.
    func require(_ types: ProgramType..., for hook: String) throws {
        guard types.contains(type) else {
            throw BPFError.invalidArgument("program '\(name)' is a \(type) program; \(hook) needs \(types.map(\.description).joined(separator: " or "))")
        }
    }
}

/// The kernel's information about a loaded program (`bpf_prog_info`).
public struct ProgramInfo: Hashable, Sendable {
    /// The kernel's program id (what `bpftool prog` and tc filters show).
    public let id: UInt32
    /// The name as the kernel stores it (at most 15 characters).
    public let name: String
    /// The program type.
    public let type: ProgramType
    /// Times the program ran since BPF stats were enabled (0 while they are off).
    public let runCount: UInt64
    /// Total time spent running it since BPF stats were enabled.
    public let runTime: Duration

    init(fd: Int32) throws {
        var info = bpf_prog_info()
        let rc = aeolus_prog_info(fd, &info)
        if rc < 0 { throw BPFError.callFailed(call: "bpf_obj_get_info_by_fd(program)", errno: -rc, message: "") }
        id = info.id
        name = withUnsafeBytes(of: info.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        type = ProgramType(rawValue: info.type)
        runCount = info.run_cnt
        runTime = .nanoseconds(Int64(clamping: info.run_time_ns))
    }
}
