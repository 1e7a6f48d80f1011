/// The names the Kubernetes API server accepts, checked the same way wherever a name or a label
/// enters Aeolus from outside (an agent's registration, a path parameter): a node name becomes a
/// status file's name, a `/metrics` label and a git path, so one that Kubernetes would refuse
/// (10 KB long, CR/LF/NUL, characters that collide once sanitised) is refused here too.
public enum KubernetesNames {
    /// Longest DNS-1123 subdomain (a node, a namespace-less object name).
    public static let maxSubdomainLength = 253
    /// Longest label name (the part after an optional `prefix/`) and label value.
    public static let maxLabelPartLength = 63
    /// Most labels one registration may carry. Kubernetes has no count limit; real nodes carry a
    /// few dozen, and each one is encoded into every status commit of the node.
    public static let maxLabels = 256

    /// Why `name` is not a DNS-1123 subdomain (lowercase letters, digits, `-` and `.`, starting and
    /// ending with a letter or digit, at most 253 characters, labels of at most 63); nil when it is.
    public static func subdomainProblem(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty else { return "must not be empty" }
        guard bytes.count <= maxSubdomainLength else { return "is \(bytes.count) bytes long, at most \(maxSubdomainLength)" }
        for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard !label.isEmpty else { return "has an empty part between dots" }
            guard label.count <= maxLabelPartLength else { return "has a part longer than \(maxLabelPartLength) characters" }
            guard label.allSatisfy({ isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }) else {
                return "may hold only lowercase letters, digits, '-' and '.'"
            }
            guard isLowerAlphanumeric(label.first!), isLowerAlphanumeric(label.last!) else {
                return "must start and end each part with a lowercase letter or digit"
            }
        }
        return nil
    }

    /// Why `key` is not a label key (`[prefix/]name`: the prefix a DNS-1123 subdomain, the name at
    /// most 63 of letters, digits, `-`, `_`, `.`, starting and ending alphanumeric); nil when it is.
    public static func labelKeyProblem(_ key: String) -> String? {
        let parts = key.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2, let problem = subdomainProblem(String(parts[0])) { return "prefix \(problem)" }
        let name = parts.count == 2 ? String(parts[1]) : key
        guard !name.isEmpty else { return "name must not be empty" }
        return labelPartProblem(name).map { "name \($0)" }
    }

    /// Why `value` is not a label value (empty, or like a label key's name part); nil when it is.
    public static func labelValueProblem(_ value: String) -> String? {
        value.isEmpty ? nil : labelPartProblem(value)
    }

    /// The first problem of a label set, naming the key; nil when every label is valid.
    public static func labelsProblem(_ labels: [String: String]) -> String? {
        guard labels.count <= maxLabels else { return "\(labels.count) labels, at most \(maxLabels)" }
        for key in labels.keys.sorted() {
            if let problem = labelKeyProblem(key) { return "label key \(quoted(key)): \(problem)" }
            if let problem = labelValueProblem(labels[key]!) { return "label \(quoted(key)) value \(quoted(labels[key]!)): \(problem)" }
        }
        return nil
    }

    /// A name for messages: cut to 80 characters, control characters escaped.
    public static func quoted(_ text: String) -> String {
        let cut = text.unicodeScalars.count > 80 ? String(String.UnicodeScalarView(text.unicodeScalars.prefix(80))) + "…" : text
        return "\"" + cut.unicodeScalars.map { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format
            ? $0.escaped(asASCII: true) : String($0) }.joined() + "\""
    }

    private static func labelPartProblem(_ part: String) -> String? {
        let bytes = Array(part.utf8)
        guard bytes.count <= maxLabelPartLength else { return "is \(bytes.count) characters long, at most \(maxLabelPartLength)" }
        guard bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }) else {
            return "may hold only letters, digits, '-', '_' and '.'"
        }
        guard isAlphanumeric(bytes.first!), isAlphanumeric(bytes.last!) else { return "must start and end with a letter or digit" }
        return nil
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isLowerAlphanumeric(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
}
