import Foundation
import ProcessKit

/// Real traffic between the demo's pods: a long-lived TCP stream (client → web-1), short TCP
/// requests (client → web-2), and DNS-shaped UDP queries (client → dns) answered with NXDOMAIN.
/// Small Python programs run inside the pods' namespaces; `stop()` kills them all.
final class Traffic: @unchecked Sendable {
    // @unchecked Sendable: `processes` is only touched by start/stop, which the demo calls from
    // one task, in order.
    private var processes: [ChildProcess] = []
    private let script: String

    static let streamPort = 8080
    static let requestPort = 8081

    init(directory: String) throws {
        script = directory + "/traffic.py"
        try Self.source.write(toFile: script, atomically: true, encoding: .utf8)
    }

    /// Starts the servers, then the clients.
    func start(cluster: DemoCluster) throws {
        let web1 = cluster.pod("web-1"), web2 = cluster.pod("web-2"), dns = cluster.pod("dns"), client = cluster.pod("client")
        try spawn(in: web1, ["sink", web1.address, "\(Self.streamPort)"])
        try spawn(in: web2, ["sink", web2.address, "\(Self.requestPort)"])
        try spawn(in: dns, ["dns-server", dns.address])
        Thread.sleep(forTimeInterval: 0.3)
        try spawn(in: client, ["stream", web1.address, "\(Self.streamPort)"])
        try spawn(in: client, ["requests", web2.address, "\(Self.requestPort)"])
        try spawn(in: client, ["dns-client", dns.address])
    }

    private func spawn(in pod: DemoCluster.Pod, _ arguments: [String]) throws {
        processes.append(try ChildProcess("/usr/bin/env", ["ip", "netns", "exec", pod.netns, "python3", script] + arguments,
                                          standardOutput: .null, standardError: .null))
    }

    /// Kills every traffic process and waits for it.
    func stop() {
        for process in processes { process.killSynchronously() }
        processes.removeAll()
    }

    static let source = #"""
    # Demo traffic for Aeolus: runs inside a pod's network namespace.
    import socket, struct, sys, time, random

    def sink(addr, port):
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, int(port))); s.listen(64)
        import threading
        def drain(c):
            try:
                while c.recv(65536): pass
            except OSError: pass
            c.close()
        while True:
            c, _ = s.accept()
            threading.Thread(target=drain, args=(c,), daemon=True).start()

    def stream(addr, port):
        # One long-lived flow, so a drill-down probe can follow it.
        chunk = b"x" * 16384
        while True:
            try:
                c = socket.create_connection((addr, int(port)), timeout=5)
                while True:
                    c.sendall(chunk); time.sleep(0.02)
            except OSError:
                time.sleep(0.5)

    def requests(addr, port):
        while True:
            try:
                c = socket.create_connection((addr, int(port)), timeout=2)
                c.sendall(b"GET / HTTP/1.0\r\n\r\n" + b"y" * random.randint(100, 3000)); c.close()
            except OSError: pass
            time.sleep(0.2)

    def query(name, qtype):
        header = struct.pack("!HHHHHH", random.randint(0, 65535), 0x0100, 1, 0, 0, 0)
        labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
        return header + labels + struct.pack("!HH", qtype, 1)

    def dns_server(addr):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((addr, 53))
        while True:
            data, peer = s.recvfrom(512)
            if len(data) < 12: continue
            flags = 0x8183  # response, recursion desired+available, NXDOMAIN
            s.sendto(data[:2] + struct.pack("!H", flags) + data[4:], peer)

    def dns_client(addr):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
        names = [("web.default.svc.cluster.local", 1), ("web.default.svc.cluster.local", 28), ("api.example.invalid", 1)]
        while True:
            name, qtype = random.choice(names)
            try:
                s.sendto(query(name, qtype), (addr, 53)); s.recvfrom(512)
            except OSError: pass
            time.sleep(0.5)

    {"sink": sink, "stream": stream, "requests": requests, "dns-server": dns_server, "dns-client": dns_client}[sys.argv[1]](*sys.argv[2:])
    """#
}
