import Crypto
import Foundation

/// Checks and reads `POST /hooks/git` push notifications from GitHub, Gitea and GitLab.
///
/// With a secret configured, a request must carry GitHub's `X-Hub-Signature-256: sha256=<hex>`
/// or Gitea's `X-Gitea-Signature: <hex>` (HMAC-SHA256 of the body), or GitLab's
/// `X-Gitlab-Token: <secret>`; without a secret every request is accepted.
public struct WebhookVerifier: Sendable {
    /// The shared secret; nil accepts unsigned requests.
    public var secret: String?

    /// A verifier for `secret`.
    public init(secret: String?) {
        self.secret = secret.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Why a request was refused.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// No signature header although a secret is configured.
        case missingSignature
        /// A signature or token that does not match the secret.
        case badSignature(header: String)

        public var description: String {
            switch self {
            case .missingSignature:
                "missing signature: expected X-Hub-Signature-256, X-Gitea-Signature or X-Gitlab-Token"
            case .badSignature(let header):
                "\(header) does not match the configured webhook secret"
            }
        }
    }

    /// Largest webhook body read (a push event is kilobytes; GitHub lists at most 20 commits).
    public static let maxBody = 4 << 20

    /// What can be checked before the body is read: with a secret, a request without any of the
    /// three headers, or with a GitLab token that does not match, is refused at once, so an
    /// unauthenticated client never makes the dictator buffer a body.
    public func verifyHeaders(_ header: (String) -> String?) -> Result<Void, Failure> {
        guard let secret else { return .success(()) }
        if header("X-Hub-Signature-256") != nil || header("X-Gitea-Signature") != nil { return .success(()) }
        if let value = header("X-Gitlab-Token") {
            return Self.constantTimeEqual(value, secret) ? .success(()) : .failure(.badSignature(header: "X-Gitlab-Token"))
        }
        return .failure(.missingSignature)
    }

    /// Verifies `body` against the request's headers (`header(name)` returns a header's value).
    public func verify(body: [UInt8], header: (String) -> String?) -> Result<Void, Failure> {
        guard let secret else { return .success(()) }
        if let value = header("X-Hub-Signature-256") {
            let hex = value.hasPrefix("sha256=") ? String(value.dropFirst(7)) : value
            return Self.constantTimeEqual(hex.lowercased(), hmac(body, secret)) ? .success(()) : .failure(.badSignature(header: "X-Hub-Signature-256"))
        }
        if let value = header("X-Gitea-Signature") {
            return Self.constantTimeEqual(value.lowercased(), hmac(body, secret)) ? .success(()) : .failure(.badSignature(header: "X-Gitea-Signature"))
        }
        if let value = header("X-Gitlab-Token") {
            return Self.constantTimeEqual(value, secret) ? .success(()) : .failure(.badSignature(header: "X-Gitlab-Token"))
        }
        return .failure(.missingSignature)
    }

    /// Hex HMAC-SHA256 of `body` with `secret`.
    public func hmac(_ body: [UInt8], _ secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return code.map { String(format: "%02x", $0) }.joined()
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// What a push notification says: which reference moved, to which commit. The three forges share
/// `ref` and `after` (GitLab also sends `checkout_sha`).
public struct PushEvent: Sendable, Hashable, Decodable {
    /// `refs/heads/<branch>`.
    public var ref: String?
    /// The new commit.
    public var after: String?

    /// Decodes a GitHub, GitLab or Gitea push payload; nil when the body is not one.
    public static func parse(_ body: [UInt8]) -> PushEvent? {
        try? JSONDecoder().decode(PushEvent.self, from: Data(body))
    }

    /// Whether the push moved `branch` (a payload without `ref` is taken as yes).
    public func concerns(branch: String) -> Bool {
        guard let ref else { return true }
        return ref == "refs/heads/\(branch)" || ref == branch
    }
}
