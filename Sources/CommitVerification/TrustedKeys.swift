import Foundation

/// The keys whose signatures are trusted, read from a file in git's `allowed_signers` format
/// (`principals [options] keytype base64key [comment]`, as `gpg.ssh.allowedSignersFile`) or as
/// plain `authorized_keys` / `.pub` lines (`keytype base64key [comment]`).
///
/// Options: `namespaces="git,..."` (the key is trusted for commits only when a pattern matches
/// `git`), `valid-after="YYYYMMDD[HHMM[SS]][Z]"` and `valid-before=...` (UTC, compared with the
/// commit's committer time, as git does). `cert-authority` and unknown options make a line bad.
/// Bad lines are reported with file:line and skipped; the good lines stay trusted.
public struct TrustedKeys: Sendable {
    /// One trusted key and what it is trusted for.
    public struct Entry: Sendable, Hashable {
        /// The key.
        public var key: SSHPublicKey
        /// Who it belongs to (allowed_signers principals; empty for a `.pub` line).
        public var principals: [String]
        /// Namespace patterns it may sign for; nil: any.
        public var namespaces: [String]?
        /// Signatures on commits made before this are not trusted.
        public var validAfter: Date?
        /// Signatures on commits made after this are not trusted.
        public var validBefore: Date?
        /// Where it was read: `file:line`.
        public var location: String
    }

    /// A line that was not read: `file:line: message`.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The file.
        public var file: String
        /// 1-based line.
        public var line: Int
        /// What is wrong and what was expected.
        public var message: String

