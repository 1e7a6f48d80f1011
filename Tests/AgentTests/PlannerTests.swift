import AeolusModel
import Testing
@testable import Agent

/// Table tests of the pure planner: no kernel, no files.
@Suite struct PlannerTests {
    static let web = Pod(name: "web-1", labels: ["app": "web"], netns: "/run/netns/web-1", hostInterface: "veth-web1")
    static let web2 = Pod(name: "web-2", labels: ["app": "web"], netns: "/run/netns/web-2")
    static let db = Pod(name: "db-1", labels: ["app": "db"], netns: "/run/netns/db-1")

    static func tcProbe(digest: String = "sha256:a", selector: [String: String] = ["app": "web"],
                        attachTo: InterfaceSide = .pod) -> ProbeAssignment {
        ProbeAssignment(id: "policy/default/traffic", template: "pod-traffic", digest: digest,
                        programs: [TemplateProgram(name: "count_ingress", hook: .tcIngress, attachTo: attachTo)],
                        pods: PodSelector(labels: LabelSelector(matchLabels: selector)))
    }

    static let tracepoint = ProbeAssignment(id: "policy/default/states", template: "tcp-states", digest: "sha256:t",
                                            programs: [TemplateProgram(name: "on_set_state", hook: .tracepoint,
                                                                       target: "sock/inet_sock_set_state")])

    static func point(_ pod: Pod, program: String = "count_ingress") -> AttachPoint {
        AttachPoint(program: program, hook: .tcIngress, target: pod.interface, netns: pod.netns, pod: pod.qualifiedName)
    }

