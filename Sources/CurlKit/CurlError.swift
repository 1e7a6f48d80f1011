import CCurl

/// A failed transfer: the libcurl call, its CURLcode, libcurl's message for the code and the
/// detail libcurl wrote to the transfer's error buffer.
public struct CurlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Broad classes of failure, for retry decisions.
    public enum Kind: Sendable, Equatable {
        /// Name resolution or TCP connect failed (CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT).
        case connect
        /// The request or connect timeout fired (CURLE_OPERATION_TIMEDOUT).
        case timeout
        /// TLS handshake or certificate verification failed (CURLE_PEER_FAILED_VERIFICATION,
        /// CURLE_SSL_*).
        case tls
        /// The URL or an option was refused (CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, ...).
        case usage
        /// Anything else (the connection broke, the server sent garbage, ...).
        case transfer
    }

    /// The libcurl function that failed.
    public let call: String
    /// The CURLcode.
    public let code: Int
    /// curl_easy_strerror(code).
    public let message: String
    /// The CURLOPT_ERRORBUFFER text: the specific reason (may be empty).
    public let detail: String
    /// The URL of the request.
    public let url: String

    /// An error for a failed libcurl call.
    public init(call: String, code: CURLcode, detail: String = "", url: String = "") {
        self.call = call
        self.code = Int(code.rawValue)
        self.message = String(cString: curl_easy_strerror(code))
        self.detail = detail
        self.url = url
    }

    /// The class of failure.
    public var kind: Kind {
        switch CURLcode(UInt32(code)) {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            return .connect
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND,
             CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT:
            return .tls
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT,
             CURLE_UNKNOWN_OPTION, CURLE_NOT_BUILT_IN, CURLE_FAILED_INIT:
            return .usage
        default:
            return .transfer
        }
    }

    /// The error as one line for logs and users.
    public var description: String {
        let reason = detail.isEmpty ? message : "\(message): \(detail)"
        return "\(call) failed for \(url.isEmpty ? "the request" : url): \(reason) (CURLcode \(code))"
    }
}
