import AeolusTesting
import CGit2
import Foundation
import Testing
@testable import GitKit

/// The credential and certificate callbacks driven directly, as libgit2 would call them.
@Suite("Remote callbacks: credentials and ssh host key check")
struct RemoteCallbackTests {
    static let userpass = GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue
    static let sshKey = GIT_CREDENTIAL_SSH_KEY.rawValue
    static let username = GIT_CREDENTIAL_USERNAME.rawValue

    /// Asks `context` for credentials for each allowed-types value in turn; returns the codes and
    /// the credential types handed out (freeing them as libgit2 would).
    static func ask(_ context: RemoteCallbackContext, _ sequence: [UInt32]) -> [(Int32, UInt32?)] {
        sequence.map { allowed in
            var credential: UnsafeMutablePointer<git_credential>?
            let code = context.acquireCredential(&credential, "git", allowed)
            defer { if code == 0 { git_credential_free(credential) } }
            return (code, code == 0 ? credential?.pointee.credtype.rawValue : nil)
        }
    }

    @Test func credentialsAreOfferedOnceThenTheCallbackGivesUp() throws {
        let temp = try TemporaryDirectory(prefix: "gitkit-creds")
        defer { temp.remove() }
        try "".write(toFile: temp.path("known_hosts"), atomically: true, encoding: .utf8)
        let eauth = GIT_EAUTH.rawValue
        let cases: [(Credentials, [UInt32], [(Int32, UInt32?)])] = [
            (.none, [Self.userpass], [(eauth, nil)]),
            (.token("t0ken"), [Self.userpass, Self.userpass], [(0, Self.userpass), (eauth, nil)]),
            (.token("t0ken", username: "oauth2"), [Self.sshKey], [(eauth, nil)]),
            (.userPassword(username: "u", password: "p"), [Self.userpass | Self.sshKey, Self.userpass],
             [(0, Self.userpass), (eauth, nil)]),
            (.sshKey(privateKey: temp.path("id"), knownHosts: temp.path("known_hosts")),
             [Self.username, Self.sshKey, Self.sshKey],
             [(0, Self.username), (0, Self.sshKey), (eauth, nil)]),
        ]
        for (credentials, sequence, expected) in cases {
            let context = try RemoteCallbackContext(credentials: credentials, url: "https://127.0.0.1/x.git")
            let got = Self.ask(context, sequence)
            #expect(got.map(\.0) == expected.map(\.0), "\(credentials)")
            #expect(got.map(\.1) == expected.map(\.1), "\(credentials)")
            if expected.last?.0 == eauth {
                #expect(context.failure?.kind == .authentication)
                #expect(context.error(call: "git_remote_fetch", code: eauth).call == "git_remote_fetch")
            }
        }
    }

    static let key: [UInt8] = Array("ssh-ed25519 host key blob".utf8)

    /// Presents a libssh2 host key certificate carrying `key` (raw and/or SHA-256) to the callback.
    static func present(_ key: [UInt8], raw: Bool, sha256: Bool, host: String, to context: RemoteCallbackContext) -> Int32 {
        var cert = git_cert_hostkey()
        cert.parent.cert_type = GIT_CERT_HOSTKEY_LIBSSH2
        var types: UInt32 = 0
        if sha256 {
            types |= GIT_CERT_SSH_SHA256.rawValue
            let digest = SHA256.hash(key)
            withUnsafeMutableBytes(of: &cert.hash_sha256) { $0.copyBytes(from: digest) }
        }
        if raw { types |= GIT_CERT_SSH_RAW.rawValue }
        cert.type = git_cert_ssh_t(rawValue: types)
        return key.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                if raw {
                    cert.hostkey = chars.baseAddress
                    cert.hostkey_len = chars.count
                }
                return withUnsafeMutablePointer(to: &cert) {
                    $0.withMemoryRebound(to: git_cert.self, capacity: 1) { context.checkCertificate($0, valid: false, host: host) }
                }
            }
        }
    }

    @Test(arguments: [
        // (host, url, presented key, raw, sha256, accepted)
        ("git.example.org", "ssh://git@git.example.org/c.git", key, false, true, true),
        ("git.example.org", "git@git.example.org:c.git", key, true, false, true),
        ("git.example.org", "ssh://git@git.example.org/c.git", Array("another key".utf8), true, true, false),
        ("other.example.org", "ssh://git@other.example.org/c.git", key, false, true, false),
        ("git.example.org", "ssh://git@git.example.org:2222/c.git", key, false, true, false),
        ("git.example.org", "ssh://git@git.example.org/c.git", key, false, false, false),
    ])
    func sshHostKeyIsCheckedAgainstKnownHosts(host: String, url: String, key: [UInt8], raw: Bool, sha256: Bool, accepted: Bool) throws {
        let temp = try TemporaryDirectory(prefix: "gitkit-hostkey")
        defer { temp.remove() }
        try "git.example.org ssh-ed25519 \(Data(Self.key).base64EncodedString())\n"
            .write(toFile: temp.path("known_hosts"), atomically: true, encoding: .utf8)
        let context = try RemoteCallbackContext(
            credentials: .sshKey(privateKey: temp.path("id"), knownHosts: temp.path("known_hosts")), url: url)
        let code = Self.present(key, raw: raw, sha256: sha256, host: host, to: context)
        #expect((code == 0) == accepted)
        if !accepted {
            #expect(code == GIT_ECERTIFICATE.rawValue)
            #expect(context.failure?.kind == .certificate)
        }
    }

    @Test func sshHostKeyWithoutSSHCredentialsIsRejectedAndHTTPSKeepsLibgit2Verdict() throws {
        let context = try RemoteCallbackContext(credentials: .token("t"), url: "ssh://git@git.example.org/c.git")
        #expect(Self.present(Self.key, raw: true, sha256: true, host: "git.example.org", to: context) == GIT_ECERTIFICATE.rawValue)
        var x509 = git_cert_x509()
        x509.parent.cert_type = GIT_CERT_X509
        let code = withUnsafeMutablePointer(to: &x509) {
            $0.withMemoryRebound(to: git_cert.self, capacity: 1) { context.checkCertificate($0, valid: true, host: "h") }
        }
        #expect(code == GIT_PASSTHROUGH.rawValue)
    }
}
