import CBPF
import Foundation

extension Map {
    /// Calls `body` with every entry's key and value bytes, reading the map in batches
    /// (`BPF_MAP_LOOKUP_BATCH`, thousands of entries per syscall) where the kernel supports it for
    /// this map type, else key by key. The buffers are only valid during the call. For per-CPU maps
    /// the value holds every CPU's slot, as in `lookup`. Returns the number of entries seen.
    ///
    /// Entries may change while the map is read; a key deleted meanwhile is skipped.
    @discardableResult
    public func forEachEntry(batchSize: Int = 4096,
                             _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        let keySize = Int(info.keySize), valueSize = valueBufferSize
        let capacity = max(1, min(batchSize, Int(info.maxEntries)))
        var keys = [UInt8](repeating: 0, count: keySize * capacity)
        var values = [UInt8](repeating: 0, count: valueSize * capacity)
        var token = [UInt8](repeating: 0, count: max(keySize, 8))
        var seen = 0
        var first = true
        while true {
            var count = UInt32(capacity)
            let rc: Int32 = try withFD { fd in
                LibBPF.call {
                    keys.withUnsafeMutableBytes { k in
                        values.withUnsafeMutableBytes { v in
                            token.withUnsafeMutableBytes { t in
                                bpf_map_lookup_batch(fd, first ? nil : t.baseAddress, t.baseAddress, k.baseAddress, v.baseAddress, &count, nil)
                            }
                        }
                    }
                }
            }
            let code = rc < 0 ? (rc == -1 ? errno : -rc) : 0
            if code != 0 && code != ENOENT {
                // Older kernels or map types without batch ops (and hash buckets larger than the
                // buffer) fall back to reading key by key, but only before any batch was consumed.
                if first && (code == EINVAL || code == ENOTSUP || code == 524 /* ENOTSUPP */ || code == ENOSPC) {
                    return try forEachEntryByKey(body)
                }
                throw LibBPF.failure("bpf_map_lookup_batch(\(name))", code: Int32(code))
            }
            first = false
            try keys.withUnsafeBytes { k in
                try values.withUnsafeBytes { v in
                    for index in 0..<Int(count) {
                        try body(UnsafeRawBufferPointer(rebasing: k[index * keySize..<(index + 1) * keySize]),
                                 UnsafeRawBufferPointer(rebasing: v[index * valueSize..<(index + 1) * valueSize]))
                    }
                }
            }
            seen += Int(count)
            if code == ENOENT || count == 0 { return seen }
        }
    }

    /// The key-by-key fallback of `forEachEntry` (BPF_MAP_GET_NEXT_KEY + lookup).
    private func forEachEntryByKey(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        var seen = 0
        for key in try keys() {
            guard let value = try lookup(key) else { continue }
            try key.withUnsafeBytes { k in try value.withUnsafeBytes { v in try body(k, v) } }
            seen += 1
        }
        return seen
    }
}
