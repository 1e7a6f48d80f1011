import CBPF
import Foundation
import ProcessKit

/// A BPF object loaded into the kernel: owns every program and map fd it created.
///
/// Loading is all-or-nothing: either every program passes the verifier and every map exists,
/// or nothing stays behind (libbpf unloads and unpins what it made). `close()` releases it all;
/// `deinit` does too, as a safety net. Programs attached through a `Link` or `TCLink` stay
/// attached while that link holds them.
///
/// `@unchecked Sendable`: the libbpf object is only touched under `lock`.
public final class LoadedObject: @unchecked Sendable {
    /// What was loaded.
    public let spec: ObjectSpec
    private let lock = NSLock()
    private var opened: OpenedObject?

    private init(spec: ObjectSpec, opened: OpenedObject) {
        self.spec = spec
        self.opened = opened
    }

    deinit { close() }

    /// Loads `spec` into the kernel.
    ///
    /// - Parameters:
    ///   - rodata: new bytes for `.rodata` variables (`const volatile` globals), by name; each
    ///     must match the variable's size.
    ///   - maxEntries: new `max_entries` for maps, by name.
    ///   - pinMapsUnder: a bpffs directory: each (non-internal) map is pinned as `DIR/<map name>`,
    ///     and a map already pinned there is reused (adopted) instead of created.
    /// - Throws: `BPFError.verifierRejected` with the verifier's log when a program is refused.
    public static func load(_ spec: ObjectSpec, rodata: [String: [UInt8]] = [:],
                            maxEntries: [String: UInt32] = [:], pinMapsUnder: String? = nil) throws -> LoadedObject {
        let opened = try OpenedObject(elf: spec.elf, name: spec.name)
        do {
            try configure(opened, spec: spec, rodata: rodata, maxEntries: maxEntries, pinMapsUnder: pinMapsUnder)
            try loadPrograms(opened, spec: spec)
        } catch {
            opened.close()
            throw error
        }
        return LoadedObject(spec: spec, opened: opened)
    }

    /// Reads and loads an ELF object (see `load(_:rodata:maxEntries:pinMapsUnder:)`).
    public static func load(elf: [UInt8], name: String, rodata: [String: [UInt8]] = [:],
                            maxEntries: [String: UInt32] = [:], pinMapsUnder: String? = nil) throws -> LoadedObject {
        try load(ObjectSpec(elf: elf, name: name), rodata: rodata, maxEntries: maxEntries, pinMapsUnder: pinMapsUnder)
    }

    /// Loads `spec` on a dedicated thread (libbpf blocks): for async callers.
    public static func load(_ spec: ObjectSpec, rodata: [String: [UInt8]] = [:], maxEntries: [String: UInt32] = [:],
                            pinMapsUnder: String? = nil) async throws -> LoadedObject {
        try await DedicatedThread.run("bpfkit-load") {
            try load(spec, rodata: rodata, maxEntries: maxEntries, pinMapsUnder: pinMapsUnder)
        }
    }

    /// The names of the object's programs, in ELF order.
    public var programNames: [String] { spec.programs.map(\.name) }

    /// The names of the object's maps (internal ones included), in ELF order.
    public var mapNames: [String] { spec.maps.map(\.name) }

    /// A handle on the loaded program `name` (valid until this object is closed).
    public func program(named name: String) throws -> Program {
        try withObject { opened in
            guard let pointer = bpf_object__find_program_by_name(opened.pointer, name) else {
                throw BPFError.notFound("program '\(name)' in object '\(spec.name)'; it has \(programNames)")
            }
            return Program(object: self, pointer: pointer, spec: spec.program(named: name)!)
        }
    }

    /// A new handle on the map `name`, with its own fd (close it when done).
    public func map(named name: String) throws -> Map {
        try withObject { opened in
            guard let pointer = opened.maps.first(where: { OpenedObject.name(ofMap: $0) == name }) else {
                throw BPFError.notFound("map '\(name)' in object '\(spec.name)'; it has \(mapNames)")
            }
            return try Map(duplicating: bpf_map__fd(pointer), name: name)
        }
    }

    /// Unloads everything this object loaded (idempotent). Pins stay.
    public func close() {
        lock.lock()
        let opened = self.opened
        self.opened = nil
        lock.unlock()
        opened?.close()
    }

