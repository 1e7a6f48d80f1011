import Foundation

/// The dates of Aeolus' JSON wire formats (agent API, status API, agent state files): RFC 3339
/// in UTC with milliseconds (`2026-11-27T13:40:00.123Z`), so the timeline of a reaction keeps its
/// millisecond stages. Decoding accepts RFC 3339 with or without fractional seconds.
public enum WireDate {
    private static let withMilliseconds = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let whole = Date.ISO8601FormatStyle()

    /// `date` as RFC 3339 with milliseconds.
    public static func format(_ date: Date) -> String { withMilliseconds.format(date) }

    /// The date `text` names, with or without fractional seconds; nil when it is not RFC 3339.
    public static func parse(_ text: String) -> Date? {
        (try? withMilliseconds.parse(text)) ?? (try? whole.parse(text))
    }

    /// The encoding strategy of the wire formats.
    public static let encoding = JSONEncoder.DateEncodingStrategy.custom { date, encoder in
        var container = encoder.singleValueContainer()
        try container.encode(format(date))
    }

    /// The decoding strategy of the wire formats.
    public static let decoding = JSONDecoder.DateDecodingStrategy.custom { decoder in
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = parse(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(text)\" is not an RFC 3339 date")
        }
        return date
    }
}
