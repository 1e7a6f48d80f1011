import AeolusModel

/// One place a program of a probe attaches: a hook on an interface (tc, XDP), a tracepoint, or a
/// cgroup. A probe's desired attach points follow from its programs and the selected pods.
public struct AttachPoint: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The program's function name in the object.
    public var program: String
    /// The hook kind.
    public var hook: Hook
    /// The interface, tracepoint (`category/name`), tp_btf name or cgroup path.
    public var target: String
    /// The interface's network namespace file; nil for the node's own namespace.
    public var netns: String?
    /// The pod owning the interface (`namespace/name`), if any.
    public var pod: String?

    /// Creates an attach point.
    public init(program: String, hook: Hook, target: String, netns: String? = nil, pod: String? = nil) {
        self.program = program
        self.hook = hook
        self.target = target
        self.netns = netns
        self.pod = pod
    }

    public static func < (a: AttachPoint, b: AttachPoint) -> Bool {
        (a.program, a.hook.rawValue, a.target, a.netns ?? "", a.pod ?? "")
            < (b.program, b.hook.rawValue, b.target, b.netns ?? "", b.pod ?? "")
    }

    public var description: String {
        "\(program) → \(hook.rawValue) \(target)" + (pod.map { " (pod \($0))" } ?? netns.map { " in \($0)" } ?? "")
    }

    /// The attach points `probe` wants given `pods`, and why some wanted ones cannot exist
    /// (e.g. the host side of a pod whose host interface is unknown).
    public static func desired(for probe: ProbeAssignment, pods: [Pod]) -> (points: [AttachPoint], problems: [String]) {
        var points: [AttachPoint] = []
        var problems: [String] = []
        let selected = pods.filter { pod in
            probe.pods?.matches(namespace: pod.namespace, labels: pod.labels) ?? true
        }
        for program in probe.programs {
            if program.hook.attachesToInterfaces {
                if let interface = program.target, !interface.isEmpty {
                    // An explicit interface is the node's own, whatever the pods.
                    points.append(AttachPoint(program: program.name, hook: program.hook, target: interface))
                    continue
                }
                for pod in selected {
                    switch program.attachTo {
                    case .pod where pod.tcOnHostVeth && program.hook != .xdp:
                        // The pod's side seen from the host end of its veth: directions swap.
                        points.append(AttachPoint(program: program.name, hook: program.hook == .tcIngress ? .tcEgress : .tcIngress,
                                                  target: pod.hostInterface!, pod: pod.qualifiedName))
                    case .pod:
                        points.append(AttachPoint(program: program.name, hook: program.hook, target: pod.interface,
                                                  netns: pod.netns, pod: pod.qualifiedName))
                    case .host:
                        guard let host = pod.hostInterface else {
                            problems.append("\(program.name): pod \(pod.qualifiedName) has no known host interface (attachTo: host)")
                            continue
                        }
                        points.append(AttachPoint(program: program.name, hook: program.hook, target: host,
                                                  pod: pod.qualifiedName))
                    }
                }
            } else {
                points.append(AttachPoint(program: program.name, hook: program.hook, target: program.target ?? ""))
            }
        }
        return (points.sorted(), problems)
    }
}
