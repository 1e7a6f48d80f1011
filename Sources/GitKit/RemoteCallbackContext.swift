import CGit2
import Foundation

/// What the C callbacks of one network operation (clone, fetch, push) need, reached through
/// libgit2's payload pointer. Lives on the stack of the operation and is used only by the thread
/// running it.
final class RemoteCallbackContext {
    let credentials: Credentials
    /// Parsed before connecting, so an unreadable file fails early with a clear message.
    let knownHosts: KnownHosts?
    /// The ssh port of the remote URL (known_hosts lists non-22 ports as `[host]:port`).
    let port: Int
    /// Credentials handed out so far (username-only requests do not count).
    var credentialAttempts = 0
    /// References the remote refused during a push, with its reason.
    var rejections: [(reference: String, status: String)] = []
    /// A failure the callbacks diagnosed more precisely than libgit2's return code does.
    var failure: GitError?

    init(credentials: Credentials, url: String) throws {
        GitLibrary.ensureInitialized() // the callbacks set libgit2's per-thread error
        self.credentials = credentials
        if case .sshKey(_, _, _, let knownHostsPath) = credentials {
            knownHosts = try KnownHosts(contentsOf: knownHostsPath)
        } else {
            knownHosts = nil
        }
        port = Self.sshPort(of: url)
    }

    /// 22 unless an `ssh://host:port/...` URL says otherwise.
    static func sshPort(of url: String) -> Int {
        guard url.hasPrefix("ssh://") || url.hasPrefix("ssh+git://") || url.hasPrefix("git+ssh://") else { return 22 }
        return URL(string: url)?.port ?? 22
    }

