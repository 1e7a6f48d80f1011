import ArgumentParser
import Compiler

/// The flag of every command that compiles templates (`check`, `diff`, `dictator`).
struct CompilerOptions: ParsableArguments {
    @Flag(name: .customLong("unconfined-compiler"), help: ArgumentHelp(
        "Run clang without Landlock confinement (needed only where the kernel offers no Landlock).",
        discussion: "Without confinement, a template can make clang read any file this process can read, "
            + "and clang's diagnostics show its content. Use only for repositories whose every writer you trust."))
    var unconfinedCompiler = false

    /// The confinement chosen at start, and the line that says which it is; throws the refusal
    /// when the kernel offers no Landlock and `--unconfined-compiler` is not given.
    func confinement() throws(CompileError) -> (confinement: CompilerConfinement, message: String) {
        try CompilerConfinement.select(allowUnconfined: unconfinedCompiler)
    }
}
