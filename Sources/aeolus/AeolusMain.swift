import AeolusCLI
import SandboxKit

/// The entry point of the `aeolus` binary; everything lives in AeolusCLI. The binary is also the
/// trampoline that starts clang confined (`aeolus __confined-exec …`, see `ConfinedExec`): that
/// is handled before any argument parsing, and never returns.
@main
enum AeolusMain {
    static func main() async {
        ConfinedExec.runIfRequested()
        await Aeolus.main()
    }
}
