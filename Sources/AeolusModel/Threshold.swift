/// What `above` and `below` mean, wherever a value is compared with them: the graph's edge
/// triggers and the collector's `threshold` processor.
///
/// Like chained PromQL comparisons (`x > 5 < 100`), the bounds given are all conditions: with
/// `above` alone the value must be greater, with `below` alone smaller, and with both it must be
/// inside the band (greater than `above` and smaller than `below`). A NaN is never beyond a bound.
public enum Threshold {
    /// Whether `value` satisfies every bound given (true when none is).
    @inlinable
    public static func holds(_ value: Double, above: Double?, below: Double?) -> Bool {
        guard !value.isNaN else { return false }
        if let above, !(value > above) { return false }
        if let below, !(value < below) { return false }
        return true
    }

    /// Why the bounds can never hold together, or nil when they can.
    public static func problem(above: Double?, below: Double?) -> String? {
        guard let above, let below, above >= below else { return nil }
        return "below (\(below)) must be greater than above (\(above)): with both, the value must be inside the band, "
            + "so these bounds can never hold"
    }
}
