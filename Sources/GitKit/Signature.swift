import CGit2
import Foundation

/// Who made a commit and when: author and committer of commits GitKit writes.
public struct Signature: Sendable, Equatable {
    /// Display name.
    public var name: String
    /// E-mail address.
    public var email: String
    /// The time recorded; nil means "now" when the commit is written.
    public var time: Date?
    /// Offset from UTC in minutes recorded with `time`.
    public var timeZoneOffsetMinutes: Int32

    /// A signature; without `time` the commit gets the time it is written at.
    public init(name: String, email: String, time: Date? = nil, timeZoneOffsetMinutes: Int32 = 0) {
        self.name = name
        self.email = email
        self.time = time
        self.timeZoneOffsetMinutes = timeZoneOffsetMinutes
    }

    /// Runs `body` with a libgit2 signature, freed afterwards.
    func withGitSignature<R>(_ body: (UnsafePointer<git_signature>) throws -> R) throws -> R {
        var signature: UnsafeMutablePointer<git_signature>?
        let seconds = git_time_t((time ?? Date()).timeIntervalSince1970.rounded(.down))
        try check("git_signature_new", git_signature_new(&signature, name, email, seconds, timeZoneOffsetMinutes))
        defer { git_signature_free(signature) }
        return try body(signature!)
    }
}
