/// A revision of the watched branch that was not applied, and why; the revision applied before
/// it stays live. Shown in `status/summary.yaml`, `/api/v1/status`, `aeolus status` and the
/// status page, and counted by reason in `aeolus_dictator_revisions_refused_total`.
public struct RevisionRefusal: Sendable, Hashable, Codable {
    /// The refused revision.
    public var revision: String
    /// Why, as a metric label: `unsigned`, `untrusted_key`, `bad_signature`,
    /// `unsupported_signature` (signed commits) or `over_limits` (the repository limits).
    public var reason: String
    /// For people: `revision abc1234 not applied: head commit is not signed`.
    public var message: String

    /// A refusal of `revision` for `reason`, `detail` saying what is wrong with it.
    public init(revision: String, reason: String, detail: String) {
        self.revision = revision
        self.reason = reason
        message = "revision \(revision.prefix(7)) not applied: \(detail)"
    }
}
