import AeolusModel
import BPFKit

/// Checks a compiled object against its template and the repository's rules before anything can
/// reach a kernel: program types and hooks, every helper call of every program, the license, size
/// limits, and the layout of the parameters and metric maps.
///
/// The kernel's verifier proves a program safe to run; this one enforces what the organisation
/// accepts. It is a pure function of its inputs.
public struct StaticVerifier: Sendable {
    /// The repository's rules.
    public var settings: RepoSettings

    /// A verifier enforcing `settings`.
    public init(settings: RepoSettings) {
        self.settings = settings
    }

    /// Every problem of `object` as the compiled form of `template`, located in the template's
    /// files through `sourceMap`.
    public func verify(_ template: Template, object: ObjectSpec, sourceMap: SourceMap) -> [Diagnostic] {
        var found: [Diagnostic] = []
        found += programs(template, object, sourceMap)
        found += helpers(template, object, sourceMap)
        found += limits(object, sourceMap)
        found += parameters(template, object, sourceMap)
        found += metricMaps(template, object, sourceMap)
        return found
    }

    /// The program type and attach type the kernel must see for a hook.
    static func expectedType(of hook: Hook) -> (ProgramType, AttachType?) {
        switch hook {
        case .tcIngress, .tcEgress: return (.schedCLS, nil)
        case .xdp: return (.xdp, nil)
        case .tracepoint: return (.tracepoint, nil)
        case .tpBTF: return (.tracing, .traceRawTracepoint)
        case .cgroupSkbIngress: return (.cgroupSKB, nil)
        case .cgroupSkbEgress: return (.cgroupSKB, nil)
        case .kprobe: return (.kprobe, nil)
        }
    }

    private func programs(_ template: Template, _ object: ObjectSpec, _ map: SourceMap) -> [Diagnostic] {
        var found: [Diagnostic] = []
        for (index, program) in template.programs.enumerated() {
            let path = "spec.programs[\(index)]"
            if !program.hook.isSupported {
                found.append(map.diagnostic(path: "\(path).hook",
                                            "hook \(program.hook.rawValue) is not supported on this kernel (no kprobes; use a tracepoint or tp_btf)"))
            } else if !settings.allowedHooks.contains(program.hook) {
                found.append(map.diagnostic(path: "\(path).hook",
                                            "hook \(program.hook.rawValue) is not allowed by aeolus.yaml (allowedHooks: \(settings.allowedHooks.map(\.rawValue).joined(separator: ", ")))"))
            }
            guard let compiled = object.program(named: program.name) else {
                let names = object.programs.map(\.name)
                found.append(map.diagnostic(path: "\(path).name",
                                            "program \"\(program.name)\" is not in the compiled object (its programs: \(names.joined(separator: ", ")))"))
                continue
            }
            let (type, attach) = Self.expectedType(of: program.hook)
            if compiled.type != type || (attach != nil && compiled.expectedAttachType != attach) {
                found.append(map.diagnostic(path: "\(path).hook",
                                            "program \"\(program.name)\" is compiled as \(compiled.type) (section \"\(compiled.section)\"), which cannot attach to hook \(program.hook.rawValue) (expected \(type))"))
            }
        }
        let declared = Set(template.programs.map(\.name))
        for program in object.programs where !declared.contains(program.name) {
            found.append(map.diagnostic(.warning, path: "spec.programs",
                                        "the object's program \"\(program.name)\" (section \"\(program.section)\") is not listed in template.yaml and will not be attached"))
        }
        return found
    }

