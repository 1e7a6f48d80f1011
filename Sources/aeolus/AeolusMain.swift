import AeolusCLI

/// The entry point of the `aeolus` binary; everything lives in AeolusCLI.
@main
extension Aeolus {}
