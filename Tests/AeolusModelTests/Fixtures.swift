import Foundation
@testable import AeolusModel

/// Small YAML documents shared by the tests.
enum Fixtures {
    static let retransmits = """
    apiVersion: aeolus.io/v1alpha1
    kind: Template
    metadata: {name: tcp-retransmits}
    spec:
      description: TCP retransmissions per flow
      source: probe.bpf.c
      programs:
        - {name: on_retransmit, hook: tracepoint, target: tcp/tcp_retransmit_skb}
      parameters:
        - {name: dport, type: u16, default: 0}
        - {name: daddr, type: ipv4, default: 0.0.0.0}
      metrics:
        - name: aeolus_tcp_retransmits_total
          type: counter
          map: retrans_by_flow
          labels:
            - {name: saddr, size: 4, decoders: [inet_ip]}
            - {name: daddr, size: 4, decoders: [inet_ip]}
            - {name: dport, size: 2, decoders: [port]}
    """

    static let latency = """
    apiVersion: aeolus.io/v1alpha1
    kind: Template
    metadata: {name: flow-latency}
    spec:
      programs:
        - {name: on_ingress, hook: tc, direction: ingress}
      parameters:
        - {name: saddr, type: ipv4}
        - {name: daddr, type: ipv4}
        - {name: dport, type: port, encoding: network}
        - {name: max_flows, type: u32, default: 1024, min: 1, max: 65536}
      maps:
        - {name: latency_hist, maxEntries: {parameter: max_flows}}
      metrics:
        - name: aeolus_flow_latency_seconds
          type: histogram
          map: latency_hist
          labels:
            - {name: daddr, size: 4, decoders: [inet_ip]}
            - {name: bucket, size: 4}
          buckets: {type: exp2, min: 0, max: 26, multiplier: 0.000001}
    """

    static let graph = """
    apiVersion: aeolus.io/v1alpha1
    kind: TemplateGraph
    spec:
      edges:
        - from: tcp-retransmits
          when: {metric: aeolus_tcp_retransmits_total, rate: 10s, above: 5}
          deploy: flow-latency
          with: {saddr: "{labels.saddr}", daddr: "{labels.daddr}", dport: "{labels.dport}"}
          on: event-node
          ttl: 5m
          cooldown: 1m
          maxActive: 20
    """

    static let policy = """
    apiVersion: aeolus.io/v1alpha1
    kind: ProbePolicy
    metadata: {name: baseline-retransmits, namespace: aeolus-system}
    spec:
      template: tcp-retransmits
      parameters: {dport: 443}
      selector:
        nodes: {matchLabels: {}}
      suspend: false
    status: {observedGeneration: 1, conditions: [{type: Ready, status: "True", reason: Applied}]}
    """

    /// A repository snapshot with the two templates, the graph and one policy.
    static func snapshot() -> [String: Data] {
        [
            "aeolus.yaml": Data("apiVersion: aeolus.io/v1alpha1\nkind: RepoSettings\nspec: {statusBranch: aeolus/status}\n".utf8),
            "templates/tcp-retransmits/template.yaml": Data(retransmits.utf8),
            "templates/tcp-retransmits/probe.bpf.c": Data("// probe\n".utf8),
            "templates/flow-latency/template.yaml": Data(latency.utf8),
            "templates/flow-latency/probe.bpf.c": Data("// probe\n".utf8),
            "graph.yaml": Data(graph.utf8),
            "policies/baseline.yaml": Data(policy.utf8),
        ]
    }

    static func data(_ text: String) -> Data { Data(text.utf8) }
}
