import Foundation
import ProcessKit

/// The kernel's list of loaded BPF programs, through `bpftool -j prog show`.
enum LoadedPrograms {
    /// The ids of every program loaded now.
    static func ids() -> Set<UInt32> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/bpftool")
        process.arguments = ["-j", "prog", "show"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? ChildProcess.launch(process)) != nil else { return [] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let list = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] ?? []
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
