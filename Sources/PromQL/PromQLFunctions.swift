/// PromQL's functions as Prometheus 2.42 defines them (`promql/parser/functions.go`): argument
/// types, how many trailing arguments are optional, whether the last repeats, the result type.
public enum PromQLFunctions {
    public struct Signature: Sendable {
        public var arguments: [PromQLType]
        public var optional = 0
        public var variadic = false
        public var returns: PromQLType = .vector
    }

    public static let table: [String: Signature] = {
        var table: [String: Signature] = [:]
        let v = PromQLType.vector, m = PromQLType.matrix, s = PromQLType.scalar, str = PromQLType.string
        for name in ["abs", "acos", "acosh", "asin", "asinh", "atan", "atanh", "ceil", "cos", "cosh", "deg", "exp", "floor", "ln", "log10", "log2",
                     "rad", "sgn", "sin", "sinh", "sqrt", "tan", "tanh", "sort", "sort_desc", "timestamp", "absent", "histogram_count", "histogram_sum"] {
            table[name] = Signature(arguments: [v])
        }
        for name in ["day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year"] {
            table[name] = Signature(arguments: [v], optional: 1)
        }
        for name in ["avg_over_time", "count_over_time", "last_over_time", "max_over_time", "min_over_time", "present_over_time",
                     "stddev_over_time", "stdvar_over_time", "sum_over_time", "absent_over_time", "changes", "delta", "deriv", "idelta",
                     "increase", "irate", "rate", "resets"] {
            table[name] = Signature(arguments: [m])
        }
        table["clamp"] = Signature(arguments: [v, s, s])
        table["clamp_max"] = Signature(arguments: [v, s])
        table["clamp_min"] = Signature(arguments: [v, s])
        table["round"] = Signature(arguments: [v, s], optional: 1)
        table["histogram_quantile"] = Signature(arguments: [s, v])
        table["histogram_fraction"] = Signature(arguments: [s, s, v])
        table["holt_winters"] = Signature(arguments: [m, s, s])
        table["predict_linear"] = Signature(arguments: [m, s])
        table["quantile_over_time"] = Signature(arguments: [s, m])
        table["label_replace"] = Signature(arguments: [v, str, str, str, str])
        table["label_join"] = Signature(arguments: [v, str, str, str], variadic: true)
        table["scalar"] = Signature(arguments: [v], returns: .scalar)
        table["vector"] = Signature(arguments: [s])
        table["time"] = Signature(arguments: [], returns: .scalar)
        table["pi"] = Signature(arguments: [], returns: .scalar)
        return table
    }()
}
