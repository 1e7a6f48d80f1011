/// The outcome of decoding one YAML document: the value when the document had no errors, every
/// diagnostic found, and where each field sits (for later cross-checks).
public struct Decoded<Value: Sendable>: Sendable {
    /// The value, nil when the document had at least one error.
    public var value: Value?
    /// Errors and warnings found while decoding, each with file:line:column and field path.
    public var diagnostics: Diagnostics
    /// Field path → position of the decoded fields.
    public var sourceMap: SourceMap
}

extension NodeDecoder {
    /// Packs a decoded value: kept only when this decoder found no errors.
    func result<Value>(_ value: Value?) -> Decoded<Value> {
        Decoded(value: diagnostics.hasErrors ? nil : value, diagnostics: diagnostics, sourceMap: sourceMap)
    }
}
