/// One typed parameter of a template: bound before load into the `const volatile` global of the
/// same name in `.rodata`, never pasted into C text.
public struct ParameterSpec: Sendable, Hashable, Codable {
    /// The parameter name, which is also the C variable name.
    public var name: String
    /// The value type.
    public var type: ParameterType
    /// The value used when a policy or binding gives none; a parameter without a default is required.
    public var defaultValue: ParameterValue?
    /// Inclusive lower bound (ordered types only).
    public var minimum: ParameterValue?
    /// Inclusive upper bound (ordered types only).
    public var maximum: ParameterValue?
    /// The allowed names of an `enum` parameter; the value is encoded as the index.
    public var values: [String]
    /// Byte order of multi-byte integers in `.rodata`.
    public var encoding: ParameterEncoding
    /// What the parameter is for.
    public var description: String

    /// Creates a parameter spec.
    public init(name: String, type: ParameterType, defaultValue: ParameterValue? = nil,
                minimum: ParameterValue? = nil, maximum: ParameterValue? = nil, values: [String] = [],
                encoding: ParameterEncoding = .host, description: String = "") {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.minimum = minimum
        self.maximum = maximum
        self.values = values
        self.encoding = encoding
        self.description = description
    }

    /// Whether a policy or binding must give a value.
    public var isRequired: Bool { defaultValue == nil }

    /// Parses `text` (a YAML scalar or an event label) into a value of this parameter's type,
    /// checking the range and the enum values.
    public func parse(_ text: String) -> Result<ParameterValue, ParameterError> {
        let parsed = ParameterValue.parse(text, as: type, enumValues: values)
        guard case let .success(value) = parsed else { return parsed }
        if let minimum, let order = value.compare(minimum), order < 0 {
            return .failure(ParameterError(message: "\(value) is below the minimum \(minimum) of parameter \"\(name)\""))
        }
        if let maximum, let order = value.compare(maximum), order > 0 {
            return .failure(ParameterError(message: "\(value) is above the maximum \(maximum) of parameter \"\(name)\""))
        }
        return .success(value)
    }

    /// The bytes of `value` for this parameter's `.rodata` variable (`type.byteSize` long).
    public func encode(_ value: ParameterValue) -> [UInt8] {
        value.bytes(as: type, encoding: encoding)
    }

    /// Parses and encodes in one step.
    public func encode(text: String) -> Result<[UInt8], ParameterError> {
        parse(text).map(encode)
    }
}
