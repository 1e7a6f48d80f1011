import Snappy
import Testing

/// A small deterministic generator so that a failing fuzz case can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) } }
}

@Suite struct SnappyVectorTests {
    struct Vector: CustomTestStringConvertible, Sendable {
        let name: String
        let plain: [UInt8]
        let block: [UInt8]
        /// True when snappy's compressor is expected to emit exactly `block` (literal-only inputs,
        /// shorter than its 15-byte input margin); otherwise only decoding is exact.
        let compressorEmitsExactly: Bool
        var testDescription: String { name }
    }

    /// Vectors written by hand from format_description.txt: a varint length, then elements whose
    /// tag's low two bits say literal (00), copy with 1-byte offset (01) or 2-byte offset (10).
    static let vectors: [Vector] = [
        Vector(name: "empty", plain: [], block: [0x00], compressorEmitsExactly: true),
        // Literal of 5: tag (5-1)<<2 | 00 = 0x10.
        Vector(name: "short literal", plain: Array("hello".utf8),
               block: [0x05, 0x10] + Array("hello".utf8), compressorEmitsExactly: true),
        // "abcd" literal (tag 0x0c), then copy-1 length 8 offset 4: tag (8-4)<<2 | 01 = 0x11, offset 0x04.
        Vector(name: "copy with 1-byte offset", plain: Array("abcdabcdabcd".utf8),
               block: [0x0c, 0x0c] + Array("abcd".utf8) + [0x11, 0x04], compressorEmitsExactly: false),
        // "xy" literal (tag 0x04), then copy-2 length 10 offset 2: tag (10-1)<<2 | 10 = 0x26,
        // offset little-endian 0x02 0x00. Overlapping copies repeat the pattern.
        Vector(name: "copy with 2-byte offset, overlapping", plain: Array("xyxyxyxyxyxy".utf8),
               block: [0x0c, 0x04] + Array("xy".utf8) + [0x26, 0x02, 0x00], compressorEmitsExactly: false),
        // 200 = 0xc8 → varint 0xc8 0x01; literal of 200 bytes needs the 1-byte length form:
        // tag 60<<2 = 0xf0, then length-1 = 199 = 0xc7.
        Vector(name: "long literal with varint length", plain: Array(repeating: 0x41, count: 1) + (0..<199).map { UInt8($0 % 251) },
               block: [0xc8, 0x01, 0xf0, 0xc7] + Array(repeating: 0x41, count: 1) + (0..<199).map { UInt8($0 % 251) },
               compressorEmitsExactly: false),
    ]

    @Test(arguments: vectors)
    func decodesHandWrittenBlock(_ vector: Vector) throws {
        #expect(try Snappy.uncompress(vector.block) == vector.plain)
    }

    @Test(arguments: vectors)
    func compressesToDecodableBlock(_ vector: Vector) throws {
        let block = Snappy.compress(vector.plain)
        if vector.compressorEmitsExactly { #expect(block == vector.block) }
        #expect(try Snappy.uncompress(block) == vector.plain)
        #expect(try block.withUnsafeBytes { try Snappy.uncompressedLength(of: $0) } == vector.plain.count)
    }

    @Test func repetitiveInputShrinks() throws {
        let plain = [UInt8](repeating: 7, count: 100_000)
        let block = Snappy.compress(plain)
        #expect(block.count < 5_000)
        #expect(try Snappy.uncompress(block) == plain)
    }

    @Test func rawBufferInputs() throws {
        let plain = Array("raw buffer pointer input, raw buffer pointer input".utf8)
        let block = plain.withUnsafeBytes { Snappy.compress($0) }
        let back = try block.withUnsafeBytes { try Snappy.uncompress($0, maxLength: plain.count) }
        #expect(back == plain)
    }
}

@Suite struct SnappyRoundTripTests {
    @Test(arguments: [0, 1, 2, 15, 16, 17, 100, 4_095, 4_096, 65_535, 65_536, 65_537, 1_000_000])
    func randomData(size: Int) throws {
        var rng = SplitMix64(state: UInt64(size))
        let plain = rng.bytes(size)
        #expect(try Snappy.uncompress(Snappy.compress(plain)) == plain)
    }

