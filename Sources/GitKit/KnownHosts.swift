import Foundation

/// An OpenSSH `known_hosts` file: which host keys are trusted for which hosts.
///
/// Supported: `host[,host...] keytype base64key [comment]` lines, `[host]:port` patterns, `*` and
/// `?` wildcards, `!negated` patterns, and the `@revoked` marker. Hashed host names
/// (`|1|salt|hash`, from `HashKnownHosts yes`) and `@cert-authority` lines are kept but never match:
/// list such hosts in plain form.
public struct KnownHosts: Sendable, Equatable {
    /// One trusted (or revoked) key line.
    public struct Entry: Sendable, Equatable {
        /// The comma-separated host patterns of the line, in order.
        public var hostPatterns: [String]
        /// The key type, e.g. `ssh-ed25519`.
        public var keyType: String
        /// The key blob (base64-decoded), in ssh wire format.
        public var key: [UInt8]
        /// The line's marker (`@revoked`, `@cert-authority`), nil for a plain line.
        public var marker: String?
        /// 1-based line number in the file, for messages.
        public var line: Int

        /// True when this entry's patterns name `host` on `port` (22 is written without brackets).
        public func matches(host: String, port: Int = 22) -> Bool {
            let name = port == 22 ? host.lowercased() : "[\(host.lowercased())]:\(port)"
            var matched = false
            for pattern in hostPatterns {
                if pattern.hasPrefix("!") {
                    if KnownHosts.glob(String(pattern.dropFirst()).lowercased(), name) { return false }
                } else if KnownHosts.glob(pattern.lowercased(), name) {
                    matched = true
                }
            }
            return matched
        }
    }

    /// The outcome of checking a presented host key.
    public enum Verdict: Sendable, Equatable {
        /// A trusted entry for the host has this key.
        case trusted
        /// The host is listed but with other keys: possibly an impostor.
        case mismatch
        /// The host is not listed at all.
        case unknownHost
        /// The key is listed as `@revoked`.
        case revoked
        /// libgit2 gave neither the raw key nor its SHA-256, so nothing could be compared.
        case noComparableKey
    }

    /// Parsed entries, in file order.
    public var entries: [Entry]
    /// Lines that could not be parsed (line number and why), for diagnostics.
    public var skippedLines: [(line: Int, reason: String)]

    public static func == (lhs: KnownHosts, rhs: KnownHosts) -> Bool {
        lhs.entries == rhs.entries && lhs.skippedLines.map(\.line) == rhs.skippedLines.map(\.line)
    }

    /// Parses the text of a known_hosts file. Blank and `#` lines are ignored; malformed lines
    /// are listed in `skippedLines`.
    public init(parsing text: String) {
        entries = []
        skippedLines = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            var marker: String?
            if let first = fields.first, first.hasPrefix("@") {
                marker = first
                fields.removeFirst()
            }
            guard fields.count >= 3 else {
                skippedLines.append((lineNumber, "expected 'host keytype base64key'"))
                continue
            }
            guard let key = Data(base64Encoded: fields[2]) else {
                skippedLines.append((lineNumber, "the key is not valid base64"))
                continue
            }
            entries.append(Entry(hostPatterns: fields[0].split(separator: ",").map(String.init),
                                 keyType: fields[1], key: [UInt8](key), marker: marker, line: lineNumber))
        }
    }

    /// Reads and parses a known_hosts file.
    public init(contentsOf path: String) throws {
        do {
            self.init(parsing: try String(contentsOfFile: path, encoding: .utf8))
        } catch {
            throw GitError(kind: .certificate, call: "read known_hosts",
                           message: "cannot read known_hosts file \(path): \(error.localizedDescription)")
        }
    }

    /// Checks the key `host:port` presented, given as the raw key blob and/or its SHA-256
    /// (whichever libgit2 provided; the raw key is compared when both are there).
    public func verify(host: String, port: Int = 22, rawKey: [UInt8]?, sha256: [UInt8]?) -> Verdict {
        guard rawKey != nil || sha256 != nil else { return .noComparableKey }
        func same(_ entry: Entry) -> Bool {
            if let rawKey { return entry.key == rawKey }
            return SHA256.hash(entry.key) == sha256
        }
        let forHost = entries.filter { $0.matches(host: host, port: port) }
        if forHost.contains(where: { $0.marker == "@revoked" && same($0) }) { return .revoked }
        let candidates = forHost.filter { $0.marker == nil }
        if candidates.isEmpty { return .unknownHost }
        return candidates.contains(where: same) ? .trusted : .mismatch
    }

    /// Shell-style match of `*` and `?` against the whole of `text`.
    static func glob(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.utf8), t = Array(text.utf8)
        var pi = 0, ti = 0, starP = -1, starT = 0
        while ti < t.count {
            if pi < p.count, p[pi] == UInt8(ascii: "?") || p[pi] == t[ti] {
                pi += 1; ti += 1
            } else if pi < p.count, p[pi] == UInt8(ascii: "*") {
                starP = pi; starT = ti; pi += 1
            } else if starP >= 0 {
                pi = starP + 1; starT += 1; ti = starT
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}
