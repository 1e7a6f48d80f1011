import AeolusModel
@testable import Dictator
import Foundation

/// Small values for the dictator's tests.
enum Sample {
    /// A template `name` with a tracepoint program and a `port` parameter (default 0).
    static func template(_ name: String) -> Template {
        Template(name: name, programs: [TemplateProgram(name: "on_\(name)", hook: .tracepoint, target: "tcp/\(name)")],
                 parameters: [ParameterSpec(name: "port", type: .port, defaultValue: .unsigned(0))])
    }

    /// A template object with fake object bytes.
    static func object(_ name: String, elf: String = "v1", revision: String = "r1") -> TemplateObject {
        let bytes = Array("\(name)-\(elf)".utf8)
        return TemplateObject(template: template(name), digest: "sha256:\(name)-\(elf)", elf: bytes, revision: revision)
    }

    /// A policy `name` for `template` on nodes matching `nodes`.
    static func policy(_ name: String, template: String, nodes: [String: String] = [:],
                       parameters: [String: String] = [:], suspend: Bool = false) -> ProbePolicy {
        ProbePolicy(metadata: ObjectMeta(name: name, namespace: "ns"),
                    spec: ProbePolicySpec(template: template, parameters: parameters,
                                          selector: ProbeSelector(nodes: LabelSelector(matchLabels: nodes)), suspend: suspend))
    }

    /// A desired probe with id `policy/ns/<name>` for nodes matching `nodes`.
    static func probe(_ name: String, nodes: [String: String] = [:], digest: String = "sha256:a", port: UInt8 = 0) -> DesiredProbe {
        DesiredProbe(nodes: LabelSelector(matchLabels: nodes),
                     assignment: ProbeAssignment(id: "policy/ns/\(name)", template: "t", digest: digest,
                                                 programs: template("t").programs,
                                                 load: LoadSettings(rodata: ["port": [port, 0]]),
                                                 parameters: ["port": "\(port)"]),
                     source: "git")
    }

    /// A reconcile outcome with `templates` and `policies`.
    static func outcome(revision: String, templates: [TemplateObject], policies: [ProbePolicy],
                        errors: [String: TemplateErrors] = [:]) -> ReconcileOutcome {
        ReconcileOutcome(revision: revision, subject: "commit \(revision)",
                         templates: Dictionary(uniqueKeysWithValues: templates.map { ($0.template.name, $0) }),
                         policies: policies, errors: errors,
                         conditions: Dictionary(uniqueKeysWithValues: templates.map { ($0.template.name, TemplateCondition.live) }))
    }
}
