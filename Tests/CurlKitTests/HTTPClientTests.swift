import AeolusTesting
import CurlKit
import Foundation
import Testing

@Suite struct HTTPClientRequestTests {
    struct MethodCase: CustomTestStringConvertible, Sendable {
        let method: HTTPRequest.Method
        let body: [UInt8]?
        var testDescription: String { "\(method.rawValue) \(body.map { "\($0.count) bytes" } ?? "no body")" }
    }

    static let methodCases: [MethodCase] = [
        MethodCase(method: .get, body: nil),
        MethodCase(method: .post, body: Array("{\"kind\":\"post\"}".utf8)),
        MethodCase(method: .post, body: [0, 1, 2, 0, 255, 13, 10]),  // binary-safe (remote write)
        MethodCase(method: .post, body: nil),
        MethodCase(method: .put, body: Array("put body".utf8)),
        MethodCase(method: .patch, body: Array("{\"status\":{}}".utf8)),
        MethodCase(method: .delete, body: nil),
        MethodCase(method: .get, body: Array("get with a body".utf8)),
    ]

    @Test(arguments: methodCases)
    func methodHeadersAndBodyEchoed(_ c: MethodCase) async throws {
        let server = try await HTTPTestServer.start()
        let request = HTTPRequest(method: c.method, url: server.url("/echo"),
                                  headers: ["X-Aeolus-Test": "value \(c.method.rawValue)",
                                            "Content-Type": "application/test"],
                                  body: c.body)
        let response = try await HTTPClient().send(request)
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        let echo = try Echo(response)
        #expect(echo.method == c.method.rawValue)
        #expect(echo.header("X-Aeolus-Test") == "value \(c.method.rawValue)")
        #expect(echo.bodyBytes == (c.body ?? []))
        #expect(echo.header("Expect") == nil)
        if c.body != nil { #expect(echo.header("Content-Length") == "\(c.body!.count)") }
    }

    @Test func bodyWithoutContentTypeGetsNoFormType() async throws {
        let server = try await HTTPTestServer.start()
        let response = try await HTTPClient().send(HTTPRequest(method: .post, url: server.url("/echo"), body: [1, 2, 3]))
        #expect(try Echo(response).header("Content-Type") == nil)
    }

    @Test(arguments: [204, 400, 404, 500, 503])
    func statusCodesAreValues(status: Int) async throws {
        let server = try await HTTPTestServer.start()
        let response = try await HTTPClient().send(HTTPRequest(url: server.url("/status/\(status)")))
        #expect(response.status == status)
        #expect(response.text == (status == 204 ? "" : "status \(status)"))
    }

    @Test func bearerTokenFromClientAndRequest() async throws {
        let server = try await HTTPTestServer.start()
        let client = HTTPClient(bearerToken: "client-token", defaultHeaders: ["User-Agent": "aeolus-test"])
        let fromClient = try Echo(try await client.send(HTTPRequest(url: server.url("/echo"))))
        #expect(fromClient.header("Authorization") == "Bearer client-token")
        #expect(fromClient.header("User-Agent") == "aeolus-test")
        let fromRequest = try Echo(try await client.send(HTTPRequest(url: server.url("/echo"), bearerToken: "request-token")))
        #expect(fromRequest.header("Authorization") == "Bearer request-token")
        let none = try Echo(try await HTTPClient().send(HTTPRequest(url: server.url("/echo"))))
        #expect(none.header("Authorization") == nil)
    }

    @Test func timeoutFires() async throws {
        let server = try await HTTPTestServer.start()
        let start = ContinuousClock.now
        let error = await #expect(throws: CurlError.self) {
            try await HTTPClient().send(HTTPRequest(url: server.url("/sleep?seconds=30"), timeout: .milliseconds(300)))
        }
        #expect(error?.kind == .timeout, "\(String(describing: error))")
        // The server answers after 30 s; a timeout of 300 ms must end the request long before
        // that (with room for a loaded machine: the figure itself is not the point here).
        #expect(ContinuousClock.now - start < .seconds(20))
    }

    @Test func connectionRefusedIsAConnectError() async throws {
        // Port 1 (tcpmux) has no listener on 127.0.0.1.
        let error = await #expect(throws: CurlError.self) {
            try await HTTPClient().send(HTTPRequest(url: "http://127.0.0.1:1/", connectTimeout: .seconds(2)))
        }
        #expect(error?.kind == .connect)
        #expect(error?.call == "curl_easy_perform")
        #expect(error?.description.contains("127.0.0.1:1") == true)
    }

    @Test func unsupportedSchemeIsRefused() async throws {
        let error = await #expect(throws: CurlError.self) {
            try await HTTPClient().send(HTTPRequest(url: "file:///etc/passwd"))
        }
        #expect(error?.kind == .usage)
    }

    @Test func bodyLimitIsEnforced() async throws {
        let server = try await HTTPTestServer.start()
        let request = HTTPRequest(url: server.url("/bytes?n=100000"))
        let error = await #expect(throws: CurlError.self) { try await HTTPClient().send(request, maxBodyBytes: 1000) }
        #expect(error?.code == 63)  // CURLE_FILESIZE_EXCEEDED
        #expect(throws: CurlError.self) { try HTTPClient().sendBlocking(request, maxBodyBytes: 1000) }
    }

    @Test func blockingSend() throws {
        let server = try HTTPTestServer()
        let response = try HTTPClient().sendBlocking(HTTPRequest(method: .put, url: server.url("/echo?status=201"), body: Array("x".utf8)))
        #expect(response.status == 201)
        #expect(try Echo(response).method == "PUT")
    }
}

