/// Percentages computed from exact counts, judged before they are rounded.
///
/// Coverage tools are notorious for thresholds that pass or fail on a rounded display value
/// (coverage.py's `--fail-under` rounds first; gcovr once showed 2071/2072 as 100%). Here the
/// verdict compares `covered * 100` with `threshold * total`, and the displayed value is
/// truncated to two decimals, so `69.999%` shows as `69.99` and never as a `70.00` that fails.
public enum Percent {
    /// `covered / total` in percent, truncated to two decimals; a non-zero ratio below 0.01%
    /// shows as 0.01 so that it is not mistaken for nothing covered.
    public static func display(covered: Int, total: Int) -> Double {
        guard total > 0 else { return 0 }
        let exact = Double(covered) * 100 / Double(total)
        let truncated = (exact * 100).rounded(.down) / 100
        if truncated == 0, covered > 0 { return 0.01 }
        return truncated
    }

    /// Whether `covered / total` reaches `threshold` percent, decided on the exact ratio.
    public static func meets(covered: Int, total: Int, threshold: Double) -> Bool {
        Double(covered) * 100 >= threshold * Double(total)
    }
}
