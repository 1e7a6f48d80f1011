import Foundation
import Yams

/// Renders status documents as YAML with sorted keys, so equal documents give equal bytes.
enum StatusYAML {
    /// `value` as YAML text.
    static func encode<T: Encodable>(_ value: T) throws -> String {
        var options = YAMLEncoder.Options()
        options.sortKeys = true
        options.allowUnicode = true
        let encoder = YAMLEncoder()
        encoder.options = options
        return try encoder.encode(value)
    }
}
