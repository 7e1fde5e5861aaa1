import Foundation

/// A file a gate asks to be written beside its result: its own HTML page (the result with the
/// gate's charts appended) or a document such as an SBOM. The gate says what and where; the
/// publisher writes it once the result is final (baseline compared, `rules:` applied), so the
/// page shows the verdict the run exits with.
public struct Artifact: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        /// The result as an HTML page with these sections (charts) after it.
        case page(sections: String)
        /// A file's whole text.
        case text(String)
    }

    /// Where to write it, absolute (resolved against the context's root).
    public var path: String
    /// As the user wrote it, for messages.
    public var name: String
    public var content: Content

    public init(path: String, name: String, content: Content) {
        self.path = path
        self.name = name
        self.content = content
    }

    /// The text to write for `result`.
    public func rendered(for result: GateResult) -> String {
        switch content {
        case .page(let sections): HTMLReporter(sections: sections).render(Report(results: [result], isCheck: false))
        case .text(let text): text
        }
    }
}

extension GateResult {
    /// Writes every artifact (directories created); a file that cannot be written turns the
    /// result into an error naming it — a requested report that is missing is not a pass.
    public func writingArtifacts() -> GateResult {
        for artifact in artifacts {
            do {
                if let slash = artifact.path.lastIndex(of: "/"), slash != artifact.path.startIndex {
                    // Made if missing; a directory that cannot be made fails the write below.
                    try? FileManager.default.createDirectory(atPath: String(artifact.path[..<slash]), withIntermediateDirectories: true)
                }
                try FileSink.write(artifact.rendered(for: self), to: artifact.path, append: false)
            } catch {
                return .error(gate: gate, message: "\(error)", inputs: inputs)
            }
        }
        return self
    }
}
