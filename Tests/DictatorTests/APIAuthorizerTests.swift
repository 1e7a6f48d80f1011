@testable import Dictator
import Testing

@Suite struct APIAuthorizerTests {
    static let secret = "correct horse battery staple"
    static let authorizer = APIAuthorizer(secret: secret)
    static func bearer(_ identity: APIAuthorizer.Identity) -> String {
        "Bearer " + (try! authorizer.token(for: identity))
    }

    /// What a decision should be.
    enum Outcome: Equatable, Sendable {
        case allowed(APIAuthorizer.Identity)
        case unauthorized
        case forbidden
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var authorization: String?
        var route: APIAuthorizer.Route
        var outcome: Outcome
        var testDescription: String { name }
    }

    static let digestA = "sha256:aa", digestB = "sha256:bb"
    static let nodeA = bearer(.node("node-a")), collector = bearer(.collector)

    static let cases: [Case] = [
        // Authentication.
        Case(name: "no header", authorization: nil, route: .assignment(node: "node-a"), outcome: .unauthorized),
        Case(name: "not a bearer header", authorization: "Basic " + secret, route: .assignment(node: "node-a"), outcome: .unauthorized),
        Case(name: "a wrong secret", authorization: "Bearer guess", route: .status, outcome: .unauthorized),
        Case(name: "a node token with its node changed", authorization: nodeA.replacingOccurrences(of: "node-a", with: "node-b"),
             route: .assignment(node: "node-b"), outcome: .unauthorized),
        Case(name: "a node token with a cut MAC", authorization: String(nodeA.dropLast()), route: .assignment(node: "node-a"),
             outcome: .unauthorized),
        Case(name: "a token derived from another secret",
             authorization: "Bearer " + (try! APIAuthorizer(secret: "other").token(for: .node("node-a"))),
             route: .assignment(node: "node-a"), outcome: .unauthorized),
        Case(name: "a node token without a MAC", authorization: "Bearer aeolus.v1.node.", route: .assignment(node: ""), outcome: .unauthorized),
        Case(name: "a collector token with a node's MAC",
             authorization: "Bearer aeolus.v1.collector." + nodeA.split(separator: ".").last!, route: .remoteWrite, outcome: .unauthorized),
        Case(name: "the scheme in lower case", authorization: "bearer " + secret, route: .status, outcome: .allowed(.admin)),
        // The secret: every route.
        Case(name: "secret registers any node", authorization: "Bearer " + secret, route: .register(node: "node-b"), outcome: .allowed(.admin)),
        Case(name: "secret reads any object", authorization: "Bearer " + secret, route: .object(digest: digestB, assigned: []),
             outcome: .allowed(.admin)),
        Case(name: "secret remote-writes", authorization: "Bearer " + secret, route: .remoteWrite, outcome: .allowed(.admin)),
        Case(name: "secret reads the status", authorization: "Bearer " + secret, route: .status, outcome: .allowed(.admin)),
        // A node token: its own node only.
        Case(name: "node registers itself", authorization: nodeA, route: .register(node: "node-a"), outcome: .allowed(.node("node-a"))),
        Case(name: "node registers another", authorization: nodeA, route: .register(node: "node-b"), outcome: .forbidden),
        Case(name: "node reads its assignment", authorization: nodeA, route: .assignment(node: "node-a"), outcome: .allowed(.node("node-a"))),
        Case(name: "node reads another's assignment", authorization: nodeA, route: .assignment(node: "node-b"), outcome: .forbidden),
        Case(name: "node reports its state", authorization: nodeA, route: .state(node: "node-a"), outcome: .allowed(.node("node-a"))),
        Case(name: "node reports another's state", authorization: nodeA, route: .state(node: "node-b"), outcome: .forbidden),
        Case(name: "node fetches an object it is assigned", authorization: nodeA, route: .object(digest: digestA, assigned: [digestA]),
             outcome: .allowed(.node("node-a"))),
        Case(name: "node fetches an object it is not assigned", authorization: nodeA,
             route: .object(digest: digestB, assigned: [digestA]), outcome: .forbidden),
        Case(name: "node remote-writes", authorization: nodeA, route: .remoteWrite, outcome: .forbidden),
        Case(name: "node reads the status", authorization: nodeA, route: .status, outcome: .forbidden),
        // A collector token: remote write only.
        Case(name: "collector remote-writes", authorization: collector, route: .remoteWrite, outcome: .allowed(.collector)),
        Case(name: "collector registers", authorization: collector, route: .register(node: "node-a"), outcome: .forbidden),
        Case(name: "collector reads an assignment", authorization: collector, route: .assignment(node: "node-a"), outcome: .forbidden),
        Case(name: "collector reports state", authorization: collector, route: .state(node: "node-a"), outcome: .forbidden),
        Case(name: "collector fetches an object", authorization: collector, route: .object(digest: digestA, assigned: []),
             outcome: .forbidden),
        Case(name: "collector reads the status", authorization: collector, route: .status, outcome: .forbidden),
    ]

    @Test(arguments: cases)
    func decide(_ c: Case) {
        let outcome: Outcome = switch Self.authorizer.decide(authorization: c.authorization, c.route) {
        case .success(let identity): .allowed(identity)
        case .failure(.unauthorized): .unauthorized
        case .failure(.forbidden): .forbidden
        }
        #expect(outcome == c.outcome)
    }

    @Test func withoutASecretEveryRequestIsAnAdmins() {
        let open = APIAuthorizer(secret: "")
        #expect(open.decide(authorization: nil, .register(node: "x")) == .success(.admin))
        #expect(throws: APIAuthorizer.MintError.self) { try open.token(for: .collector) }
    }

    /// The token format is a contract with files already deployed: pinned to values computed
    /// elsewhere (Python's hmac and base64.urlsafe_b64encode, padding stripped).
    @Test func tokensMatchAnIndependentHMAC() throws {
        #expect(try Self.authorizer.token(for: .node("node-a")) == "aeolus.v1.node.node-a.FFadCytogD5kjAXw4GHw-gXJYQfMGyX_BhVNDM8y8mQ")
        #expect(try Self.authorizer.token(for: .collector) == "aeolus.v1.collector.OrNxxFtKdjBdz2De6CINM8_Dm3tSOWm08H85x4Bia0A")
        #expect(try Self.authorizer.token(for: .admin) == Self.secret)
    }

    @Test func nodeNamesWithDotsRoundTrip() throws {
        let token = try Self.authorizer.token(for: .node("ip-10-0-0-1.ec2.internal"))
        #expect(Self.authorizer.authenticate(authorization: "Bearer " + token) == .success(.node("ip-10-0-0-1.ec2.internal")))
    }

    @Test func aTokenClaimsItsIdentityBeforeAnyCheck() throws {
        #expect(APIAuthorizer.claimedIdentity(of: try Self.authorizer.token(for: .node("n.1"))) == .node("n.1"))
        #expect(APIAuthorizer.claimedIdentity(of: "aeolus.v1.collector.forged") == .collector)
        #expect(APIAuthorizer.claimedIdentity(of: Self.secret) == nil)
        #expect(APIAuthorizer.claimedIdentity(of: "aeolus.v1.node.nomac") == nil)
    }

    @Test(arguments: ["", "a/b", "a b", "tab\there", "é"])
    func badNodeNamesMintNoToken(_ node: String) {
        #expect(throws: APIAuthorizer.MintError.self) { try Self.authorizer.token(for: .node(node)) }
    }
}
