@testable import Dictator
import KubeKit
import Testing

@Suite struct KubeTokenReviewerTests {
    static let agents = "system:serviceaccount:aeolus-system:aeolus-node"

    static func review(authenticated: Bool = true, username: String = agents, audiences: [String]? = ["aeolus"],
                       pod: String? = "aeolus-node-x7k2p", uid: String? = "u-1", error: String? = nil) -> JSONValue {
        var extra: [String: JSONValue] = [:]
        if let pod { extra["authentication.kubernetes.io/pod-name"] = .array([.string(pod)]) }
        if let uid { extra["authentication.kubernetes.io/pod-uid"] = .array([.string(uid)]) }
        var status: [String: JSONValue] = ["user": .object(["username": .string(username), "extra": .object(extra)])]
        if authenticated { status["authenticated"] = .bool(true) }
        if let audiences { status["audiences"] = .array(audiences.map { .string($0) }) }
        if let error { status["error"] = .string(error) }
        return .object(["kind": .string("TokenReview"), "status": .object(status)])
    }

    static func pod(uid: String = "u-1", node: String? = "node-k") -> JSONValue {
        var spec: [String: JSONValue] = [:]
        if let node { spec["nodeName"] = .string(node) }
        return .object(["metadata": .object(["name": .string("aeolus-node-x7k2p"), "uid": .string(uid)]), "spec": .object(spec)])
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var review: JSONValue
        var pod: JSONValue?
        var node: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "the agents' account, its pod on node-k", review: review(), pod: pod(), node: "node-k"),
        Case(name: "not authenticated", review: review(authenticated: false, error: "invalid bearer token"), pod: pod(), node: nil),
        Case(name: "another service account (any pod may ask for audience aeolus)",
             review: review(username: "system:serviceaccount:shop:default"), pod: pod(), node: nil),
        Case(name: "another audience", review: review(audiences: ["https://kubernetes.default.svc"]), pod: pod(), node: nil),
        Case(name: "a token bound to no pod (a legacy Secret token)", review: review(pod: nil, uid: nil), pod: pod(), node: nil),
        Case(name: "the pod is gone", review: review(), pod: nil, node: nil),
        Case(name: "the pod was replaced by one of the same name", review: review(), pod: pod(uid: "u-2"), node: nil),
        Case(name: "the pod is not scheduled", review: review(), pod: pod(node: nil), node: nil),
        Case(name: "an API server without the pod uid still binds by name", review: review(uid: nil), pod: pod(uid: "u-9"), node: "node-k"),
    ]

    @Test(arguments: cases)
    func provesTheNodeOfTheAgentsPod(_ c: Case) {
        let result = KubeTokenReviewer.boundPod(c.review, username: Self.agents).flatMap { KubeTokenReviewer.node(of: c.pod, bound: $0) }
        switch result {
        case .success(let identity): #expect(c.node.map { .node($0) } == identity)
        case .failure(let denial):
            #expect(c.node == nil, "\(denial)")
            guard case .unauthorized = denial else { Issue.record("a token that proves no node is a 401: \(denial)"); return }
        }
    }

    @Test func theReviewAsksForTheAeolusAudience() {
        let request = KubeTokenReviewer.request("t")
        #expect(request["spec"]?["audiences"] == .array([.string("aeolus")]))
        #expect(request["spec"]?["token"] == .string("t"))
    }

    @Test func boundPodsAreInTheServiceAccountsNamespace() throws {
        let pod = try KubeTokenReviewer.boundPod(Self.review(), username: Self.agents).get()
        #expect(pod == KubeTokenReviewer.BoundPod(namespace: "aeolus-system", name: "aeolus-node-x7k2p", uid: "u-1"))
    }
}
