import Foundation
import Yams

extension ProbePolicy {
    /// Decodes every `---` separated ProbePolicy document of a file under `policies/`. Each document
    /// is decoded on its own, so one bad document does not hide the others; `diagnostics` holds the
    /// problems of all of them plus any YAML syntax error.
    public static func decodeAll(yaml data: Data, file: String) -> (documents: [Decoded<ProbePolicy>], diagnostics: Diagnostics) {
        var diagnostics = Diagnostics()
        let nodes = YAMLText.documents(data, file: file, diagnostics: &diagnostics)
        var documents: [Decoded<ProbePolicy>] = []
        for node in nodes {
            if case let .scalar(s) = node, s.string.isEmpty || s.string == "~" || s.string == "null" { continue } // empty document
            let decoder = NodeDecoder(file: file)
            let result = decoder.result(decoder.probePolicy(decoder.root(node)))
            diagnostics.append(contentsOf: result.diagnostics)
            documents.append(result)
        }
        return (documents, diagnostics)
    }
}

extension NodeDecoder {
    func probePolicy(_ root: YAMLField) -> ProbePolicy? {
        guard let fields = mapping(root, known: ["apiVersion", "kind", "metadata", "spec", "status"]) else { return nil }
        header(fields, kind: "ProbePolicy")
        let metadata = fields.required("metadata").flatMap(objectMeta)
        let spec = fields.required("spec").flatMap(probePolicySpec)
        let status = fields["status"].flatMap(policyStatus)
        guard let metadata, let spec else { return nil }
        return ProbePolicy(metadata: metadata, spec: spec, status: status)
    }

    func objectMeta(_ field: YAMLField) -> ObjectMeta? {
        guard let fields = mapping(field, known: ["name", "namespace", "generation", "labels", "annotations"]) else { return nil }
        guard let name = fields.required("name").flatMap(dnsName) else { return nil }
        var meta = ObjectMeta(name: name)
        meta.namespace = fields["namespace"].flatMap(dnsName)
        meta.generation = fields["generation"].flatMap { integer($0, Int64.self, minimum: 0) }
        meta.labels = fields["labels"].flatMap(stringMap) ?? [:]
        meta.annotations = fields["annotations"].flatMap(stringMap) ?? [:]
        return meta
    }

    func probePolicySpec(_ field: YAMLField) -> ProbePolicySpec? {
        guard let fields = mapping(field, known: ["template", "parameters", "selector", "suspend"]) else { return nil }
        guard let template = fields.required("template").flatMap(nonEmptyString) else { return nil }
        var spec = ProbePolicySpec(template: template)
        spec.parameters = fields["parameters"].flatMap(stringMap) ?? [:]
        if let f = fields["selector"], let selector = mapping(f, known: ["nodes", "pods"]) {
            spec.selector.nodes = selector["nodes"].flatMap(labelSelector) ?? LabelSelector()
            spec.selector.pods = selector["pods"].flatMap(podSelector)
        }
        spec.suspend = fields["suspend"].flatMap(bool) ?? false
        return spec
    }

    func labelSelector(_ field: YAMLField) -> LabelSelector? {
        guard let fields = mapping(field, known: ["matchLabels", "matchExpressions"]) else { return nil }
        return labelSelector(fields)
    }

    func labelSelector(_ fields: MappingFields) -> LabelSelector {
        var selector = LabelSelector()
        selector.matchLabels = fields["matchLabels"].flatMap(stringMap) ?? [:]
        if let f = fields["matchExpressions"], let list = sequence(f) {
            selector.matchExpressions = list.compactMap(requirement)
        }
        return selector
    }

    func podSelector(_ field: YAMLField) -> PodSelector? {
        guard let fields = mapping(field, known: ["namespace", "matchLabels", "matchExpressions"]) else { return nil }
        return PodSelector(namespace: fields["namespace"].flatMap(dnsName), labels: labelSelector(fields))
    }

    func requirement(_ field: YAMLField) -> LabelSelectorRequirement? {
        guard let fields = mapping(field, known: ["key", "operator", "values"]) else { return nil }
        let key = fields.required("key").flatMap(nonEmptyString)
        let op = fields.required("operator").flatMap { choice($0, LabelSelectorRequirement.Operator.self, what: "operator") }
        let values = fields["values"].flatMap(stringList) ?? []
        if let op {
            let needsValues = op == .in || op == .notIn
            if needsValues, values.isEmpty {
                error(at: field.node, path: field.childPath("values"), "operator \(op.rawValue) needs at least one value")
            } else if !needsValues, !values.isEmpty, let f = fields["values"] {
                error(f, "operator \(op.rawValue) takes no values")
            }
        }
        guard let key, let op else { return nil }
        return LabelSelectorRequirement(key: key, op: op, values: values)
    }

    func policyStatus(_ field: YAMLField) -> ProbePolicyStatus? {
        guard let fields = mapping(field, known: ["observedGeneration", "conditions"]) else { return nil }
        var status = ProbePolicyStatus()
        status.observedGeneration = fields["observedGeneration"].flatMap { integer($0, Int64.self, minimum: 0) }
        if let f = fields["conditions"], let list = sequence(f) {
            status.conditions = list.compactMap { element in
                guard let c = mapping(element, known: ["type", "status", "reason", "message", "lastTransitionTime", "observedGeneration"]),
                      let type = c.required("type").flatMap(nonEmptyString),
                      let value = c.required("status").flatMap(nonEmptyString) else { return nil }
                return Condition(type: type, status: value, reason: c["reason"].flatMap(string), message: c["message"].flatMap(string),
                                 lastTransitionTime: c["lastTransitionTime"].flatMap(string),
                                 observedGeneration: c["observedGeneration"].flatMap { integer($0, Int64.self) })
            }
        }
        return status
    }
}
