/// What can be wrong with drift inputs; each message names the file (and line) and says what
/// to do. All of them end the gate with exit 2: it could not judge.
public enum DriftError: Error, Equatable, CustomStringConvertible {
    /// No header, no rows: nothing to compare, never a pass.
    case empty(path: String)
    /// A CSV record whose field count differs from the header's.
    case raggedRow(path: String, line: Int, fields: Int, expected: Int)
    /// A record that breaks the format's grammar.
    case malformed(path: String, line: Int, problem: String)
    /// The reference and current data share no column.
    case noCommonColumns(reference: String, current: String)
    /// A column named in the policy is in neither file.
    case unknownColumn(name: String, policy: String)

    public var description: String {
        switch self {
        case .empty(let path):
            "\(path): no data rows. The drift gate needs a CSV file with a header and rows, or JSON Lines; an empty sample cannot show drift and is never a pass."
        case .raggedRow(let path, let line, let fields, let expected):
            "\(path):\(line): a row with \(fields) field\(fields == 1 ? "" : "s"), the header has \(expected). Quote fields that contain commas or line breaks."
        case .malformed(let path, let line, let problem):
            "\(path):\(line): \(problem)."
        case .noCommonColumns(let reference, let current):
            "\(reference) and \(current) have no column in common: is one of them the wrong file?"
        case .unknownColumn(let name, let policy):
            "\(policy): the column '\(name)' is in neither data file. Check its spelling against the header."
        }
    }
}
