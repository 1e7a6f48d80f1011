import Foundation
import Yams

extension RepoSettings {
    /// Decodes `aeolus.yaml` (kind RepoSettings); every field of `spec` is optional.
    public static func decode(yaml data: Data, file: String) -> Decoded<RepoSettings> {
        var diagnostics = Diagnostics()
        let documents = YAMLText.documents(data, file: file, diagnostics: &diagnostics)
        let decoder = NodeDecoder(file: file)
        decoder.append(diagnostics)
        guard documents.count <= 1 else {
            decoder.error(at: documents[1], path: "", "expected one RepoSettings document, found \(documents.count)")
            return decoder.result(nil)
        }
        guard let document = documents.first else {
            return decoder.result(diagnostics.hasErrors ? nil : RepoSettings())
        }
        return decoder.result(decoder.repoSettings(decoder.root(document)))
    }
}

extension NodeDecoder {
    func repoSettings(_ root: YAMLField) -> RepoSettings? {
        guard let fields = mapping(root, known: ["apiVersion", "kind", "spec"]) else { return nil }
        header(fields, kind: "RepoSettings")
        var settings = RepoSettings()
        guard let specField = fields["spec"] else { return settings }
        guard let spec = mapping(specField, known: ["statusBranch", "include", "allowedHooks", "helpers", "limits", "reactionDefaults"])
        else { return nil }
        if let f = spec["statusBranch"], let branch = nonEmptyString(f) {
            if branch.contains(" ") || branch.hasPrefix("/") || branch.hasSuffix("/") || branch.contains("..") {
                error(f, "\"\(branch)\" is not a valid branch name")
            } else { settings.statusBranch = branch }
        }
        if let f = spec["include"], let list = stringList(f) {
            for folder in list where folder.hasPrefix("/") || folder.split(separator: "/").contains("..") {
                error(f, "include folder \"\(folder)\" must be a path inside the repository")
            }
            settings.include = list.filter { !$0.hasPrefix("/") && !$0.split(separator: "/").contains("..") }
        }
        if let f = spec["allowedHooks"], let list = sequence(f) {
            settings.allowedHooks = list.compactMap { element in
                guard let name = string(element) else { return nil }
                guard let hook = Hook(rawValue: name) ?? Hook(name: name, direction: nil) else {
                    let names = Hook.allCases.map(\.rawValue)
                    error(element, "unknown hook \"\(name)\" (expected one of \(names.joined(separator: ", ")))"
                        + Suggestion.hint(for: name, in: names))
                    return nil
                }
                if !hook.isSupported { warning(element, "hook \(hook.rawValue) is not supported on this kernel") }
                return hook
            }
        }
        if let f = spec["helpers"], let helpers = mapping(f, known: ["allow", "forbid"]) {
            if let a = helpers["allow"] { settings.helpers.allow = stringList(a) ?? [] }
            if let b = helpers["forbid"] { settings.helpers.forbid = stringList(b) ?? settings.helpers.forbid }
        }
        if let f = spec["limits"],
           let limits = mapping(f, known: ["maxInstructions", "maxMapEntries", "maxActiveReactions", "reactionsPerMinute",
                                           "maxFileBytes", "maxRepositoryBytes", "maxTemplates", "maxPolicies", "maxEdges"]) {
            let keys: [(String, WritableKeyPath<Limits, Int>)] = [
                ("maxInstructions", \.maxInstructions), ("maxMapEntries", \.maxMapEntries),
                ("maxActiveReactions", \.maxActiveReactions), ("reactionsPerMinute", \.reactionsPerMinute),
                ("maxFileBytes", \.maxFileBytes), ("maxRepositoryBytes", \.maxRepositoryBytes),
                ("maxTemplates", \.maxTemplates), ("maxPolicies", \.maxPolicies), ("maxEdges", \.maxEdges),
            ]
            for (key, path) in keys {
                if let v = limits[key].flatMap({ integer($0, Int.self, minimum: 1) }) { settings.limits[keyPath: path] = v }
            }
        }
        if let f = spec["reactionDefaults"], let d = mapping(f, known: ["ttl", "cooldown", "maxActive"]) {
            if let ttl = d["ttl"].flatMap(timeSpan) { settings.reactionDefaults.ttl = ttl }
            if let cooldown = d["cooldown"].flatMap(timeSpan) { settings.reactionDefaults.cooldown = cooldown }
            if let n = d["maxActive"].flatMap({ integer($0, Int.self, minimum: 1) }) { settings.reactionDefaults.maxActive = n }
        }
        return settings
    }
}
