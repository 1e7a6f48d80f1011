#if canImport(Glibc)
import Glibc
#endif

/// Writes to standard error without Foundation's buffering.
enum FileHandleStandardError {
    static func write(_ text: String) {
        var text = text
        text.withUTF8 { buffer in
            _ = Glibc.write(2, buffer.baseAddress, buffer.count)
        }
    }
}