        public var description: String { "\(file):\(line): \(message)" }
    }

    /// The keys read, in file order.
    public let entries: [Entry]
    /// The lines that were skipped.
    public let problems: [Problem]
    private let byBlob: [[UInt8]: [Entry]]

    /// Parses `text` (from `file`, named in problems and entries).
    public init(parsing text: String, file: String) {
        var entries: [Entry] = []
        var problems: [Problem] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            do {
                entries.append(try Self.entry(line, location: "\(file):\(index + 1)"))
            } catch let error as SignatureFormatError {
                problems.append(Problem(file: file, line: index + 1, message: error.message))
            } catch {
                problems.append(Problem(file: file, line: index + 1, message: "\(error)"))
            }
        }
        self.entries = entries
        self.problems = problems
        byBlob = Dictionary(grouping: entries, by: \.key.blob)
    }

    /// The entries for `key` (empty when it is not trusted at all).
    public func entries(for key: SSHPublicKey) -> [Entry] { byBlob[key.blob] ?? [] }

    // MARK: Parsing one line

    private static func entry(_ line: String, location: String) throws -> Entry {
        let fields = try tokens(line)
        guard let keyIndex = fields.firstIndex(where: isKeyType) else {
            throw SignatureFormatError("no key type (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa, ...) on the line; expected `principals [options] keytype base64key` or `keytype base64key`")
        }
        guard keyIndex <= 2 else {
            throw SignatureFormatError("\(keyIndex) fields before the key type; expected `principals [options] keytype base64key`")
        }
        guard keyIndex + 1 < fields.count else { throw SignatureFormatError("\(fields[keyIndex]): the base64 key is missing") }
        let type = fields[keyIndex]
        if let reason = SSHPublicKey.unsupportedReason(type) { throw SignatureFormatError(reason) }
        guard let blob = Data(base64Encoded: fields[keyIndex + 1]) else {
            throw SignatureFormatError("\(type): the key is not valid base64")
        }
        let key = try SSHPublicKey(blob: Array(blob))
        guard key.type == type else { throw SignatureFormatError("the line says \(type) but the key is \(key.type)") }
        var entry = Entry(key: key, principals: [], location: location)
        if keyIndex >= 1 {
            entry.principals = unquote(fields[0]).split(separator: ",").map(String.init)
            guard !entry.principals.isEmpty else { throw SignatureFormatError("empty principals") }
        }
        if keyIndex == 2 { try applyOptions(fields[1], to: &entry) }
        return entry
    }

    private static func isKeyType(_ field: String) -> Bool {
        SSHPublicKey.supportedTypes.contains(field) || SSHPublicKey.unsupportedReason(field) != nil
            || field.hasPrefix("ssh-") || field.hasPrefix("ecdsa-sha2-")
    }

    private static func applyOptions(_ text: String, to entry: inout Entry) throws {
        for option in try split(text, separator: ",") {
            let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts[0].lowercased()
            let value = parts.count == 2 ? unquote(parts[1]) : nil
            switch (name, value) {
            case ("namespaces", let value?):
                entry.namespaces = value.split(separator: ",").map(String.init)
            case ("valid-after", let value?):
                entry.validAfter = try time(value, option: name)
            case ("valid-before", let value?):
                entry.validBefore = try time(value, option: name)
            case ("cert-authority", _):
                throw SignatureFormatError("cert-authority: certificates are not supported; list the keys themselves")
            case ("namespaces", nil), ("valid-after", nil), ("valid-before", nil):
                throw SignatureFormatError("option \(name) needs a value, e.g. \(name)=\"...\"")
            default:
                throw SignatureFormatError("unknown option \(name) (known: namespaces, valid-after, valid-before)")
            }
        }
    }

    /// `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, optionally ending in `Z`; read as UTC.
    static func time(_ text: String, option: String) throws -> Date {
        let digits = text.hasSuffix("Z") ? String(text.dropLast()) : text
        guard [8, 12, 14].contains(digits.count), digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else {
            throw SignatureFormatError("\(option)=\"\(text)\": expected YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS")
        }
        let numbers = stride(from: 0, to: digits.count, by: 2).map { Int(digits.dropFirst($0).prefix(2))! }
        var components = DateComponents()
        components.year = numbers[0] * 100 + numbers[1]
        components.month = numbers[2]
        components.day = numbers[3]
        components.hour = numbers.count > 4 ? numbers[4] : 0
        components.minute = numbers.count > 5 ? numbers[5] : 0
        components.second = numbers.count > 6 ? numbers[6] : 0
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard components.isValidDate(in: calendar), let date = calendar.date(from: components) else {
            throw SignatureFormatError("\(option)=\"\(text)\": not a valid date")
        }
        return date
    }

    /// Whitespace-separated fields; double quotes keep spaces inside a field.
    private static func tokens(_ line: String) throws -> [String] {
        try split(line, separator: " ", whitespace: true)
    }

    /// Splits at `separator` outside double quotes (quotes are kept; `whitespace` splits at any run of blanks).
    private static func split(_ text: String, separator: Character, whitespace: Bool = false) throws -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        for character in text {
            if character == "\"" { quoted.toggle() }
            let splits = !quoted && (whitespace ? character == " " || character == "\t" : character == separator)
            if splits {
                if !current.isEmpty || !whitespace { fields.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        guard !quoted else { throw SignatureFormatError("a double quote is not closed") }
        if !current.isEmpty || !whitespace { fields.append(current) }
        if !whitespace, fields.contains(where: \.isEmpty) { throw SignatureFormatError("an empty option in \(text)") }
        return fields
    }

    private static func unquote(_ text: String) -> String {
        text.count >= 2 && text.hasPrefix("\"") && text.hasSuffix("\"") ? String(text.dropFirst().dropLast()) : text
    }
}

extension TrustedKeys.Entry {
    /// Whether `namespace` matches one of the entry's patterns (`*`, `?`, `!` negation); true
    /// when the entry names no namespaces.
    func allows(namespace: String) -> Bool {
        guard let namespaces else { return true }
        var matched = false
        for pattern in namespaces {
            if pattern.hasPrefix("!") {
                if Self.glob(Array(pattern.dropFirst()), Array(namespace)) { return false }
            } else if Self.glob(Array(pattern), Array(namespace)) {
                matched = true
            }
        }
        return matched
    }

    /// `*` and `?` wildcard matching.
    static func glob(_ pattern: [Character], _ text: [Character]) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        if first == "*" { return (0...text.count).contains { glob(Array(pattern.dropFirst()), Array(text.dropFirst($0))) } }
        guard let head = text.first, first == "?" || first == head else { return false }
        return glob(Array(pattern.dropFirst()), Array(text.dropFirst()))
    }

    /// The principals for messages (`alice@example.org, bob@...`), or nil when there are none.
    public var who: String? { principals.isEmpty ? nil : principals.joined(separator: ", ") }
}
