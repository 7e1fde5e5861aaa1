/// Plain-text columns padded to the widest cell, for terminal output.
public struct ColumnTable {
    var header: [String]
    var rows: [[String]]

    init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    /// The table as lines of text, unindented, each ending in a newline.
    public static func render(header: [String], rows: [[String]]) -> String {
        ColumnTable(header: header, rows: rows).rendered(indent: "").map { $0 + "\n" }.joined()
    }

    /// Each line indented by `indent`; `style` may wrap a cell in colour after padding, so
    /// escape codes do not disturb alignment.
    func rendered(indent: String = "  ", style: (_ row: Int, _ column: Int, _ padded: String) -> String = { $2 }) -> [String] {
        let all = [header] + rows
        let columnCount = all.map(\.count).max() ?? 0
        var widths = Array(repeating: 0, count: columnCount)
        for row in all {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        return all.enumerated().map { rowIndex, row in
            let cells = row.enumerated().map { column, cell -> String in
                let isLast = column == row.count - 1
                let padded = isLast ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
                return rowIndex == 0 ? padded : style(rowIndex - 1, column, padded)
            }
            return indent + cells.joined(separator: "  ")
        }
    }
}

/// ANSI SGR styling, applied only when colour is on.
struct TerminalStyle {
    var enabled: Bool

    func verdict(_ text: String, _ verdict: Verdict) -> String {
        switch verdict {
        case .pass: wrap(text, "32")
        case .warn: wrap(text, "33")
        case .fail: wrap(text, "31;1")
        case .error: wrap(text, "35;1")
        }
    }

    func severity(_ text: String, _ severity: Severity) -> String {
        switch severity {
        case .note: wrap(text, "36")
        case .warning: wrap(text, "33")
        case .error: wrap(text, "31")
        }
    }

    func bold(_ text: String) -> String { wrap(text, "1") }
    func dim(_ text: String) -> String { wrap(text, "2") }

    private func wrap(_ text: String, _ code: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
