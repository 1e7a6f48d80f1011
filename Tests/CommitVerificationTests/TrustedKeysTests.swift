@testable import CommitVerification
import Foundation
import Testing

/// The trusted-keys file: git's allowed_signers lines and plain `.pub` lines; each bad line is a
/// problem naming file:line while the good lines are kept.
@Suite struct TrustedKeysTests {
    static let ed = Vectors.ed25519.publicKey
    static let edKey = String(ed.split(separator: " ")[1])

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var line: String
        /// Principals when the line is good; nil when it must be a problem.
        var principals: [String]?
        /// What the problem says.
        var problem: String = ""
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: ".pub line", line: ed, principals: []),
        Case(name: "key without comment", line: "ssh-ed25519 " + edKey, principals: []),
        Case(name: "allowed_signers", line: "alice@example.org " + ed, principals: ["alice@example.org"]),
        Case(name: "several principals", line: "alice@example.org,bob@example.org " + ed, principals: ["alice@example.org", "bob@example.org"]),
        Case(name: "options", line: "alice@example.org namespaces=\"git\",valid-after=\"20240101\" " + ed, principals: ["alice@example.org"]),
        Case(name: "quoted principals with a space", line: "\"alice smith\" " + ed, principals: ["alice smith"]),
        Case(name: "every other key type", line: "x " + Vectors.rsaSHA512.publicKey, principals: ["x"]),
        Case(name: "no key type", line: "alice@example.org AAAAC3NzaC1lZDI1NTE5", principals: nil, problem: "no key type"),
        Case(name: "missing key", line: "alice@example.org ssh-ed25519", principals: nil, problem: "the base64 key is missing"),
        Case(name: "bad base64", line: "ssh-ed25519 not*base64", principals: nil, problem: "not valid base64"),
        Case(name: "type and key disagree", line: "ssh-rsa " + edKey, principals: nil, problem: "the line says ssh-rsa but the key is ssh-ed25519"),
        Case(name: "truncated key", line: "ssh-ed25519 " + String(edKey.prefix(40)), principals: nil, problem: "ssh-ed25519"),
        Case(name: "unknown option", line: "a@x no-touch-required " + ed, principals: nil, problem: "unknown option no-touch-required"),
        Case(name: "cert-authority", line: "a@x cert-authority " + ed, principals: nil, problem: "certificates are not supported"),
        Case(name: "bad date", line: "a@x valid-after=\"2024-01-01\" " + ed, principals: nil, problem: "expected YYYYMMDD"),
        Case(name: "impossible date", line: "a@x valid-before=\"20241301\" " + ed, principals: nil, problem: "not a valid date"),
        Case(name: "unclosed quote", line: "a@x namespaces=\"git " + ed, principals: nil, problem: "double quote is not closed"),
        Case(name: "too many fields", line: "a b c " + ed, principals: nil, problem: "3 fields before the key type"),
        Case(name: "security key", line: "a@x sk-ssh-ed25519@openssh.com AAAA", principals: nil, problem: "security-key (FIDO)"),
        Case(name: "dsa", line: "ssh-dss AAAAB3NzaC1kc3MAAACBAP", principals: nil, problem: "ssh-dss"),
    ]

    @Test(arguments: cases)
    func lines(_ c: Case) {
        let keys = TrustedKeys(parsing: "# trusted signers\n\n" + c.line + "\n", file: "signers")
        if let principals = c.principals {
            #expect(keys.problems.isEmpty, "\(keys.problems)")
            #expect(keys.entries.map(\.principals) == [principals])
            #expect(keys.entries.first?.location == "signers:3")
        } else {
            #expect(keys.entries.isEmpty)
            #expect(keys.problems.count == 1)
            #expect(keys.problems.first?.line == 3)
            #expect(keys.problems.first?.description.hasPrefix("signers:3: ") == true)
            #expect(keys.problems.first?.message.contains(c.problem) == true, "\(keys.problems)")
        }
    }

    /// A bad line does not stop the good ones around it.
    @Test func badLinesDoNotStopGoodOnes() throws {
        let text = ["alice@x " + Vectors.ed25519.publicKey, "garbage", "bob@x " + Vectors.ecdsaP256.publicKey].joined(separator: "\n")
        let keys = TrustedKeys(parsing: text, file: "f")
        #expect(keys.entries.map(\.principals) == [["alice@x"], ["bob@x"]])
        #expect(keys.problems.map(\.line) == [2])
        let key = try SSHSignature(armored: Vectors.ecdsaP256.signature).publicKey
        #expect(keys.entries(for: key).map(\.location) == ["f:3"])
    }

    @Test func options() throws {
        let keys = TrustedKeys(parsing: "a@x namespaces=\"git,file\",valid-after=\"202401021530Z\",valid-before=\"20250102153045\" " + Self.ed, file: "f")
        let entry = try #require(keys.entries.first)
        #expect(entry.namespaces == ["git", "file"])
        #expect(entry.validAfter == Date(timeIntervalSince1970: 1_704_209_400))
        #expect(entry.validBefore == Date(timeIntervalSince1970: 1_735_831_845))
    }

    /// Namespace patterns as OpenSSH matches them, each against `git`.
    @Test(arguments: [
        (["git"], true), (["file"], false), (["*"], true), (["g?t"], true),
        (["*", "!git"], false), (["gi*", "!file"], true), (["!git"], false),
    ])
    func namespacePatterns(_ patterns: [String], _ allowed: Bool) throws {
        var entry = try #require(TrustedKeys(parsing: Self.ed, file: "f").entries.first)
        entry.namespaces = patterns
        #expect(entry.allows(namespace: "git") == allowed)
    }
}
