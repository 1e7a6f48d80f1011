import CBPF
import Foundation

/// The one place that talks to the C shim's per-thread message buffer.
///
/// The shim's buffer is a `static __thread` in a header, so every Swift file that called the
/// shim's message functions would get its own copy: only this file may call them.
enum LibBPF {
    /// Installs the print callback once per process.
    static let installed: Void = { aeolus_install_print() }()

    /// Runs `body` (one libbpf call) with this thread's captured messages cleared first.
    static func call<T>(_ body: () throws -> T) rethrows -> T {
        _ = installed
        aeolus_messages_clear()
        return try body()
    }

    /// libbpf's messages captured on this thread since the last `call`.
    static var messages: String {
        String(cString: aeolus_messages_get()).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// An error for `call` with `code` (a positive errno or a negative libbpf return value).
    static func failure(_ call: String, code: Int32) -> BPFError {
        .callFailed(call: call, errno: code < 0 ? -code : code, message: messages)
    }

    /// Calls a libbpf function returning 0 or a negative errno, throwing on failure.
    @discardableResult
    static func check(_ name: String, _ body: () -> Int32) throws -> Int32 {
        let rc = call(body)
        if rc < 0 { throw failure(name, code: rc == -1 ? Glibc.errno : rc) }
        return rc
    }

    /// Calls a libbpf function returning a pointer (NULL and errno on failure).
    static func pointer<P>(_ name: String, _ body: () -> P?) throws -> P {
        let result = call(body)
        guard let result else { throw failure(name, code: Glibc.errno) }
        return result
    }
}
