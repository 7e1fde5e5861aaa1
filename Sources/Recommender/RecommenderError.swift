/// What can be wrong with the recommender's inputs; each message names the file and line.
public enum RecommenderError: Error, Equatable, CustomStringConvertible {
    case malformedRow(path: String, line: Int, problem: String)
    case emptyCatalog(path: String)
    case unreadable(path: String, reason: String)
    case badConfig(path: String, problem: String)
    case corruptedArtifact(path: String, problem: String)

    public var description: String {
        switch self {
        case .malformedRow(let path, let line, let problem): "\(path):\(line): \(problem)."
        case .emptyCatalog(let path): "\(path): the catalog has no products; nothing to rank."
        case .unreadable(let path, let reason): "\(path): cannot be read (\(reason))."
        case .badConfig(let path, let problem): "\(path): \(problem)."
        case .corruptedArtifact(let path, let problem): "\(path): the trained model is corrupted or incomplete: \(problem); train it again."
        }
    }
}
