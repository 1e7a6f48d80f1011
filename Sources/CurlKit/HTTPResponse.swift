/// The status line and header fields of a response, known before its body.
public struct HTTPResponseHead: Sendable, Equatable {
    /// The status code (200, 404, ...). Every status is a value, never an error.
    public var status: Int
    /// The header fields of the final response (interim 1xx responses are skipped).
    public var headers: HTTPHeaders

    /// A response head.
    public init(status: Int, headers: HTTPHeaders) {
        self.status = status
        self.headers = headers
    }
}

/// A complete response: head and the whole body.
public struct HTTPResponse: Sendable, Equatable {
    /// The status code (200, 404, ...). Every status is a value, never an error.
    public var status: Int { head.status }
    /// The header fields.
    public var headers: HTTPHeaders { head.headers }
    /// Status and headers.
    public var head: HTTPResponseHead
    /// The body bytes (decoded from chunked transfer encoding).
    public var body: [UInt8]

    /// A response.
    public init(head: HTTPResponseHead, body: [UInt8]) {
        self.head = head
        self.body = body
    }

    /// The body as UTF-8 text (invalid sequences replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }
}
