/// One HTTP request: method, URL, headers, body, timeouts.
public struct HTTPRequest: Sendable {
    /// The HTTP methods the Aeolus components use.
    public enum Method: String, Sendable, CaseIterable {
        case get = "GET", post = "POST", put = "PUT", patch = "PATCH", delete = "DELETE"
    }

    /// The method.
    public var method: Method
    /// The absolute URL (`http://` or `https://`).
    public var url: String
    /// Header fields sent as given. libcurl adds Host, Content-Length and Accept when absent.
    public var headers: HTTPHeaders
    /// The request body; nil sends none. A body with no Content-Type header is sent without one
    /// (libcurl's default form-encoding type is suppressed).
    public var body: [UInt8]?
    /// The limit for the whole transfer, connection to last body byte; nil waits for ever (watch
    /// streams). Exceeding it fails with `CurlError.Kind.timeout`.
    public var timeout: Duration?
    /// The limit for connecting (TCP + TLS handshake); nil uses libcurl's 300 s.
    public var connectTimeout: Duration?
    /// A bearer token sent as `Authorization: Bearer <token>`, overriding the client's token.
    public var bearerToken: String?

    /// A request; all parts but the URL have defaults.
    public init(method: Method = .get, url: String, headers: HTTPHeaders = [:], body: [UInt8]? = nil,
                timeout: Duration? = nil, connectTimeout: Duration? = nil, bearerToken: String? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.bearerToken = bearerToken
    }
}