    /// libgit2 callbacks wired to this context. The context must outlive every use of them.
    func callbacks() -> git_remote_callbacks {
        var callbacks = git_remote_callbacks()
        git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION))
        callbacks.payload = Unmanaged.passUnretained(self).toOpaque()
        callbacks.credentials = { out, _, usernameFromURL, allowedTypes, payload in
            guard let out, let payload else { return -1 }
            let context = Unmanaged<RemoteCallbackContext>.fromOpaque(payload).takeUnretainedValue()
            return context.acquireCredential(out, usernameFromURL.map { String(cString: $0) }, allowedTypes)
        }
        callbacks.certificate_check = { cert, valid, host, payload in
            guard let payload else { return -1 }
            let context = Unmanaged<RemoteCallbackContext>.fromOpaque(payload).takeUnretainedValue()
            return context.checkCertificate(cert, valid: valid != 0, host: host.map { String(cString: $0) } ?? "")
        }
        callbacks.push_update_reference = { reference, status, payload in
            guard let payload else { return -1 }
            if let status {
                let context = Unmanaged<RemoteCallbackContext>.fromOpaque(payload).takeUnretainedValue()
                context.rejections.append((reference.map { String(cString: $0) } ?? "?", String(cString: status)))
            }
            return 0
        }
        return callbacks
    }

    /// Records `error` and sets it as libgit2's last error, returning its code for the callback.
    private func fail(_ error: GitError, code: git_error_code) -> Int32 {
        failure = error
        git_error_set_str(error.errorClass, error.message)
        return code.rawValue
    }

    func acquireCredential(_ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>,
                                   _ usernameFromURL: String?, _ allowed: UInt32) -> Int32 {
        func allows(_ type: git_credential_t) -> Bool { allowed & type.rawValue != 0 }
        let authFailure = { (message: String) in
            GitError(kind: .authentication, call: "credentials callback", code: GIT_EAUTH.rawValue,
                     errorClass: Int32(GIT_ERROR_NET.rawValue), message: message)
        }
        // libgit2 asks again after the server refused what we gave: one attempt only, no loop.
        if credentialAttempts > 0 {
            return fail(authFailure("the remote rejected the credentials"), code: GIT_EAUTH)
        }
        switch credentials {
        case .none:
            return fail(authFailure("the remote asks for credentials and none are configured"), code: GIT_EAUTH)
        case .token(let token, let username):
            guard allows(GIT_CREDENTIAL_USERPASS_PLAINTEXT) else { break }
            credentialAttempts += 1
            return git_credential_userpass_plaintext_new(out, username ?? "x-access-token", token)
        case .userPassword(let username, let password):
            guard allows(GIT_CREDENTIAL_USERPASS_PLAINTEXT) else { break }
            credentialAttempts += 1
            return git_credential_userpass_plaintext_new(out, username, password)
        case .sshKey(let privateKey, let publicKey, let passphrase, _):
            let username = usernameFromURL ?? "git"
            if allows(GIT_CREDENTIAL_USERNAME) && !allows(GIT_CREDENTIAL_SSH_KEY) {
                return git_credential_username_new(out, username)
            }
            guard allows(GIT_CREDENTIAL_SSH_KEY) else { break }
            credentialAttempts += 1
            return withOptionalCString(publicKey) { publicKey in
                withOptionalCString(passphrase) { passphrase in
                    git_credential_ssh_key_new(out, username, publicKey, privateKey, passphrase)
                }
            }
        }
        return fail(authFailure("the remote wants a kind of credentials (libgit2 types 0x\(String(allowed, radix: 16))) that the configured ones cannot provide"),
                    code: GIT_EAUTH)
    }

    func checkCertificate(_ cert: UnsafeMutablePointer<git_cert>?, valid: Bool, host: String) -> Int32 {
        guard let cert, cert.pointee.cert_type == GIT_CERT_HOSTKEY_LIBSSH2 else {
            // https: libgit2 already verified the chain against the system CAs; keep its verdict.
            return GIT_PASSTHROUGH.rawValue
        }
        let certFailure = { (message: String) in
            GitError(kind: .certificate, call: "certificate check callback", code: GIT_ECERTIFICATE.rawValue,
                     errorClass: Int32(GIT_ERROR_SSH.rawValue), message: message)
        }
        guard let knownHosts else {
            return fail(certFailure("ssh host \(host) cannot be verified: ssh needs Credentials.sshKey with a known_hosts file"),
                        code: GIT_ECERTIFICATE)
        }
        let hostkey = UnsafeRawPointer(cert).load(as: git_cert_hostkey.self)
        var rawKey: [UInt8]?
        if hostkey.type.rawValue & GIT_CERT_SSH_RAW.rawValue != 0, let bytes = hostkey.hostkey {
            rawKey = [UInt8](UnsafeRawBufferPointer(start: bytes, count: hostkey.hostkey_len))
        }
        var sha256: [UInt8]?
        if hostkey.type.rawValue & GIT_CERT_SSH_SHA256.rawValue != 0 {
            sha256 = withUnsafeBytes(of: hostkey.hash_sha256) { [UInt8]($0) }
        }
        let name = port == 22 ? host : "[\(host)]:\(port)"
        switch knownHosts.verify(host: host, port: port, rawKey: rawKey, sha256: sha256) {
        case .trusted:
            return 0
        case .unknownHost:
            return fail(certFailure("ssh host \(name) is not in the known_hosts file"), code: GIT_ECERTIFICATE)
        case .mismatch:
            return fail(certFailure("ssh host key of \(name) does not match the known_hosts file (possible impostor)"), code: GIT_ECERTIFICATE)
        case .revoked:
            return fail(certFailure("ssh host key of \(name) is marked @revoked in the known_hosts file"), code: GIT_ECERTIFICATE)
        case .noComparableKey:
            return fail(certFailure("libgit2 gave no SHA-256 or raw host key for \(name): cannot verify it"), code: GIT_ECERTIFICATE)
        }
    }

    /// The error to throw when `call` returned `code`: the callbacks' own diagnosis when they
    /// made one (renamed to the call), libgit2's otherwise.
    func error(call: String, code: Int32) -> GitError {
        guard var failure else { return GitError(call: call, code: code) }
        failure.message += " (in \(failure.call))"
        failure.call = call
        return failure
    }
}
