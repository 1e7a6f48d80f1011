import CSnappy
import Foundation

/// Snappy block compression (the raw block format, not the framing format), as used by
/// Prometheus remote write (`Content-Encoding: snappy`).
///
/// Decompression never trusts the input: the declared length is checked against a caller-given
/// limit and the whole block is validated before any buffer is allocated.
public enum Snappy {
    /// The default upper bound on a declared uncompressed length: 32 MiB, well above
    /// Prometheus' own remote-write limits.
    public static let defaultMaxLength = 32 << 20

    /// Compresses `input` into one snappy block.
    public static func compress(_ input: some ContiguousBytes) -> [UInt8] {
        input.withUnsafeBytes { compress($0) }
    }

    /// Compresses the bytes at `input` into one snappy block.
    public static func compress(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        let capacity = snappy_max_compressed_length(input.count)
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            var length = capacity
            let status = withCPointer(input) { snappy_compress(
                $0, input.count,
                UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self),
                &length) }
            // snappy_compress only fails when the output is smaller than
            // snappy_max_compressed_length, which it never is here.
            precondition(status == SNAPPY_OK, "snappy_compress failed with status \(status.rawValue)")
            initialized = length
        }
    }

    /// Reads the uncompressed length a snappy block declares (its leading varint), without
    /// validating the rest of the block.
    public static func uncompressedLength(of compressed: UnsafeRawBufferPointer) throws(SnappyError) -> Int {
        var length = 0
        let status = withCPointer(compressed) { snappy_uncompressed_length($0, compressed.count, &length) }
        guard status == SNAPPY_OK else {
            throw SnappyError(.badLengthHeader, call: "snappy_uncompressed_length", status: status,
                              message: "the block does not start with a valid varint length")
        }
        return length
    }

    /// Decompresses one snappy block, refusing blocks that declare more than `maxLength` bytes.
    public static func uncompress(_ compressed: some ContiguousBytes,
                                  maxLength: Int = defaultMaxLength) throws(SnappyError) -> [UInt8] {
        // `withUnsafeBytes` rethrows untyped errors: carry the typed one out by hand.
        let result: Result<[UInt8], SnappyError> = compressed.withUnsafeBytes { bytes in
            Result { () throws(SnappyError) in try uncompress(bytes, maxLength: maxLength) }
        }
        return try result.get()
    }

    /// Decompresses the snappy block at `compressed`, refusing blocks that declare more than
    /// `maxLength` bytes.
    public static func uncompress(_ compressed: UnsafeRawBufferPointer,
                                  maxLength: Int = defaultMaxLength) throws(SnappyError) -> [UInt8] {
        let declared = try uncompressedLength(of: compressed)
        guard declared <= maxLength else {
            throw SnappyError(.tooLarge, call: "snappy_uncompressed_length", status: nil,
                              message: "the block declares \(declared) uncompressed bytes, more than the limit of \(maxLength)")
        }
        guard withCPointer(compressed, { snappy_validate_compressed_buffer($0, compressed.count) }) == SNAPPY_OK else {
            throw SnappyError(.corrupt, call: "snappy_validate_compressed_buffer", status: SNAPPY_INVALID_INPUT,
                              message: "the block is malformed (truncated, or a copy reaches outside the output)")
        }
        if declared == 0 { return [] }
        var failure: SnappyError?
        let output = [UInt8](unsafeUninitializedCapacity: declared) { buffer, initialized in
            var length = declared
            // Non-empty here (declared > 0), so the buffer has an address.
            let status = snappy_uncompress(
                compressed.baseAddress!.assumingMemoryBound(to: CChar.self), compressed.count,
                UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self),
                &length)
            guard status == SNAPPY_OK else {
                failure = SnappyError(.corrupt, call: "snappy_uncompress", status: status,
                                      message: "the block could not be decompressed")
                initialized = 0
                return
            }
            initialized = length
        }
        if let failure { throw failure }
        return output
    }

    /// Runs `body` with a non-null pointer to the bytes: snappy wants one even for empty input
    /// (it reads nothing from it then).
    private static func withCPointer<R, E: Error>(
        _ bytes: UnsafeRawBufferPointer, _ body: (UnsafePointer<CChar>) throws(E) -> R
    ) throws(E) -> R {
        if let base = bytes.baseAddress { return try body(base.assumingMemoryBound(to: CChar.self)) }
        var zero: CChar = 0
        return try body(&zero)
    }
}
