/// The q-quantile of ascending values by linear interpolation between closest ranks
/// (NumPy's default `percentile`, R's type 7); NaN for no values. The median is q = 0.5.
public func quantile(sorted values: [Double], _ q: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let position = q * Double(values.count - 1)
    let low = Int(position.rounded(.down)), high = Int(position.rounded(.up))
    return values[low] + (values[high] - values[low]) * (position - Double(low))
}
