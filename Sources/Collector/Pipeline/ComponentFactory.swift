/// A component's configuration: defaults from `init()`, fields read by `decode`, checked by `validate`.
public protocol ComponentConfig: Sendable {
    /// The default configuration.
    init()
    /// The field names the component accepts; any other is an error.
    static var fieldNames: [String] { get }
    /// Reads the fields present over the defaults, reporting malformed values.
    mutating func decode(_ fields: ConfigFields)
    /// Problems with the values as a whole: (field, message) pairs.
    func validate() -> [(field: String, message: String)]
}

extension ComponentConfig {
    /// No cross-field checks.
    public func validate() -> [(field: String, message: String)] { [] }
}

/// Makes receivers of one type.
public protocol ReceiverFactory: Sendable {
    /// The receiver's configuration.
    associatedtype Config: ComponentConfig
    /// The type name used in component ids.
    var type: String { get }
    /// A receiver that hands its batches to `next`.
    func create(config: Config, context: ComponentContext, next: any Consumer) throws -> any Receiver
}

/// Makes processors of one type.
public protocol ProcessorFactory: Sendable {
    /// The processor's configuration.
    associatedtype Config: ComponentConfig
    /// The type name used in component ids.
    var type: String { get }
    /// A processor that hands its output to `next`.
    func create(config: Config, context: ComponentContext, next: any Consumer) throws -> any Processor
}

/// Makes exporters of one type.
public protocol ExporterFactory: Sendable {
    /// The exporter's configuration.
    associatedtype Config: ComponentConfig
    /// The type name used in component ids.
    var type: String { get }
    /// An exporter.
    func create(config: Config, context: ComponentContext) throws -> any Exporter
}

/// Which section of the config a component belongs to.
public enum ComponentKind: String, Sendable, CaseIterable {
    case receiver, processor, exporter

    /// The config section's key.
    public var section: String { rawValue + "s" }
}

/// A component whose configuration was read and validated: ready to be created.
public struct ConfiguredComponent: Sendable {
    /// Its id.
    public let id: ComponentID
    /// Its kind.
    public let kind: ComponentKind
    let make: @Sendable (ComponentContext, (any Consumer)?) throws -> any Component
}

/// The factories the collector knows, by kind and type name.
public struct ComponentFactories: Sendable {
    typealias Configure = @Sendable (ComponentID, ConfigNode) -> ConfiguredComponent?
    private var table: [ComponentKind: [String: Configure]] = [:]

    /// No factories.
    public init() {}

    /// The type names known for `kind`, sorted.
    public func types(_ kind: ComponentKind) -> [String] { (table[kind] ?? [:]).keys.sorted() }

    /// Registers a receiver factory.
    public mutating func register<F: ReceiverFactory>(_ factory: F) {
        add(.receiver, factory.type, F.Config.self) { config, context, next in
            try factory.create(config: config, context: context, next: next!)
        }
    }

    /// Registers a processor factory.
    public mutating func register<F: ProcessorFactory>(_ factory: F) {
        add(.processor, factory.type, F.Config.self) { config, context, next in
            try factory.create(config: config, context: context, next: next!)
        }
    }

    /// Registers an exporter factory.
    public mutating func register<F: ExporterFactory>(_ factory: F) {
        add(.exporter, factory.type, F.Config.self) { config, context, _ in
            try factory.create(config: config, context: context)
        }
    }

    private mutating func add<C: ComponentConfig>(_ kind: ComponentKind, _ type: String, _: C.Type,
                                                  _ create: @escaping @Sendable (C, ComponentContext, (any Consumer)?) throws -> any Component) {
        table[kind, default: [:]][type] = { id, node in
            var config = C()
            let before = node.issues.errors.count
            guard let fields = node.fields(known: C.fieldNames) else { return nil }
            config.decode(fields)
            for problem in config.validate() { fields.report(problem.field, problem.message) }
            guard node.issues.errors.count == before else { return nil }
            let validated = config
            return ConfiguredComponent(id: id, kind: kind) { context, next in try create(validated, context, next) }
        }
    }

    /// Reads and validates the config of component `id` of `kind`; nil (with problems reported)
    /// when the type is unknown or the config is invalid.
    func configure(_ kind: ComponentKind, id: ComponentID, keyNode: ConfigNode, node: ConfigNode) -> ConfiguredComponent? {
        guard let configure = table[kind]?[id.type] else {
            keyNode.report("unknown \(kind.rawValue) type \"\(id.type)\" (known: \(types(kind).joined(separator: ", ")))")
            return nil
        }
        return configure(id, node)
    }
}
