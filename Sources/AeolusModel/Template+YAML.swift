import Foundation
import Yams

extension Template {
    /// Decodes `template.yaml` (kind Template). Every problem becomes a diagnostic naming
    /// `file:line:column` and the field path; unknown fields are errors.
    public static func decode(yaml data: Data, file: String) -> Decoded<Template> {
        let (decoder, document) = NodeDecoder.singleDocument(data, file: file, kind: "Template")
        guard let document else { return decoder.result(nil) }
        return decoder.result(decoder.template(decoder.root(document)))
    }
}

extension NodeDecoder {
    func template(_ root: YAMLField) -> Template? {
        guard let fields = mapping(root, known: ["apiVersion", "kind", "metadata", "spec"]) else { return nil }
        header(fields, kind: "Template")
        let name = fields.required("metadata").flatMap(metadataName)
        guard let specField = fields.required("spec"),
              let spec = mapping(specField, known: ["description", "source", "programs", "parameters", "metrics", "maps"])
        else { return nil }
        var template = Template(name: name ?? "")
        if let f = spec["description"] { template.description = string(f) ?? "" }
        if let f = spec["source"] { template.source = nonEmptyString(f) ?? template.source }
        if let f = spec.required("programs"), let list = sequence(f) {
            if list.isEmpty { error(f, "a template needs at least one program") }
            template.programs = list.compactMap(program)
            reportDuplicates(in: list, what: "program")
        }
        if let f = spec["parameters"], let list = sequence(f) {
            template.parameters = list.compactMap(parameter)
            reportDuplicates(in: list, what: "parameter")
        }
        if let f = spec["metrics"], let list = sequence(f) {
            template.metrics = list.compactMap(metric)
            reportDuplicates(in: list, what: "metric")
        }
        if let f = spec["maps"], let list = sequence(f) {
            template.maps = list.compactMap { mapOverride($0, parameters: template.parameters) }
            reportDuplicates(in: list, what: "map")
        }
        return template
    }

    /// `metadata: {name, labels, annotations}` → the name.
    func metadataName(_ field: YAMLField) -> String? {
        guard let fields = mapping(field, known: ["name", "labels", "annotations"]) else { return nil }
        if let f = fields["labels"] { _ = stringMap(f) }
        if let f = fields["annotations"] { _ = stringMap(f) }
        return fields.required("name").flatMap(dnsName)
    }

