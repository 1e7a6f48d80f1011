import CCurl
import Foundation

/// One libcurl easy handle configured for one request, with everything libcurl points into
/// (header list, error buffer) and the callbacks that feed a `Transfer`.
///
/// Not Sendable: created, performed and destroyed on the one thread that runs the transfer.
final class CurlEasy {
    /// curl_global_init, once per process (a Swift global is initialised exactly once).
    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let url: String
    private let transfer: Transfer
    /// The header block being received (reset at each status line: 1xx, then the final one).
    private var pendingStatus = 0
    private var pendingHeaders = HTTPHeaders()
    /// A bound on the body for callers that buffer it all without a reader (sendBlocking).
    private let maxBodyBytes: Int?
    private var bodyBytes = 0

    init(request: HTTPRequest, client: HTTPClient, transfer: Transfer, maxBodyBytes: Int? = nil) throws(CurlError) {
        url = request.url
        self.transfer = transfer
        self.maxBodyBytes = maxBodyBytes
        guard Self.globalInit == CURLE_OK else {
            throw CurlError(call: "curl_global_init", code: Self.globalInit, url: request.url)
        }
        guard let handle = curl_easy_init() else {
            throw CurlError(call: "curl_easy_init", code: CURLE_FAILED_INIT, url: request.url)
        }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        try configure(request, client: client)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    /// Runs the transfer to its end on the calling thread (blocking).
    func perform() -> Result<Void, any Error> {
        let code = curl_easy_perform(handle)
        if let maxBodyBytes, bodyBytes > maxBodyBytes {
            return .failure(CurlError(call: "curl_easy_perform", code: CURLE_FILESIZE_EXCEEDED,
                                      detail: "the response body is larger than the limit of \(maxBodyBytes) bytes", url: url))
        }
        guard code == CURLE_OK else { return .failure(error(call: "curl_easy_perform", code)) }
        if !transfer.hasHead {
            // No blank line seen after a final status line (should not happen with HTTP): use
            // what libcurl parsed.
            var status = 0
            _ = aeolus_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            transfer.deliver(head: HTTPResponseHead(status: status, headers: pendingHeaders))
        }
        return .success(())
    }

    private func error(call: String, _ code: CURLcode) -> CurlError {
        CurlError(call: call, code: code, detail: String(cString: errorBuffer), url: url)
    }

    // MARK: options

    private func set(_ option: CURLoption, _ name: String, _ apply: (UnsafeMutableRawPointer) -> CURLcode) throws(CurlError) {
        let code = apply(handle)
        guard code == CURLE_OK else { throw error(call: "curl_easy_setopt(\(name))", code) }
    }

    private func set(_ option: CURLoption, _ name: String, long value: Int) throws(CurlError) {
        try set(option, name) { aeolus_curl_setopt_long($0, option, value) }
    }

    private func set(_ option: CURLoption, _ name: String, string value: String) throws(CurlError) {
        try set(option, name) { aeolus_curl_setopt_string($0, option, value) }
    }

    /// A file name or in-memory PEM (libcurl copies the blob: CURL_BLOB_COPY).
    private func set(file: CURLoption, blob: CURLoption, _ name: String, _ pem: TLSOptions.PEM) throws(CurlError) {
        switch pem {
        case .file(let path):
            try set(file, name, string: path)
        case .data(let bytes):
            var copy = bytes
            try set(blob, name + "_BLOB") { handle in
                copy.withUnsafeMutableBytes { raw in
                    var value = curl_blob(data: raw.baseAddress, len: raw.count, flags: UInt32(CURL_BLOB_COPY))
                    return aeolus_curl_setopt_pointer(handle, blob, &value)
                }
            }
        }
    }

    private func configure(_ request: HTTPRequest, client: HTTPClient) throws(CurlError) {
        // NOSIGNAL: libcurl must not use signals (SIGALRM for DNS timeouts) in a threaded process.
        try set(CURLOPT_NOSIGNAL, "CURLOPT_NOSIGNAL", long: 1)
        try set(CURLOPT_ERRORBUFFER, "CURLOPT_ERRORBUFFER") { aeolus_curl_setopt_pointer($0, CURLOPT_ERRORBUFFER, errorBuffer) }
        try set(CURLOPT_URL, "CURLOPT_URL", string: request.url)
        try set(CURLOPT_PROTOCOLS_STR, "CURLOPT_PROTOCOLS_STR", string: "http,https")
        try set(CURLOPT_TCP_KEEPALIVE, "CURLOPT_TCP_KEEPALIVE", long: 1)

        let me = Unmanaged.passUnretained(self).toOpaque()
        try set(CURLOPT_WRITEFUNCTION, "CURLOPT_WRITEFUNCTION") { aeolus_curl_setopt_write_function($0, CURLOPT_WRITEFUNCTION, curlKitWrite) }
        try set(CURLOPT_WRITEDATA, "CURLOPT_WRITEDATA") { aeolus_curl_setopt_pointer($0, CURLOPT_WRITEDATA, me) }
        try set(CURLOPT_HEADERFUNCTION, "CURLOPT_HEADERFUNCTION") { aeolus_curl_setopt_write_function($0, CURLOPT_HEADERFUNCTION, curlKitHeader) }
        try set(CURLOPT_HEADERDATA, "CURLOPT_HEADERDATA") { aeolus_curl_setopt_pointer($0, CURLOPT_HEADERDATA, me) }
        try set(CURLOPT_XFERINFOFUNCTION, "CURLOPT_XFERINFOFUNCTION") { aeolus_curl_setopt_xferinfo_function($0, curlKitProgress) }
        try set(CURLOPT_XFERINFODATA, "CURLOPT_XFERINFODATA") { aeolus_curl_setopt_pointer($0, CURLOPT_XFERINFODATA, me) }
        try set(CURLOPT_NOPROGRESS, "CURLOPT_NOPROGRESS", long: 0)

        if let timeout = request.timeout {
            try set(CURLOPT_TIMEOUT_MS, "CURLOPT_TIMEOUT_MS", long: milliseconds(timeout))
        }
        if let connectTimeout = request.connectTimeout {
            try set(CURLOPT_CONNECTTIMEOUT_MS, "CURLOPT_CONNECTTIMEOUT_MS", long: milliseconds(connectTimeout))
        }

        // A body turns a transfer into a POST; any other method with a body is a POST renamed
        // with CURLOPT_CUSTOMREQUEST (as `curl -X PUT --data ...` does).
        switch (request.method, request.body) {
        case (.get, nil): try set(CURLOPT_HTTPGET, "CURLOPT_HTTPGET", long: 1)
        case (.post, _): try set(CURLOPT_POST, "CURLOPT_POST", long: 1)
        default: try set(CURLOPT_CUSTOMREQUEST, "CURLOPT_CUSTOMREQUEST", string: request.method.rawValue)
        }
        if let body = request.body ?? (request.method == .post ? [] : nil) {
            // Size first, then COPYPOSTFIELDS copies exactly that many bytes (binary-safe).
            try set(CURLOPT_POSTFIELDSIZE_LARGE, "CURLOPT_POSTFIELDSIZE_LARGE") {
                aeolus_curl_setopt_off_t($0, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            }
            var bytes = body.isEmpty ? [0] : body
            try set(CURLOPT_COPYPOSTFIELDS, "CURLOPT_COPYPOSTFIELDS") { handle in
                bytes.withUnsafeMutableBytes { aeolus_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
            }
        }

        try setHeaders(request, client: client)
        try setTLS(client.tls)
    }

    private func setHeaders(_ request: HTTPRequest, client: HTTPClient) throws(CurlError) {
        var headers = client.defaultHeaders
        for field in request.headers { headers.replace(name: field.name, value: field.value) }
        if let token = request.bearerToken ?? client.bearerToken, !headers.contains("Authorization") {
            headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        // libcurl syntax: "Name: value" sends, "Name;" sends an empty value, "Name:" removes a
        // header libcurl would add by itself. Removed here: the `Expect: 100-continue` round trip
        // for large bodies, and the made-up form Content-Type for bodies.
        var lines = headers.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" }
        if !headers.contains("Expect") { lines.append("Expect:") }
        if request.body != nil, !headers.contains("Content-Type") { lines.append("Content-Type:") }
        for line in lines {
            guard let list = curl_slist_append(headerList, line) else {
                throw CurlError(call: "curl_slist_append", code: CURLE_OUT_OF_MEMORY, url: url)
            }
            headerList = list
        }
        try set(CURLOPT_HTTPHEADER, "CURLOPT_HTTPHEADER") { aeolus_curl_setopt_pointer($0, CURLOPT_HTTPHEADER, headerList) }
    }

    private func setTLS(_ tls: TLSOptions) throws(CurlError) {
        if let ca = tls.caCertificate { try set(file: CURLOPT_CAINFO, blob: CURLOPT_CAINFO_BLOB, "CURLOPT_CAINFO", ca) }
        if let cert = tls.clientCertificate { try set(file: CURLOPT_SSLCERT, blob: CURLOPT_SSLCERT_BLOB, "CURLOPT_SSLCERT", cert) }
        if let key = tls.clientKey { try set(file: CURLOPT_SSLKEY, blob: CURLOPT_SSLKEY_BLOB, "CURLOPT_SSLKEY", key) }
        if tls.insecureSkipVerify {
            try set(CURLOPT_SSL_VERIFYPEER, "CURLOPT_SSL_VERIFYPEER", long: 0)
            try set(CURLOPT_SSL_VERIFYHOST, "CURLOPT_SSL_VERIFYHOST", long: 0)
        }
    }

    private func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }

    // MARK: callbacks (on the transfer thread)

    fileprivate func received(body bytes: UnsafeRawBufferPointer) -> Bool {
        bodyBytes += bytes.count
        if let maxBodyBytes, bodyBytes > maxBodyBytes { return false }
        return transfer.push(Array(bytes))
    }

    fileprivate func received(headerLine raw: UnsafeRawBufferPointer) {
        let line = String(decoding: raw, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            pendingHeaders = HTTPHeaders()
            let parts = line.split(separator: " ", maxSplits: 2)
            pendingStatus = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        } else if line.isEmpty {
            // End of a header block. 1xx blocks are interim; trailers come after the head.
            if pendingStatus >= 200 && !transfer.hasHead {
                transfer.deliver(head: HTTPResponseHead(status: pendingStatus, headers: pendingHeaders))
            }
        } else if let colon = line.firstIndex(of: ":") {
            pendingHeaders.add(name: String(line[..<colon]),
                               value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
    }

    fileprivate var shouldAbort: Bool { transfer.isCancelled }

    fileprivate static func from(_ userdata: UnsafeMutableRawPointer?) -> CurlEasy {
        Unmanaged<CurlEasy>.fromOpaque(userdata!).takeUnretainedValue()
    }
}

// C callbacks: plain functions (no captures), reaching their CurlEasy through the userdata pointer.

private func curlKitWrite(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    let length = size * count
    // Returning anything but `length` makes libcurl abort with CURLE_WRITE_ERROR.
    return CurlEasy.from(userdata).received(body: UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
}

private func curlKitHeader(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    let length = size * count
    CurlEasy.from(userdata).received(headerLine: UnsafeRawBufferPointer(start: data, count: length))
    return length
}

private func curlKitProgress(_ userdata: UnsafeMutableRawPointer?, _: curl_off_t, _: curl_off_t, _: curl_off_t, _: curl_off_t) -> Int32 {
    // Non-zero aborts with CURLE_ABORTED_BY_CALLBACK; libcurl calls this at least once a second.
    CurlEasy.from(userdata).shouldAbort ? 1 : 0
}