    static let tracepointPoint = AttachPoint(program: "on_set_state", hook: .tracepoint, target: "sock/inet_sock_set_state")

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var desired: [ProbeAssignment]
        var pods: [Pod]
        var actual: [ActualProbe]
        var steps: [Step]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "nothing to do", desired: [], pods: [web, db], actual: [], steps: []),
        Case(name: "install on the selected pods only", desired: [tcProbe()], pods: [web, web2, db], actual: [],
             steps: [.install(tcProbe(), points: [point(web), point(web2)].sorted())]),
        Case(name: "node-wide tracepoint ignores pods", desired: [tracepoint], pods: [web], actual: [],
             steps: [.install(tracepoint, points: [tracepointPoint])]),
        Case(name: "live and unchanged: no step", desired: [tcProbe()], pods: [web, db],
             actual: [ActualProbe(assignment: tcProbe(), loaded: true, points: [point(web)])], steps: []),
        Case(name: "a new pod gets an attach", desired: [tcProbe()], pods: [web, web2],
             actual: [ActualProbe(assignment: tcProbe(), loaded: true, points: [point(web)])],
             steps: [.attach(tcProbe(), point: point(web2))]),
        Case(name: "a pod gone loses its attachment", desired: [tcProbe()], pods: [web],
             actual: [ActualProbe(assignment: tcProbe(), loaded: true, points: [point(web), point(web2)])],
             steps: [.detach(probe: tcProbe().id, point: point(web2))]),
        Case(name: "new digest: replace", desired: [tcProbe(digest: "sha256:b")], pods: [web],
             actual: [ActualProbe(assignment: tcProbe(), loaded: true, points: [point(web)])],
             steps: [.replace(tcProbe(digest: "sha256:b"), points: [point(web)])]),
        Case(name: "selector change: attach and detach, no reload", desired: [tcProbe(selector: ["app": "db"])], pods: [web, db],
             actual: [ActualProbe(assignment: tcProbe(), loaded: true, points: [point(web)])],
             steps: [.attach(tcProbe(selector: ["app": "db"]), point: point(db)), .update(tcProbe(selector: ["app": "db"])),
                     .detach(probe: tcProbe().id, point: point(web))]),
        Case(name: "no longer desired: remove", desired: [], pods: [web],
             actual: [ActualProbe(assignment: tcProbe(), loaded: true, points: [point(web)])],
             steps: [.remove(probe: tcProbe().id)]),
        Case(name: "a failed load stays failed until the assignment changes", desired: [tcProbe()], pods: [web, web2],
             actual: [ActualProbe(assignment: tcProbe(), loaded: false, points: [])], steps: []),
        Case(name: "a failed probe with a new object is tried again", desired: [tcProbe(digest: "sha256:fixed")], pods: [web],
             actual: [ActualProbe(assignment: tcProbe(), loaded: false, points: [])],
             steps: [.replace(tcProbe(digest: "sha256:fixed"), points: [point(web)])]),
        Case(name: "host side uses the host interface in the node's namespace", desired: [tcProbe(attachTo: .host)], pods: [web], actual: [],
             steps: [.install(tcProbe(attachTo: .host), points: [AttachPoint(program: "count_ingress", hook: .tcIngress,
                                                                              target: "veth-web1", pod: web.qualifiedName)])]),
        Case(name: "builds before teardown across probes", desired: [tracepoint], pods: [web],
             actual: [ActualProbe(assignment: tcProbe(), loaded: true, points: [point(web)])],
             steps: [.install(tracepoint, points: [tracepointPoint]), .remove(probe: tcProbe().id)]),
    ]

    @Test(arguments: cases)
    func plans(_ test: Case) {
        let plan = AgentPlan.plan(desired: test.desired, pods: test.pods, actual: test.actual)
        #expect(plan.steps == test.steps)
    }

    @Test func kubernetesPodsTakeTCOnTheHostVethWithDirectionsSwapped() {
        let kubeWeb = Pod(name: "web-1", labels: ["app": "web"], netns: "/proc/42/ns/net", hostInterface: "cali1234",
                          tcOnHostVeth: true)
        let probe = ProbeAssignment(id: "policy/default/traffic", template: "pod-traffic", digest: "sha256:a",
                                    programs: [TemplateProgram(name: "count_ingress", hook: .tcIngress),
                                               TemplateProgram(name: "count_egress", hook: .tcEgress),
                                               TemplateProgram(name: "xdp_count", hook: .xdp)],
                                    pods: PodSelector(labels: LabelSelector(matchLabels: ["app": "web"])))
        let (points, problems) = AttachPoint.desired(for: probe, pods: [kubeWeb])
        #expect(problems.isEmpty)
        #expect(points == [
            AttachPoint(program: "count_egress", hook: .tcIngress, target: "cali1234", pod: "default/web-1"),
            AttachPoint(program: "count_ingress", hook: .tcEgress, target: "cali1234", pod: "default/web-1"),
            // XDP has no egress hook: it stays on the pod's own interface.
            AttachPoint(program: "xdp_count", hook: .xdp, target: "eth0", netns: "/proc/42/ns/net", pod: "default/web-1"),
        ])
        // Without a known host end the pod's own interface is used, as for other inventories.
        let noVeth = Pod(name: "web-2", labels: ["app": "web"], netns: "/run/netns/w2", tcOnHostVeth: true)
        #expect(AttachPoint.desired(for: probe, pods: [noVeth]).points.first?.netns == "/run/netns/w2")
    }

    @Test func hostSideWithoutHostInterfaceIsAProblem() {
        let plan = AgentPlan.plan(desired: [Self.tcProbe(attachTo: .host)], pods: [Self.web2], actual: [])
        #expect(plan.steps == [.install(Self.tcProbe(attachTo: .host), points: [])])
        #expect(plan.problems[Self.tcProbe().id]?.first?.contains("no known host interface") == true)
    }

    @Test func selectorNilSelectsEveryPod() {
        var probe = Self.tcProbe()
        probe.pods = nil
        let (points, _) = AttachPoint.desired(for: probe, pods: [Self.web, Self.db])
        #expect(points == [Self.point(Self.db), Self.point(Self.web)])
    }

    @Test func keysAreSafeAndDistinct() {
        let a = AgentPaths.key(forProbe: "policy/default/x")
        let b = AgentPaths.key(forProbe: "policy_default_x")
        #expect(!a.contains("/"))
        #expect(a != b)
    }
}
