/// Grafana variables in a query, replaced before PromQL parsing: `$name`, `${name}`,
/// `${name:format}`, `${name.field}`, `[[name]]`, `[[name:format]]`. Builtins become
/// recognisable durations or numbers; a user variable becomes its current value when it is an
/// interval, else its own name (a plain, non-empty token). Each output byte remembers its
/// input offset, so a PromQL error points into the expression as written.
public struct GrafanaSubstitution: Sendable {
    public var text: String
    /// For each byte of `text`, the offset in the original expression.
    public var origins: [Int]
    /// Variables used, by name, with the first offset each appears at.
    public var used: [(name: String, offset: Int)]

    /// `$__rate_interval` becomes this duration, so the rate-interval rule can recognise it.
    public static let rateInterval = "4m3s7ms"
    public static let rateIntervalSeconds = 243.007

    public static let builtins: [String: String] = [
        "__rate_interval": rateInterval, "__interval": "1m3s5ms", "__auto": "1m3s5ms", "__range": "1h3s9ms",
        "__interval_ms": "60000", "__range_ms": "3600000", "__range_s": "3600", "__from": "1700000000000", "__to": "1700003600000",
        "__dashboard": "dashboard", "__name": "name", "__org": "org", "__user": "user", "__timeFilter": "true", "__all_variables": "all",
    ]

    public static func isBuiltin(_ name: String) -> Bool { builtins[name] != nil || name.hasPrefix("__auto_interval_") }

    /// `values`: a value for variables that have one (interval variables' current values).
    public static func substitute(_ expression: String, values: [String: String] = [:]) -> GrafanaSubstitution {
        let bytes = Array(expression.utf8)
        var out: [UInt8] = []
        var origins: [Int] = []
        var used: [(name: String, offset: Int)] = []
        var i = 0
        func isWord(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F }
        func emit(_ text: String, from offset: Int) {
            for byte in text.utf8 { out.append(byte); origins.append(offset) }
        }
        while i < bytes.count {
            let b = bytes[i]
            var name: String?
            var end = i
            if b == UInt8(ascii: "$"), i + 1 < bytes.count {
                if bytes[i + 1] == UInt8(ascii: "{"), let close = bytes[(i + 2)...].firstIndex(of: UInt8(ascii: "}")) {
                    let inner = String(decoding: bytes[(i + 2)..<close], as: UTF8.self)
                    name = String(inner.split(whereSeparator: { $0 == ":" || $0 == "." }).first ?? "")
                    end = close + 1
                } else if isWord(bytes[i + 1]) {
                    var j = i + 1
                    while j < bytes.count, isWord(bytes[j]) { j += 1 }
                    name = String(decoding: bytes[(i + 1)..<j], as: UTF8.self)
                    end = j
                }
            } else if b == UInt8(ascii: "["), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "["),
                      let close = (i + 2 < bytes.count ? bytes[(i + 2)...].firstIndex(of: UInt8(ascii: "]")) : nil),
                      close + 1 < bytes.count, bytes[close + 1] == UInt8(ascii: "]") {
                let inner = String(decoding: bytes[(i + 2)..<close], as: UTF8.self)
                let candidate = String(inner.split(separator: ":").first ?? "")
                if !candidate.isEmpty, candidate.utf8.allSatisfy(isWord) {
                    name = candidate
                    end = close + 2
                }
            }
            if let name, !name.isEmpty {
                used.append((name, i))
                if let builtin = builtins[name] {
                    emit(builtin, from: i)
                } else if name.hasPrefix("__auto_interval_") {
                    emit("1m3s5ms", from: i)
                } else if let value = values[name], !value.isEmpty {
                    emit(value, from: i)
                } else {
                    emit(name, from: i)
                }
                i = end
                continue
            }
            out.append(b)
            origins.append(i)
            i += 1
        }
        return GrafanaSubstitution(text: String(decoding: out, as: UTF8.self), origins: origins, used: used)
    }

    /// The original offset of a byte offset in `text`.
    public func originalOffset(_ offset: Int) -> Int {
        guard !origins.isEmpty else { return 0 }
        return offset < origins.count ? origins[offset] : origins[origins.count - 1] + 1
    }
}