@Suite struct HTTPClientStreamTests {
    static func expectedBytes(_ n: Int) -> [UInt8] { (0..<n).map { UInt8($0 % 251) } }

    @Test func firstChunkArrivesBeforeTheServerSendsTheLast() async throws {
        let server = try await HTTPTestServer.start()
        let client = HTTPClient()
        let id = UUID().uuidString
        let response = try await client.stream(HTTPRequest(url: server.url("/chunks?id=\(id)"), timeout: .seconds(20)))
        #expect(response.status == 200)
        var chunks = response.body.makeAsyncIterator()
        // The server sends the second chunk only after /ack: receiving the first one now proves it
        // was delivered incrementally (otherwise this waits 10 s and the second says "timeout").
        #expect(try await chunks.next() == Array("first\n".utf8))
        #expect(try await client.send(HTTPRequest(url: server.url("/ack?id=\(id)"))).status == 200)
        #expect(try await chunks.next() == Array("second acked\n".utf8))
        #expect(try await chunks.next() == nil)
    }

    @Test func linesSplitAcrossChunksAreReassembled() async throws {
        let server = try await HTTPTestServer.start()
        let pieces = ["{\"type\":\"ADDED\"}\n{\"type\":", "\"MODIFIED\"}\r\n{\"ty", "pe\":\"DELETED\"}\n", "\n", "tail"]
        let body = try JSONEncoder().encode(pieces)
        let (head, lines) = try await HTTPClient().lines(HTTPRequest(method: .post, url: server.url("/pieces"), body: Array(body)))
        #expect(head.status == 200)
        let text = try await lines.all().map { String(decoding: $0, as: UTF8.self) }
        #expect(text == ["{\"type\":\"ADDED\"}", "{\"type\":\"MODIFIED\"}", "{\"type\":\"DELETED\"}", "", "tail"])
    }

    @Test(arguments: [1 << 10, 64 << 10, 1 << 20])
    func largeBodyThroughASmallBuffer(bufferLimit: Int) async throws {
        let server = try await HTTPTestServer.start()
        let n = 2 << 20
        let response = try await HTTPClient(streamBufferLimit: bufferLimit).stream(HTTPRequest(url: server.url("/bytes?n=\(n)")))
        var received: [UInt8] = []
        received.reserveCapacity(n)
        for try await chunk in response.body {
            received += chunk
        }
        #expect(received.count == n)
        // Report the first wrong offset, not megabytes of array.
        let firstMismatch = zip(received, Self.expectedBytes(n)).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(firstMismatch == nil)
    }

    @Test func cancellingTheReaderAbortsTheTransfer() async throws {
        let server = try await HTTPTestServer.start()
        let id = UUID().uuidString
        let client = HTTPClient()
        let reader = Task {
            let response = try await client.stream(HTTPRequest(url: server.url("/forever?id=\(id)")))
            var count = 0
            for try await _ in response.body { count += 1 }
            return count
        }
        try await Task.sleep(for: .milliseconds(300))
        reader.cancel()
        await #expect(throws: CancellationError.self) { try await reader.value }
        // The server's writes fail once libcurl closed the connection.
        let closed = try await client.send(HTTPRequest(url: server.url("/closed?id=\(id)&wait=5")))
        #expect(closed.text == "yes")
    }

    @Test func leavingTheLoopEarlyAbortsTheTransfer() async throws {
        let server = try await HTTPTestServer.start()
        let id = UUID().uuidString
        let client = HTTPClient()
        do {
            let (_, lines) = try await client.lines(HTTPRequest(url: server.url("/forever?id=\(id)")))
            for try await line in lines {
                #expect(line == Array("tick".utf8))
                break
            }
        }
        let closed = try await client.send(HTTPRequest(url: server.url("/closed?id=\(id)&wait=5")))
        #expect(closed.text == "yes")
    }

    @Test func cancellingBeforeTheHeadArrives() async throws {
        let server = try await HTTPTestServer.start()
        let client = HTTPClient()
        let waiter = Task { try await client.stream(HTTPRequest(url: server.url("/sleep?seconds=60"))) }
        try await Task.sleep(for: .milliseconds(200))
        let start = ContinuousClock.now
        waiter.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiter.value }
        // The server answers after 60 s; the bound leaves room for a loaded machine's pool.
        #expect(ContinuousClock.now - start < .seconds(30))
    }
}