    /// A Kubernetes-style name: lower-case letters, digits, `-` and `.`, at most 253 characters.
    func dnsName(_ field: YAMLField) -> String? {
        guard let text = nonEmptyString(field) else { return nil }
        let ok = text.count <= 253 && text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "." }
            && text.first != "-" && text.last != "-"
        guard ok else {
            error(field, "invalid name \"\(text)\" (lower-case letters, digits, - and ., starting and ending with a letter or digit)")
            return nil
        }
        return text
    }

    /// Reports a `name` that appears in two elements of a list, at the second element.
    func reportDuplicates(in fields: [YAMLField], what: String) {
        var seen = Set<String>()
        for field in fields {
            guard let nameNode = field.node.mapping?["name"], let name = nameNode.scalar?.string else { continue }
            if !seen.insert(name).inserted {
                error(at: nameNode, path: field.childPath("name"), "duplicate \(what) name \"\(name)\"")
            }
        }
    }

    func program(_ field: YAMLField) -> TemplateProgram? {
        guard let fields = mapping(field, known: ["name", "hook", "direction", "target", "attachTo"]) else { return nil }
        let name = fields.required("name").flatMap { identifier($0, what: "program name") }
        let direction = fields["direction"].flatMap(string)
        var hook: Hook?
        if let f = fields.required("hook"), let text = string(f) {
            hook = Hook(name: text, direction: direction)
            if hook == nil {
                if let direction, text != "tc", text != "cgroup_skb" {
                    error(fields["direction"]!, "\"direction: \(direction)\" applies only to hook tc or cgroup_skb")
                } else if text == "tc" || text == "cgroup_skb" {
                    error(f, "hook \"\(text)\" needs \"direction: ingress\" or \"direction: egress\"")
                } else {
                    error(f, "unknown hook \"\(text)\" (expected one of \(Hook.yamlNames.joined(separator: ", ")))"
                        + Suggestion.hint(for: text, in: Hook.yamlNames))
                }
            }
        }
        let target = fields["target"].flatMap(nonEmptyString)
        if let hook, hook.needsTarget, target == nil, fields["target"] == nil {
            error(at: field.node, path: field.childPath("target"),
                  "hook \(hook.rawValue) needs a target (e.g. tcp/tcp_retransmit_skb)")
        }
        var side = InterfaceSide.pod
        if let f = fields["attachTo"], let chosen = choice(f, InterfaceSide.self, what: "interface side") {
            if let hook, !hook.attachesToInterfaces {
                error(f, "\"attachTo\" applies only to hooks on interfaces (tc, xdp)")
            }
            side = chosen
        }
        guard let name, let hook else { return nil }
        return TemplateProgram(name: name, hook: hook, target: target, attachTo: side)
    }

    func parameter(_ field: YAMLField) -> ParameterSpec? {
        guard let fields = mapping(field, known: ["name", "type", "default", "min", "max", "values", "encoding", "description"])
        else { return nil }
        let name = fields.required("name").flatMap { identifier($0, what: "parameter name") }
        guard let type = fields.required("type").flatMap({ choice($0, ParameterType.self, what: "type") }) else { return nil }
        var spec = ParameterSpec(name: name ?? "", type: type)
        spec.description = fields["description"].flatMap(string) ?? ""
        if let f = fields["values"] {
            if type != .enum {
                error(f, "\"values\" applies only to type enum")
            } else if let values = stringList(f) {
                if values.isEmpty { error(f, "an enum needs at least one value") }
                if Set(values).count != values.count { error(f, "enum values must be unique") }
                spec.values = values
            }
        } else if type == .enum {
            error(at: field.node, path: field.childPath("values"), "an enum parameter needs \"values\"")
        }
        if let f = fields["encoding"], let encoding = choice(f, ParameterEncoding.self, what: "encoding") {
            if type.hasByteOrder { spec.encoding = encoding } else {
                error(f, "\"encoding\" applies only to multi-byte integer types (u16, u32, u64, s32, s64, port), not \(type.rawValue)")
            }
        }
        for key in ["min", "max"] {
            guard let f = fields[key], let text = string(f) else { continue }
            guard type.isOrdered else {
                error(f, "\"\(key)\" applies only to integer, port and duration types, not \(type.rawValue)")
                continue
            }
            switch ParameterValue.parse(text, as: type) {
            case let .success(value): if key == "min" { spec.minimum = value } else { spec.maximum = value }
            case let .failure(problem): error(f, problem.message)
            }
        }
        if let minimum = spec.minimum, let maximum = spec.maximum, let order = minimum.compare(maximum), order > 0 {
            error(fields["min"]!, "min \(minimum) is greater than max \(maximum)")
        }
        if let f = fields["default"], let text = string(f) {
            switch spec.parse(text) {
            case let .success(value): spec.defaultValue = value
            case let .failure(problem): error(f, "default: \(problem.message)")
            }
        }
        return name == nil ? nil : spec
    }

    func metric(_ field: YAMLField) -> MetricSpec? {
        guard let fields = mapping(field, known: ["name", "type", "help", "map", "labels", "buckets", "valueSize", "valueOffset", "perCPU", "scale"])
        else { return nil }
        let name = fields.required("name").flatMap(metricName)
        let type = fields.required("type").flatMap { choice($0, MetricSpec.Kind.self, what: "metric type") }
        let map = fields.required("map").flatMap { identifier($0, what: "map name") }
        var spec = MetricSpec(name: name ?? "", type: type ?? .counter, map: map ?? "")
        spec.help = fields["help"].flatMap(string) ?? ""
        if let f = fields["labels"], let list = sequence(f) {
            spec.labels = list.compactMap(label)
            reportDuplicates(in: list, what: "label")
        }
        if let f = fields["valueSize"], let size = integer(f, Int.self) {
            if size == 4 || size == 8 { spec.valueSize = size } else { error(f, "valueSize must be 4 or 8, found \(size)") }
        }
        if let f = fields["valueOffset"], let offset = integer(f, Int.self, minimum: 0) { spec.valueOffset = offset }
        if let f = fields["perCPU"] { spec.perCPU = bool(f) ?? false }
        if let f = fields["scale"], let scale = number(f) {
            if scale.isFinite, scale != 0 { spec.scale = scale } else { error(f, "scale must be a finite, non-zero number") }
        }
        if let f = fields["buckets"] {
            if type != .histogram {
                error(f, "\"buckets\" applies only to histogram metrics")
            } else if let buckets = buckets(f) {
                spec.buckets = buckets
                if !spec.labels.contains(where: { $0.name == buckets.keyLabel }) {
                    error(fields["buckets"].map { YAMLField(node: $0.node, path: $0.childPath("keyLabel")) } ?? f,
                          "the bucket key label \"\(buckets.keyLabel)\" is not one of the metric's labels")
                }
            }
        } else if type == .histogram {
            error(at: field.node, path: field.childPath("buckets"), "a histogram needs \"buckets\"")
        }
        guard name != nil, type != nil, map != nil else { return nil }
        return spec
    }

    /// A Prometheus metric name.
    func metricName(_ field: YAMLField) -> String? {
        guard let text = nonEmptyString(field) else { return nil }
        let ok = text.unicodeScalars.enumerated().allSatisfy { i, c in
            c.isASCII && (c.properties.isAlphabetic || c == "_" || c == ":" || (i > 0 && ("0"..."9").contains(c)))
        }
        guard ok else {
            error(field, "invalid metric name \"\(text)\" (letters, digits, _ and :, not starting with a digit)")
            return nil
        }
        return text
    }

    func label(_ field: YAMLField) -> LabelSpec? {
        guard let fields = mapping(field, known: ["name", "size", "padding", "decoders"]) else { return nil }
        let name = fields.required("name").flatMap { identifier($0, what: "label name") }
        if let name, name.hasPrefix("__") { error(fields["name"]!, "label names starting with __ are reserved") }
        let size = fields.required("size").flatMap { integer($0, Int.self, minimum: 1) }
        var decoders: [DecoderSpec] = []
        if let f = fields["decoders"], let list = sequence(f) { decoders = list.compactMap(decoder) }
        let padding = fields["padding"].flatMap { integer($0, Int.self, minimum: 0) } ?? 0
        guard let name, let size else { return nil }
        return LabelSpec(name: name, size: size, decoders: decoders, padding: padding)
    }

    /// `inet_ip` or `{name: static_map, args: {"1": tcp}}`.
    func decoder(_ field: YAMLField) -> DecoderSpec? {
        if case .scalar = field.node { return nonEmptyString(field).map { DecoderSpec(name: $0) } }
        guard let fields = mapping(field, known: ["name", "args"]) else { return nil }
        guard let name = fields.required("name").flatMap(nonEmptyString) else { return nil }
        return DecoderSpec(name: name, args: fields["args"].flatMap(stringMap) ?? [:])
    }

    func buckets(_ field: YAMLField) -> HistogramBuckets? {
        guard let fields = mapping(field, known: ["type", "min", "max", "multiplier", "step", "keyLabel"]) else { return nil }
        let type = fields.required("type").flatMap { choice($0, HistogramBuckets.Kind.self, what: "bucket type") }
        let minimum = fields.required("min").flatMap { integer($0, Int.self) }
        let maximum = fields.required("max").flatMap { integer($0, Int.self) }
        guard let type, let minimum, let maximum else { return nil }
        var buckets = HistogramBuckets(type: type, min: minimum, max: maximum)
        if minimum > maximum { error(fields["min"]!, "min \(minimum) is greater than max \(maximum)") }
        if type == .exp2, maximum > 63 || minimum < 0 { error(fields["max"]!, "exp2 bucket indices must lie in 0...63") }
        if maximum - minimum > 1024 { error(fields["max"]!, "at most 1025 buckets") }
        if let f = fields["multiplier"], let m = number(f) { buckets.multiplier = m }
        if let f = fields["step"] {
            if type != .linear { error(f, "\"step\" applies only to linear buckets") }
            else if let s = number(f) { if s > 0 { buckets.step = s } else { error(f, "step must be positive") } }
        }
        if let f = fields["keyLabel"], let key = nonEmptyString(f) { buckets.keyLabel = key }
        return buckets
    }

    /// `{name: flows, maxEntries: 1024}` or `{name: flows, maxEntries: {parameter: max_flows}}`.
    func mapOverride(_ field: YAMLField, parameters: [ParameterSpec]) -> MapOverride? {
        guard let fields = mapping(field, known: ["name", "maxEntries"]) else { return nil }
        guard let name = fields.required("name").flatMap({ identifier($0, what: "map name") }) else { return nil }
        var result = MapOverride(name: name)
        guard let f = fields["maxEntries"] else { return result }
        if case .mapping = f.node {
            guard let inner = mapping(f, known: ["parameter"]),
                  let p = inner.required("parameter"), let parameterName = nonEmptyString(p) else { return nil }
            guard let spec = parameters.first(where: { $0.name == parameterName }) else {
                error(p, "no parameter \"\(parameterName)\" in this template" + Suggestion.hint(for: parameterName, in: parameters.map(\.name)))
                return nil
            }
            guard [.u8, .u16, .u32].contains(spec.type) else {
                error(p, "parameter \"\(parameterName)\" sizes a map, so it must be u8, u16 or u32, not \(spec.type.rawValue)")
                return nil
            }
            result.maxEntries = .parameter(parameterName)
        } else {
            guard let entries = integer(f, UInt32.self, minimum: 1) else { return nil }
            result.maxEntries = .fixed(entries)
        }
        return result
    }
}
