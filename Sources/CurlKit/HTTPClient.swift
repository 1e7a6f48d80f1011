import Foundation

/// An HTTP/HTTPS client over libcurl for the Aeolus components: complete requests (`send`),
/// bodies streamed as they arrive (`stream`), and newline-delimited streams (`lines`).
///
/// Every transfer gets its own easy handle and runs `curl_easy_perform` on a dedicated thread, never
/// on Swift's cooperative pool; results come back through continuations. There is no connection
/// reuse between requests (each handle connects afresh), which suits the few, long-lived or
/// periodic requests Aeolus makes. Every HTTP status is a value; only transport failures throw.
public struct HTTPClient: Sendable {
    /// How HTTPS servers are verified and how the client authenticates.
    public var tls: TLSOptions
    /// A bearer token sent as `Authorization: Bearer ...` with every request (a request's own
    /// token or Authorization header wins).
    public var bearerToken: String?
    /// Headers sent with every request (a request's header of the same name wins).
    public var defaultHeaders: HTTPHeaders
    /// How many unread body bytes a stream buffers before the transfer waits for the reader.
    public var streamBufferLimit: Int

    /// A client; the defaults verify servers against the system CA store.
    public init(tls: TLSOptions = TLSOptions(), bearerToken: String? = nil, defaultHeaders: HTTPHeaders = [:],
                streamBufferLimit: Int = 1 << 20) {
        self.tls = tls
        self.bearerToken = bearerToken
        self.defaultHeaders = defaultHeaders
        self.streamBufferLimit = streamBufferLimit
    }

    /// Sends `request` and reads the whole response. Throws `CurlError` for transport failures
    /// (including a body above `maxBodyBytes`), `CancellationError` when the task is cancelled.
    public func send(_ request: HTTPRequest, maxBodyBytes: Int = 64 << 20) async throws -> HTTPResponse {
        let response = try await stream(request)
        return HTTPResponse(head: response.head, body: try await response.body.collect(upTo: maxBodyBytes))
    }

    /// Sends `request` and returns as soon as the response head has arrived; the body follows
    /// chunk by chunk as the server sends it.
    public func stream(_ request: HTTPRequest) async throws -> HTTPStreamingResponse {
        let transfer = Transfer(bufferLimit: streamBufferLimit)
        let token = TransferToken(transfer)
        let client = self
        let thread = Thread {
            transfer.finish(Self.run(request, client: client, transfer: transfer))
        }
        thread.name = "CurlKit \(request.method.rawValue)"
        thread.stackSize = 1 << 20
        thread.start()
        let head = try await transfer.awaitHead()
        return HTTPStreamingResponse(head: head, body: HTTPBodyStream(token: token))
    }

    /// Sends `request` and returns the head and the body's lines (newline-delimited JSON, e.g. a
    /// Kubernetes watch).
    public func lines(_ request: HTTPRequest,
                      maxLineLength: Int = HTTPLineSequence<HTTPBodyStream>.defaultMaxLineLength)
        async throws -> (head: HTTPResponseHead, lines: HTTPLineSequence<HTTPBodyStream>) {
        let response = try await stream(request)
        return (response.head, response.body.lines(maxLineLength: maxLineLength))
    }

    /// Sends `request` and reads the whole response, blocking the calling thread. For
    /// synchronous callers (command-line tools); async code uses `send`.
    public func sendBlocking(_ request: HTTPRequest, maxBodyBytes: Int = 64 << 20) throws -> HTTPResponse {
        let transfer = Transfer(bufferLimit: .max)
        let outcome = Self.run(request, client: self, transfer: transfer, maxBodyBytes: maxBodyBytes)
        transfer.finish(outcome)
        try outcome.get()
        var body: [UInt8] = []
        for chunk in transfer.takeAll() { body += chunk }
        // The head is always delivered before a successful transfer ends.
        let head = transfer.headIfDelivered ?? HTTPResponseHead(status: 0, headers: [:])
        return HTTPResponse(head: head, body: body)
    }

    /// Configures a handle and performs the transfer on the calling thread.
    private static func run(_ request: HTTPRequest, client: HTTPClient, transfer: Transfer,
                            maxBodyBytes: Int? = nil) -> Result<Void, any Error> {
        do {
            let easy = try CurlEasy(request: request, client: client, transfer: transfer, maxBodyBytes: maxBodyBytes)
            return easy.perform()
        } catch {
            return .failure(error)
        }
    }
}

/// A response whose body is still arriving.
public struct HTTPStreamingResponse: Sendable {
    /// Status and headers.
    public let head: HTTPResponseHead
    /// The body, chunk by chunk.
    public let body: HTTPBodyStream

    /// The status code.
    public var status: Int { head.status }
}
