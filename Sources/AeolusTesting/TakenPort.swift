import Foundation

/// A TCP port of 127.0.0.1 that a socket of the test listens on, so that a component asked to
/// listen there cannot. Closed when the object goes away.
public final class TakenPort {
    /// The port.
    public let port: Int
    private let descriptor: Int32

    /// Listens on a free port of 127.0.0.1.
    public init() throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socket, generic, length) == 0 && listen(socket, 1) == 0 && getsockname(socket, generic, &length) == 0
            }
        }
        guard bound else {
            let code = errno
            close(socket)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        descriptor = socket
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// `127.0.0.1:<port>`.
    public var address: String { "127.0.0.1:\(port)" }

    deinit {
        close(descriptor)
    }
}
