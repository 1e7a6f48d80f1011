/// What a loader needs to turn a template's object into a running probe with given parameters:
/// the bytes of each `.rodata` parameter and the map sizes. Computed by whoever resolves
/// parameters (the dictator, `aeolus check --load`), so the agent needs no knowledge of types.
public struct LoadSettings: Sendable, Hashable, Codable {
    /// `.rodata` variable name → its bytes, in the object's byte order.
    public var rodata: [String: [UInt8]]
    /// Map name → max entries, for maps the template sizes at load time.
    public var maxEntries: [String: UInt32]

    /// Creates load settings.
    public init(rodata: [String: [UInt8]] = [:], maxEntries: [String: UInt32] = [:]) {
        self.rodata = rodata
        self.maxEntries = maxEntries
    }
}

extension Template {
    /// The load settings for `given` parameter texts: typed, range-checked and encoded, or the
    /// problems that stop them (unknown, invalid or missing parameters).
    public func loadSettings(parameters given: [String: String]) -> Result<LoadSettings, ParameterProblems> {
        let (values, problems) = resolve(parameters: given)
        guard problems.isEmpty else { return .failure(ParameterProblems(problems: problems)) }
        var settings = LoadSettings()
        for spec in parameters {
            if let value = values[spec.name] { settings.rodata[spec.name] = spec.encode(value) }
        }
        for override in maps {
            switch override.maxEntries {
            case .fixed(let size)?: settings.maxEntries[override.name] = size
            case .parameter(let name)?:
                if case .unsigned(let size)? = values[name] { settings.maxEntries[override.name] = UInt32(clamping: size) }
            case nil: break
            }
        }
        return .success(settings)
    }
}

/// The problems that keep a parameter set from loading.
public struct ParameterProblems: Error, Sendable, Hashable, CustomStringConvertible {
    /// Each problem, naming its parameter.
    public var problems: [Template.ParameterProblem]

    public var description: String { problems.map(\.message).joined(separator: "; ") }
}