    /// Runs `body` with the open object, holding the lock; throws if closed.
    func withObject<T>(_ body: (OpenedObject) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        guard let opened else { throw BPFError.closed("object '\(spec.name)'") }
        return try body(opened)
    }

    // MARK: - Loading steps

    private static func configure(_ opened: OpenedObject, spec: ObjectSpec, rodata: [String: [UInt8]],
                                  maxEntries: [String: UInt32], pinMapsUnder: String?) throws {
        if !rodata.isEmpty {
            guard let map = opened.rodataMap else {
                throw BPFError.invalidArgument("object '\(spec.name)' has no .rodata section; cannot set \(rodata.keys.sorted())")
            }
            var size = 0
            guard let initial = bpf_map__initial_value(map, &size) else {
                throw BPFError.invalidArgument("object '\(spec.name)': .rodata has no initial value")
            }
            var data = [UInt8](UnsafeRawBufferPointer(start: initial, count: size))
            for (name, bytes) in rodata {
                guard let variable = spec.rodataVariable(named: name) else {
                    throw BPFError.notFound(".rodata variable '\(name)' in object '\(spec.name)'; it has \(spec.rodata.map(\.name))")
                }
                guard bytes.count == Int(variable.size), Int(variable.offset) + bytes.count <= data.count else {
                    throw BPFError.invalidArgument(".rodata variable '\(name)' is \(variable.size) bytes, got \(bytes.count)")
                }
                data.replaceSubrange(Int(variable.offset)..<Int(variable.offset) + bytes.count, with: bytes)
            }
            try LibBPF.check("bpf_map__set_initial_value(.rodata)") { bpf_map__set_initial_value(map, data, data.count) }
        }
        for (name, entries) in maxEntries {
            guard let map = bpf_object__find_map_by_name(opened.pointer, name) else {
                throw BPFError.notFound("map '\(name)' in object '\(spec.name)'; it has \(spec.maps.map(\.name))")
            }
            try LibBPF.check("bpf_map__set_max_entries(\(name))") { bpf_map__set_max_entries(map, entries) }
        }
        if let directory = pinMapsUnder {
            try BPFFileSystem.ensureMounted()
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for map in opened.maps where !bpf_map__is_internal(map) {
                let path = directory + "/" + OpenedObject.name(ofMap: map)
                try LibBPF.check("bpf_map__set_pin_path(\(path))") { bpf_map__set_pin_path(map, path) }
            }
        }
    }

    /// Size of each program's verifier-log buffer (used only when a load fails).
    private static let logSize = 1 << 20

    private static func loadPrograms(_ opened: OpenedObject, spec: ObjectSpec) throws {
        let programs = opened.programs
        let logs = programs.map { program in
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: logSize)
            buffer[0] = 0
            bpf_program__set_log_buf(program, buffer, logSize)
            return buffer
        }
        defer {
            for (program, buffer) in zip(programs, logs) {
                bpf_program__set_log_buf(program, nil, 0)
                buffer.deallocate()
            }
        }
        let rc = LibBPF.call { bpf_object__load(opened.pointer) }
        guard rc < 0 else { return }
        let code = -rc
        // With log level 0 libbpf asks for a log only when a program fails, so the failed
        // program is the one whose buffer has text.
        let failed = zip(programs, logs).first { $0.1[0] != 0 }
        let fentry: Set<AttachType> = [.traceFentry, .traceFexit, .modifyReturn]
        func isFentry(_ program: OpaquePointer) -> Bool {
            fentry.contains(AttachType(rawValue: bpf_program__expected_attach_type(program).rawValue))
        }
        if code == EPERM, let program = failed?.0 ?? programs.first(where: isFentry), isFentry(program) {
            throw BPFError.hookNotSupported("fentry/fexit: program '\(OpenedObject.name(of: program))' needs it and this kernel refuses it (EPERM, lockdown); use a tracepoint or tp_btf")
        }
        if let (program, buffer) = failed {
            throw BPFError.verifierRejected(program: OpenedObject.name(of: program), log: String(cString: buffer))
        }
        throw LibBPF.failure("bpf_object__load(\(spec.name))", code: rc)
    }
}
