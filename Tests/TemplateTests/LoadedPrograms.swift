import Foundation
import ProcessKit

/// The kernel's list of loaded BPF programs, through `bpftool -j prog show`.
enum LoadedPrograms {
    /// The ids of every program loaded now.
    static func ids() -> Set<UInt32> {
        guard let output = try? Subprocess.collect("/usr/sbin/bpftool", ["-j", "prog", "show"]) else { return [] }
        let list = (try? JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8))) as? [[String: Any]] ?? []
        return Set(list.compactMap { ($0["id"] as? NSNumber)?.uint32Value })
    }

    /// Waits up to `seconds` (tc filters free their program after an RCU grace period) for
    /// every id in `ids` to be gone; returns those still loaded.
    static func waitUntilGone(_ ids: [UInt32], seconds: Double) -> Set<UInt32> {
        let deadline = Date().addingTimeInterval(seconds)
        var left = Set(ids).intersection(self.ids())
        while !left.isEmpty, Date() < deadline {
            usleep(50_000)
            left = left.intersection(self.ids())
        }
        return left
    }
}
