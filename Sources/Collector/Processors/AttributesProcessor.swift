import RemoteWrite
import Foundation

/// One label action of the `attributes` processor.
public struct LabelAction: Sendable, Hashable {
    /// What to do.
    public enum Kind: String, Sendable, CaseIterable {
        /// Set the label only where it is missing.
        case insert
        /// Set the label only where it exists.
        case update
        /// Set the label everywhere.
        case upsert
        /// Remove the label.
        case delete
        /// Move the label's value to `new_key`.
        case rename
    }

    /// The label acted on.
    public var key: String
    /// What to do.
    public var action: Kind
    /// The value for insert/update/upsert (a `${env:NAME}` in the config file is the environment variable's value).
    public var value: String?
    /// The new name for rename.
    public var newKey: String?

    /// An action.
    public init(key: String, action: Kind, value: String? = nil, newKey: String? = nil) {
        self.key = key
        self.action = action
        self.value = value
        self.newKey = newKey
    }

    /// Applies the action to one point.
    public func apply(to point: inout MetricPoint) {
        switch action {
        case .insert: if point.label(key) == nil { point.setLabel(key, value ?? "") }
        case .update: if point.label(key) != nil { point.setLabel(key, value ?? "") }
        case .upsert: point.setLabel(key, value ?? "")
        case .delete: point.removeLabel(key)
        case .rename: if let old = point.removeLabel(key), let newKey { point.setLabel(newKey, old) }
        }
    }
}

/// The `attributes` processor's configuration.
public struct AttributesProcessorConfig: ComponentConfig {
    /// The actions, applied in order.
    public var actions: [LabelAction] = []

    public init() {}
    public static let fieldNames = ["actions"]

    public mutating func decode(_ fields: ConfigFields) {
        guard let list = fields["actions"]?.list() else { return }
        for element in list {
            guard let parts = element.fields(known: ["key", "action", "value", "new_key"]) else { continue }
            guard let key = parts["key"]?.string(), let kind = parts["action"]?.choice(LabelAction.Kind.allCases.map(\.rawValue)) else {
                if parts["key"] == nil { parts.report("key", "missing required field \"key\"") }
                if parts["action"] == nil { parts.report("action", "missing required field \"action\"") }
                continue
            }
            let action = LabelAction(key: key, action: LabelAction.Kind(rawValue: kind)!,
                                     value: parts["value"]?.string(), newKey: parts["new_key"]?.string())
            switch action.action {
            case .insert where action.value == nil, .update where action.value == nil, .upsert where action.value == nil:
                parts.report("value", "\(kind) needs a value")
            case .rename where action.newKey == nil: parts.report("new_key", "rename needs new_key")
            default: break
            }
            if !RemoteWrite.isValidLabelName(action.newKey ?? key) { element.report("\"\(action.newKey ?? key)\" is not a valid label name") }
            actions.append(action)
        }
    }

    public func validate() -> [(field: String, message: String)] {
        actions.isEmpty ? [("actions", "at least one action is needed")] : []
    }
}

/// Makes `attributes` processors.
public struct AttributesProcessorFactory: ProcessorFactory {
    public init() {}
    public var type: String { "attributes" }
    public func create(config: AttributesProcessorConfig, context: ComponentContext, next: any Consumer) throws -> any Processor {
        AttributesProcessor(actions: config.actions, next: next)
    }
}

/// Adds, changes, renames and removes labels (e.g. `insert node=${env:NODE_NAME}`).
public struct AttributesProcessor: Processor {
    /// The actions, in order.
    public let actions: [LabelAction]
    let next: any Consumer

    /// A processor applying `actions`, then handing on to `next`.
    public init(actions: [LabelAction], next: any Consumer) {
        self.actions = actions
        self.next = next
    }

    /// `batch` with the actions applied to every point.
    public func apply(_ batch: MetricBatch) -> MetricBatch {
        var out = batch
        for index in out.points.indices {
            for action in actions { action.apply(to: &out.points[index]) }
        }
        return out
    }

    public func consume(_ batch: MetricBatch) async throws { try await next.consume(apply(batch)) }
    public func start() async throws {}
    public func shutdown() async throws {}
}
