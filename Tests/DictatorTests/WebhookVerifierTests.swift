import CurlKit
@testable import Dictator
import Testing

@Suite struct WebhookVerifierTests {
    static let body = Array(#"{"ref":"refs/heads/main","after":"abc"}"#.utf8)
    static let secret = "It's a Secret to Everybody"

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var secret: String?
        var headers: [String: String]
        var ok: Bool
        var testDescription: String { name }
    }

    static var good: String { WebhookVerifier(secret: secret).hmac(body, secret) }

    static let cases: [Case] = [
        Case(name: "no secret accepts anything", secret: nil, headers: [:], ok: true),
        Case(name: "github good", secret: secret, headers: ["X-Hub-Signature-256": "sha256=" + good], ok: true),
        Case(name: "github bad", secret: secret, headers: ["X-Hub-Signature-256": "sha256=" + String(repeating: "0", count: 64)], ok: false),
        Case(name: "gitea good", secret: secret, headers: ["X-Gitea-Signature": good], ok: true),
        Case(name: "gitea other secret", secret: secret,
             headers: ["X-Gitea-Signature": WebhookVerifier(secret: "x").hmac(body, "x")], ok: false),
        Case(name: "gitlab good", secret: secret, headers: ["X-Gitlab-Token": secret], ok: true),
        Case(name: "gitlab bad", secret: secret, headers: ["X-Gitlab-Token": "guess"], ok: false),
        Case(name: "missing", secret: secret, headers: [:], ok: false),
    ]

    @Test(arguments: cases)
    func verify(_ c: Case) {
        let result = WebhookVerifier(secret: c.secret).verify(body: Self.body) { name in c.headers[name] }
        if case .success = result { #expect(c.ok) } else { #expect(!c.ok) }
    }

    /// Before the body: a missing signature or a wrong GitLab token is refused; a signature that
    /// needs the body passes to `verify`.
    @Test func headersAloneRefuseWhatCannotBeSigned() {
        let verifier = WebhookVerifier(secret: Self.secret)
        func check(_ headers: [String: String]) -> Bool {
            if case .success = verifier.verifyHeaders({ headers[$0] }) { return true } else { return false }
        }
        #expect(!check([:]))
        #expect(!check(["X-Gitlab-Token": "guess"]))
        #expect(check(["X-Gitlab-Token": Self.secret]))
        #expect(check(["X-Hub-Signature-256": "sha256=00"]))
        #expect(check(["X-Gitea-Signature": "00"]))
        if case .success = WebhookVerifier(secret: nil).verifyHeaders({ _ in nil }) {} else { Issue.record("no secret accepts anything") }
    }

    /// The example from GitHub's documentation ("Validating webhook deliveries").
    @Test func githubDocumentedVector() {
        let verifier = WebhookVerifier(secret: Self.secret)
        #expect(verifier.hmac(Array("Hello, World!".utf8), Self.secret)
                == "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
    }

    @Test func pushEventsName() {
        #expect(PushEvent.parse(Self.body)?.concerns(branch: "main") == true)
        #expect(PushEvent.parse(Array(#"{"ref":"refs/heads/dev"}"#.utf8))?.concerns(branch: "main") == false)
        #expect(PushEvent.parse(Array("not json".utf8)) == nil)
    }

    /// Against the live route: no signature → 401 however large the body; a signed body above
    /// the cap → 413; a good signature → 202.
    @Test func theRouteChecksHeadersBeforeItReadsAndCapsTheBody() async throws {
        let server = try await LiveServer(webhookSecret: Self.secret)
        let client = HTTPClient()
        func post(_ body: [UInt8], _ headers: [String: String]) async throws -> Int {
            var fields: HTTPHeaders = ["Content-Type": "application/json"]
            for (name, value) in headers { fields.add(name: name, value: value) }
            return try await client.send(HTTPRequest(method: .post, url: server.base + "/hooks/git", headers: fields,
                                                     body: body, timeout: .seconds(30))).status
        }
        let large = [UInt8](repeating: UInt8(ascii: " "), count: WebhookVerifier.maxBody + 1)
        #expect(try await post(large, [:]) == 401)
        #expect(try await post(large, ["X-Gitlab-Token": "guess"]) == 401)
        #expect(try await post(large, ["X-Hub-Signature-256": "sha256=" + WebhookVerifier(secret: Self.secret).hmac(large, Self.secret)]) == 413)
        #expect(try await post(Self.body, ["X-Hub-Signature-256": "sha256=" + Self.good]) == 202)
        await server.stop()
    }
}
