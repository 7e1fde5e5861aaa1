/// What can be wrong with qrels, runs and measure names; each message names the file and line.
public enum RelevanceError: Error, Equatable, CustomStringConvertible {
    /// A line with the wrong number of fields or a field of the wrong kind.
    case malformedLine(path: String, line: Int, problem: String)
    /// The same document twice for one query (trec_eval refuses this too).
    case duplicateDocument(path: String, line: Int, query: String, document: String, firstLine: Int)
    /// A file with no judgement or no ranked document at all.
    case noRecords(path: String, expected: String)
    /// A `-m` measure gate does not compute.
    case unknownMeasure(String)

    public var description: String {
        switch self {
        case .malformedLine(let path, let line, let problem):
            "\(path):\(line): \(problem)."
        case .duplicateDocument(let path, let line, let query, let document, let firstLine):
            "\(path):\(line): document '\(document)' appears twice for query '\(query)' (first at line \(firstLine)); "
                + "a run ranks each document once. Remove the duplicate."
        case .noRecords(let path, let expected):
            "\(path): no \(expected) in the file; nothing to evaluate."
        case .unknownMeasure(let name):
            "unknown measure '\(name)'. Measures: ndcg, ndcg_cut.K, P.K, recall.K, map, recip_rank (K a positive cutoff, "
                + "several as ndcg_cut.5,10)."
        }
    }
}
