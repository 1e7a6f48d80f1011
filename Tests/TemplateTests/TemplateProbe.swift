import AeolusModel
import AeolusTesting
import BPFKit
import Compiler
import Foundation
import Testing

/// One example template loaded into the kernel with given parameters and every program
/// attached as its template.yaml says: tc and XDP on the test pod's veth (the pod's end, or the
/// host's for `attachTo: host`), tracepoints by category/name, tp_btf by its section.
///
/// `close()` detaches and unloads everything and then expects none of its programs to be
/// loaded any more (by program id).
final class TemplateProbe {
    /// The compiled template.
    let compiled: CompiledTemplate
    /// The loaded object.
    let object: LoadedObject
    /// The kernel ids of its programs.
    let programIDs: [UInt32]
    /// The interface index each tc/XDP program was attached to, by program name.
    private(set) var ifindexes: [String: Int32] = [:]
    private var links: [Link] = []
    private var tcLinks: [TCLink] = []

    /// Loads template `name` with `parameters` (texts, as a policy gives them) and attaches it,
    /// packet programs to `pod`'s veth pair.
    init(_ name: String, parameters: [String: String] = [:], pod: NetworkNamespace? = nil) async throws {
        compiled = try await ExampleRepository.template(name)
        let settings = try compiled.template.loadSettings(parameters: parameters).get()
        let object = try await LoadedObject.load(compiled.object.spec, rodata: settings.rodata, maxEntries: settings.maxEntries)
        do {
            programIDs = try object.programNames.map { try object.program(named: $0).info().id }
        } catch {
            object.close()
            throw error
        }
        self.object = object
        do {
            for program in compiled.template.programs {
                try attach(program, pod: pod)
            }
        } catch {
            close()
            throw error
        }
    }

    private func attach(_ spec: TemplateProgram, pod: NetworkNamespace?) throws {
        let program = try object.program(named: spec.name)
        func side() throws -> (interface: String, namespace: String?) {
            guard let pod else { throw TemplateTestError("\(spec.name) (\(spec.hook)) needs a pod to attach to") }
            return spec.attachTo == .pod ? (pod.interface, pod.path) : (pod.hostInterface, nil)
        }
        switch spec.hook {
        case .tcIngress, .tcEgress:
            let (interface, namespace) = try side()
            let link = try program.attachTC(interface: interface, direction: spec.hook == .tcIngress ? .ingress : .egress,
                                            namespace: namespace)
            tcLinks.append(link)
            ifindexes[spec.name] = link.attachment.ifindex
        case .xdp:
            let (interface, namespace) = try side()
            links.append(try program.attachXDP(interface: interface, namespace: namespace))
            if namespace == nil { ifindexes[spec.name] = Int32(if_nametoindex(interface)) }
        case .tracepoint:
            let parts = (spec.target ?? "").split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw TemplateTestError("tracepoint target \(spec.target ?? "nil") is not category/name") }
            links.append(try program.attachTracepoint(category: parts[0], name: parts[1]))
        case .tpBTF:
            links.append(try program.attachTracing())
        case .cgroupSkbIngress, .cgroupSkbEgress, .kprobe:
            throw TemplateTestError("\(spec.hook) is not exercised by these tests")
        }
    }

    /// Every entry of map `name` as a u64 counter (per-CPU values summed), by key bytes.
    func counters(_ name: String, offset: Int = 0) throws -> [[UInt8]: UInt64] {
        let map = try object.map(named: name)
        defer { map.close() }
        var result: [[UInt8]: UInt64] = [:]
        for key in try map.keys() {
            if map.type.isPerCPU {
                guard let slots = try map.lookupPerCPU(key) else { continue }
                result[key] = slots.reduce(0) { $0 &+ $1.le(UInt64.self, at: offset) }
            } else if let value = try map.lookup(key) {
                result[key] = value.le(UInt64.self, at: offset)
            }
        }
        return result
    }

    /// Polls map `name` every 20 ms until `done` holds for its counters or `seconds` pass;
    /// returns the last counters read (the caller then asserts on them).
    func counters(_ name: String, offset: Int = 0, within seconds: Double = 20,
                  until done: ([[UInt8]: UInt64]) -> Bool) throws -> [[UInt8]: UInt64] {
        let deadline = Date().addingTimeInterval(seconds)
        var last = try counters(name, offset: offset)
        while !done(last), Date() < deadline {
            usleep(20_000)
            last = try counters(name, offset: offset)
        }
        return last
    }

    /// Detaches and unloads everything, then expects none of the programs to stay loaded.
    func close(sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        links.forEach { $0.close() }
        tcLinks.forEach { $0.close() }
        links = []
        tcLinks = []
        object.close()
        let left = LoadedPrograms.waitUntilGone(programIDs, seconds: 3)
        #expect(left.isEmpty, "programs of \(compiled.template.name) still loaded: \(left.sorted())", sourceLocation: sourceLocation)
    }
}
