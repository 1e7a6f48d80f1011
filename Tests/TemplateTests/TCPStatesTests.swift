import AeolusTesting
import Testing

/// tcp-states: TCP state transitions and connect latency, node-wide.
struct TCPStatesTests {
    /// TCP states as the kernel numbers them (include/net/tcp_states.h).
    enum State: UInt8 {
        case established = 1, synSent, synReceived, finWait1, finWait2, timeWait, close, closeWait, lastAck, listen
    }

    @Test func countsTransitionsAndConnectLatencyOfConnections() async throws {
        try KernelTest.requireRoot()
        let pod = try NetworkNamespace()
        defer { pod.close() }
        let server = try pod.startTCPServer()
        defer { server.close() }
        let probe = try await TemplateProbe("tcp-states")
        defer { probe.close() }

        let connections = 3
        for _ in 0..<connections {
            let client = try pod.makeTCPClient()
            defer { client.close(reset: true) }
            try client.connect(to: pod.address, port: server.port)
            try client.send(count: 100)
            client.close()
        }
        #expect(server.waitForFinishedConnections(connections))

        // Node-wide (other tests run TCP too): at least what these connections made.
        let expected: [(State, State)] = [
            (.close, .synSent), (.synSent, .established),             // the client connects
            (.synReceived, .established),                             // the server's side of it
            (.established, .finWait1),                                // the client closes first
            (.established, .closeWait), (.closeWait, .lastAck),       // the server follows
        ]
        func key(_ transition: (State, State)) -> [UInt8] { [transition.0.rawValue, transition.1.rawValue] }
        let transitions = try probe.counters("transitions") { counts in
            expected.allSatisfy { (counts[key($0)] ?? 0) >= UInt64(connections) }
        }
        for transition in expected {
            #expect((transitions[key(transition)] ?? 0) >= UInt64(connections), "\(transition.0) → \(transition.1)")
        }

        // Key: bucket u32 (floor(log2(microseconds))); on a veth a connect takes well under a second.
        let latency = try probe.counters("connect_latency_us") { $0.values.reduce(0, +) >= UInt64(connections) }
        #expect(latency.values.reduce(0, +) >= UInt64(connections))
        #expect(latency.keys.allSatisfy { $0.le(UInt32.self, at: 0) < 20 })
    }
}
