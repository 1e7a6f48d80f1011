import Foundation

/// The demo's story as a readable timeline: a timestamp relative to the start, a coloured mark,
/// and the event; on a terminal, a spinner while it waits. Colours only when standard output is a
/// terminal (and `NO_COLOR` is unset).
final class Timeline: @unchecked Sendable {
    // @unchecked Sendable: all mutable state is guarded by `lock`.
    enum Kind {
        case step, ok, info, warn, fail, detail

        var mark: String {
            switch self {
            case .step: return "▶"
            case .ok: return "✔"
            case .info: return "·"
            case .warn: return "!"
            case .fail: return "✘"
            case .detail: return " "
            }
        }

        var colour: String {
            switch self {
            case .step: return "\u{1B}[1;36m"
            case .ok: return "\u{1B}[1;32m"
            case .info: return "\u{1B}[0;37m"
            case .warn: return "\u{1B}[1;33m"
            case .fail: return "\u{1B}[1;31m"
            case .detail: return "\u{1B}[2m"
            }
        }
    }

    private let start = Date()
    private let colours: Bool
    private let lock = NSLock()
    private var spinning: String?

    init() {
        colours = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    /// Seconds since the demo started, as `+12.3s`.
    var elapsed: String { String(format: "+%6.1fs", Date().timeIntervalSince(start)) }

    func log(_ kind: Kind, _ text: String) {
        lock.lock(); defer { lock.unlock() }
        clearSpinner()
        let line = "\(elapsed)  \(kind.mark) \(text)"
        if colours {
            emit("\u{1B}[2m\(elapsed)\u{1B}[0m  \(kind.colour)\(kind.mark)\u{1B}[0m \(kind == .detail ? "\u{1B}[2m" : "")\(text)\u{1B}[0m\n")
        } else {
            emit(line + "\n")
        }
    }

    /// Lines of a command's output (git log, git show), indented.
    func block(_ text: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) { log(.detail, "    " + line) }
    }

    /// Waits until `condition` returns a value, showing `what` with a spinner; nil on timeout.
    func wait<T>(_ what: String, timeout: TimeInterval, every interval: TimeInterval = 0.25,
                 _ condition: () throws -> T?) rethrows -> T? {
        let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
        let deadline = Date().addingTimeInterval(timeout)
        var frame = 0
        while Date() < deadline {
            if let value = try condition() {
                lock.lock(); clearSpinner(); lock.unlock()
                return value
            }
            if colours {
                lock.lock()
                spinning = "\(elapsed)  \(frames[frame % frames.count]) \(what)"
                emit("\r\u{1B}[2K\u{1B}[2m\(spinning!)\u{1B}[0m")
                lock.unlock()
            }
            frame += 1
            Thread.sleep(forTimeInterval: interval)
        }
        lock.lock(); clearSpinner(); lock.unlock()
        return nil
    }

    /// Writes unbuffered, so the timeline interleaves correctly with the spinner.
    private func emit(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    private func clearSpinner() {
        if spinning != nil, colours {
            emit("\r\u{1B}[2K")
            spinning = nil
        }
    }
}
