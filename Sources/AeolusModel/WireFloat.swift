import Foundation

/// Non-finite numbers in Aeolus' JSON wire formats (status API, agent API, reaction
/// annotations): JSON has no infinity or NaN, so they are written as the strings Prometheus uses
/// (`"+Inf"`, `"-Inf"`, `"NaN"`) instead of failing the whole document. Decoding reads them back.
public enum WireFloat {
    /// The encoding strategy of the wire formats.
    public static let encoding = JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(
        positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
    /// The decoding strategy of the wire formats.
    public static let decoding = JSONDecoder.NonConformingFloatDecodingStrategy.convertFromString(
        positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
}
