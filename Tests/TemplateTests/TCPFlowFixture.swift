import AeolusTesting

/// A pod with a TCP server, and a client on the host bound to a known port: one flow the flow
/// templates can be parameterised with. `close()` resets the client, then stops the server and
/// removes the pod.
final class TCPFlowFixture {
    let pod: NetworkNamespace
    let server: NetworkNamespace.TCPServer
    let client: NetworkNamespace.TCPClient
    /// host → pod, as the client will connect.
    let flow: Flow

    init() throws {
        pod = try NetworkNamespace()
        do {
            server = try pod.startTCPServer()
        } catch {
            pod.close()
            throw error
        }
        do {
            client = try pod.makeTCPClient()
        } catch {
            server.close()
            pod.close()
            throw error
        }
        flow = Flow(saddr: pod.hostAddress, daddr: pod.address, sport: client.port, dport: server.port)
    }

    func close() {
        client.close(reset: true)
        server.close()
        pod.close()
    }
}