    @Test(arguments: [0, 1, 20, 1_000, 70_000, 1_000_000])
    func repetitiveData(size: Int) throws {
        let pattern = Array("series{job=\"aeolus\",pod=\"a\"} 1\n".utf8)
        let plain = (0..<size).map { pattern[$0 % pattern.count] }
        let block = Snappy.compress(plain)
        #expect(try Snappy.uncompress(block) == plain)
        if size >= 1_000 { #expect(block.count < size / 4) }
    }
}

@Suite struct SnappyMalformedTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let block: [UInt8]
        let maxLength: Int
        let code: SnappyError.Code
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "no bytes at all", block: [], maxLength: 100, code: .badLengthHeader),
        Case(name: "varint never ends", block: [0x80, 0x80], maxLength: 100, code: .badLengthHeader),
        Case(name: "varint longer than 5 bytes", block: [0xff, 0xff, 0xff, 0xff, 0xff, 0x01], maxLength: 100, code: .badLengthHeader),
        // 0x80 0x80 0x80 0x80 0x08 = 2^31: above the limit, refused before any allocation.
        Case(name: "declared 2 GiB", block: [0x80, 0x80, 0x80, 0x80, 0x08, 0x00], maxLength: Snappy.defaultMaxLength, code: .tooLarge),
        Case(name: "declared one byte over the limit", block: [0x05, 0x10] + Array("hello".utf8), maxLength: 4, code: .tooLarge),
        Case(name: "truncated literal", block: [0x05, 0x10] + Array("hel".utf8), maxLength: 100, code: .corrupt),
        Case(name: "copy before any output", block: [0x08, 0x11, 0x04], maxLength: 100, code: .corrupt),
        Case(name: "copy offset zero", block: [0x09, 0x00, 0x61, 0x11, 0x00], maxLength: 100, code: .corrupt),
        Case(name: "output longer than declared", block: [0x02, 0x10] + Array("hello".utf8), maxLength: 100, code: .corrupt),
        Case(name: "output shorter than declared", block: [0x09, 0x10] + Array("hello".utf8), maxLength: 100, code: .corrupt),
    ]

    @Test(arguments: cases)
    func refuses(_ c: Case) {
        #expect(throws: SnappyError.self) { try Snappy.uncompress(c.block, maxLength: c.maxLength) }
        do {
            _ = try Snappy.uncompress(c.block, maxLength: c.maxLength)
        } catch {
            #expect(error.code == c.code, "\(error)")
        }
    }

    @Test func truncatedValidBlocks() throws {
        var rng = SplitMix64(state: 42)
        let plain = Array("abcabcabcabc-some text that repeats, some text that repeats".utf8) + rng.bytes(200)
        let block = Snappy.compress(plain)
        for cut in 0..<block.count {
            #expect(throws: SnappyError.self, "cut at \(cut)") { try Snappy.uncompress(Array(block[..<cut])) }
        }
    }

    /// Random garbage and randomly mutated valid blocks must only ever throw or decode within the
    /// limit: never crash, never allocate past `maxLength`.
    @Test func fuzz() {
        var rng = SplitMix64(state: 0xAE01_05)
        let valid = Snappy.compress(Array("fuzz seed fuzz seed fuzz seed fuzz seed 0123456789".utf8))
        let maxLength = 4_096
        var decoded = 0
        for round in 0..<5_000 {
            var input: [UInt8]
            if round % 2 == 0 {
                input = rng.bytes(Int.random(in: 0...64, using: &rng))
            } else {
                input = valid
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    input[Int.random(in: 0..<input.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            do {
                let out = try Snappy.uncompress(input, maxLength: maxLength)
                #expect(out.count <= maxLength)
                decoded += 1
            } catch {
                // Expected for most inputs: a typed error is the only acceptable failure.
            }
        }
        #expect(decoded < 5_000)
    }
}