    private func helpers(_ template: Template, _ object: ObjectSpec, _ map: SourceMap) -> [Diagnostic] {
        var found: [Diagnostic] = []
        let source = SourceLocation(file: map.file.replacingLastComponent(with: template.source))
        var usesGPLOnly: [String] = []
        for program in object.programs {
            for id in program.helperIDs {
                let name = HelperCatalog.name(of: id)
                if !settings.helpers.permits(name) {
                    found.append(Diagnostic(at: source,
                                            "program \"\(program.name)\" calls \(name) (helper \(id)), which aeolus.yaml does not permit"))
                }
                if HelperCatalog.gplOnly.contains(name) { usesGPLOnly.append(name) }
            }
        }
        if !usesGPLOnly.isEmpty, !HelperCatalog.gplCompatibleLicenses.contains(object.license) {
            let helpers = Set(usesGPLOnly).sorted().joined(separator: ", ")
            found.append(Diagnostic(at: source, path: "license",
                                    "license \"\(object.license)\" is not GPL-compatible, but the object calls GPL-only helpers (\(helpers)); declare char LICENSE[] SEC(\"license\") = \"GPL\""))
        }
        return found
    }

    private func limits(_ object: ObjectSpec, _ map: SourceMap) -> [Diagnostic] {
        var found: [Diagnostic] = []
        let limits = settings.limits
        for program in object.programs where program.instructionCount > limits.maxInstructions {
            found.append(map.diagnostic(path: "spec.programs",
                                        "program \"\(program.name)\" has \(program.instructionCount) instructions, more than the limit of \(limits.maxInstructions)"))
        }
        for spec in object.maps where !spec.isInternal && Int(spec.maxEntries) > limits.maxMapEntries {
            found.append(map.diagnostic(path: "spec.maps",
                                        "map \"\(spec.name)\" has \(spec.maxEntries) entries, more than the limit of \(limits.maxMapEntries)"))
        }
        return found
    }

    private func parameters(_ template: Template, _ object: ObjectSpec, _ map: SourceMap) -> [Diagnostic] {
        var found: [Diagnostic] = []
        for (index, parameter) in template.parameters.enumerated() {
            let path = "spec.parameters[\(index)].name"
            guard let variable = object.rodataVariable(named: parameter.name) else {
                found.append(map.diagnostic(path: path,
                                            "parameter \"\(parameter.name)\" has no `const volatile` variable of that name in the object; declare `const volatile \(parameter.type.cType) \(parameter.name)`"))
                continue
            }
            if Int(variable.size) != parameter.type.byteSize {
                found.append(map.diagnostic(path: path,
                                            "parameter \"\(parameter.name)\" is \(parameter.type.rawValue) (\(parameter.type.byteSize) bytes), but its variable in the object has \(variable.size) bytes"))
            }
        }
        return found
    }

    private func metricMaps(_ template: Template, _ object: ObjectSpec, _ map: SourceMap) -> [Diagnostic] {
        var found = RepositoryValidator().validateMaps(of: template, objectMapNames: Set(object.maps.map(\.name)))
            .map { diagnostic in map.diagnostic(path: diagnostic.path, diagnostic.message) }
        for (index, metric) in template.metrics.enumerated() {
            guard let spec = object.map(named: metric.map) else { continue }
            // A ring buffer has no keys: its records are decoded by the labels (the `ringbuf` receiver).
            if spec.type == .ringbuf { continue }
            if Int(spec.keySize) != metric.keySize {
                found.append(map.diagnostic(path: "spec.metrics[\(index)].labels",
                                            "metric \"\(metric.name)\": the labels add up to \(metric.keySize) bytes, but map \"\(metric.map)\" has \(spec.keySize)-byte keys"))
            }
            if metric.valueOffset + metric.valueSize > Int(spec.valueSize)
                || (metric.valueOffset == 0 && Int(spec.valueSize) <= 8 && Int(spec.valueSize) != metric.valueSize) {
                found.append(map.diagnostic(path: "spec.metrics[\(index)].map",
                                            "metric \"\(metric.name)\": map \"\(metric.map)\" has \(spec.valueSize)-byte values, which do not hold \(metric.valueSize) bytes at offset \(metric.valueOffset)"))
            }
        }
        return found
    }
}

extension String {
    /// `templates/x/template.yaml` → `templates/x/<name>`.
    func replacingLastComponent(with name: String) -> String {
        guard let slash = lastIndex(of: "/") else { return name }
        return String(self[...slash]) + name
    }
}
