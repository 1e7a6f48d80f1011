import Foundation
import Testing
@testable import GitKit

@Suite("known_hosts parsing and host key verification")
struct KnownHostsTests {
    static let keyA: [UInt8] = Array("ssh-ed25519 key A blob".utf8)
    static let keyB: [UInt8] = Array("ssh-ed25519 key B blob".utf8)
    static let keyC: [UInt8] = Array("ssh-rsa key C blob".utf8)
    static func b64(_ key: [UInt8]) -> String { Data(key).base64EncodedString() }

    static let file = """
        # comment line

        git.example.org,192.0.2.10 ssh-ed25519 \(b64(keyA)) ops@example
        [git.example.org]:2222 ssh-ed25519 \(b64(keyB))
        *.mirror.example,!evil.mirror.example ssh-rsa \(b64(keyC))
        @revoked git.example.org ssh-rsa \(b64(keyC))
        @cert-authority *.example.org ssh-ed25519 \(b64(keyB))
        |1|c2FsdA==|aGFzaA== ssh-ed25519 \(b64(keyA))
        only-two-fields ssh-ed25519
        broken.example ssh-ed25519 !!!not-base64!!!
        """

    @Test func parsesEntriesMarkersAndSkipsMalformedLines() {
        let hosts = KnownHosts(parsing: Self.file)
        #expect(hosts.entries.count == 6)
        #expect(hosts.entries[0].hostPatterns == ["git.example.org", "192.0.2.10"])
        #expect(hosts.entries[0].keyType == "ssh-ed25519")
        #expect(hosts.entries[0].key == Self.keyA)
        #expect(hosts.entries[0].line == 3)
        #expect(hosts.entries[0].marker == nil)
        #expect(hosts.entries[3].marker == "@revoked")
        #expect(hosts.entries[4].marker == "@cert-authority")
        #expect(hosts.skippedLines.map(\.line) == [9, 10])
    }

    @Test(arguments: [
        ("git.example.org", 22, 0, true),
        ("GIT.example.org", 22, 0, true),
        ("192.0.2.10", 22, 0, true),
        ("git.example.org", 2222, 0, false),
        ("git.example.org", 2222, 1, true),
        ("git.example.org", 22, 1, false),
        ("a.mirror.example", 22, 2, true),
        ("evil.mirror.example", 22, 2, false),
        ("mirror.example", 22, 2, false),
    ])
    func hostPatterns(host: String, port: Int, entry: Int, expected: Bool) {
        let hosts = KnownHosts(parsing: Self.file)
        #expect(hosts.entries[entry].matches(host: host, port: port) == expected)
    }

    @Test(arguments: [
        ("git.example.org", 22, keyA, KnownHosts.Verdict.trusted),
        ("git.example.org", 22, keyB, .mismatch),
        ("git.example.org", 22, keyC, .revoked),
        ("git.example.org", 2222, keyB, .trusted),
        ("git.example.org", 2222, keyA, .mismatch),
        ("unknown.example.net", 22, keyA, .unknownHost),
        ("x.example.org", 22, keyB, .unknownHost), // @cert-authority lines never vouch for a plain key
    ])
    func verifiesRawKeysAndTheirSHA256(host: String, port: Int, key: [UInt8], expected: KnownHosts.Verdict) {
        let hosts = KnownHosts(parsing: Self.file)
        #expect(hosts.verify(host: host, port: port, rawKey: key, sha256: nil) == expected)
        #expect(hosts.verify(host: host, port: port, rawKey: nil, sha256: SHA256.hash(key)) == expected)
    }

    @Test func withoutAnyKeyMaterialNothingIsTrusted() {
        let hosts = KnownHosts(parsing: Self.file)
        #expect(hosts.verify(host: "git.example.org", rawKey: nil, sha256: nil) == .noComparableKey)
    }

    @Test func unreadableFileIsACertificateError() {
        #expect {
            try KnownHosts(contentsOf: "/nonexistent/aeolus/known_hosts")
        } throws: { error in
            (error as? GitError)?.kind == .certificate
        }
    }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        (String(repeating: "a", count: 1000),
         "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"),
    ])
    func sha256MatchesFIPSVectors(message: String, digest: String) {
        let hex = SHA256.hash(Array(message.utf8)).map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        #expect(hex == digest)
    }

    @Test(arguments: [
        ("ssh://git@git.example.org:2222/config.git", 2222),
        ("ssh://git@git.example.org/config.git", 22),
        ("git@git.example.org:config.git", 22),
        ("https://git.example.org/config.git", 22),
    ])
    func sshPortComesFromTheURL(url: String, port: Int) {
        #expect(RemoteCallbackContext.sshPort(of: url) == port)
    }
}
