import FuzzTargets
import Foundation

/// `aeolus-fuzz`. Built with `-DFUZZING -sanitize=fuzzer` (`make fuzz`) it is a libFuzzer binary
/// for the target named by `AEOLUS_FUZZ_TARGET` (its arguments are libFuzzer's); built plainly it
/// replays files through a target: `aeolus-fuzz TARGET FILE...`, e.g. a crash input after a fix.
@main
struct AeolusFuzz {
    static func main() throws {
        #if FUZZING
        guard let target = FuzzTarget(rawValue: ProcessInfo.processInfo.environment["AEOLUS_FUZZ_TARGET"] ?? "") else {
            print("set AEOLUS_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
            exit(2)
        }
        selected = target
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
        #else
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            print("usage: aeolus-fuzz TARGET FILE...  (targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")))")
            exit(2)
        }
        for path in arguments.dropFirst() {
            target.run([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
            print("ok \(path)")
        }
        #endif
    }
}

#if FUZZING
/// The target of this run (set once by `main` before libFuzzer starts calling back).
nonisolated(unsafe) private var selected: FuzzTarget = .snappy

/// libFuzzer's callback: one input.
private let fuzzOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt = { data, size in
    selected.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

/// libFuzzer's driver (SwiftPM names the executable's entry point itself, so libFuzzer's own
/// `main` is not used).
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                                 _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                                 _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt
#endif
