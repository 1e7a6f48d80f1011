/// A change a template makes to one of its object's maps before load (libbpf's pre-load setters),
/// such as max entries taken from a parameter, so sizing a map needs no recompile.
public struct MapOverride: Sendable, Hashable, Codable {
    /// Where the map's max entries come from.
    public enum Size: Sendable, Hashable, Codable {
        /// A fixed number.
        case fixed(UInt32)
        /// The value of an integer parameter.
        case parameter(String)
    }

    /// The map's name in the object.
    public var name: String
    /// The max entries to set, if any.
    public var maxEntries: Size?

    /// Creates an override.
    public init(name: String, maxEntries: Size? = nil) {
        self.name = name
        self.maxEntries = maxEntries
    }
}
