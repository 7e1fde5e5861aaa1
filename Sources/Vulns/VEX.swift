import GateKit

/// Statements that a product is not affected by a vulnerability: OpenVEX documents
/// (openvex.dev, `statements[]` with status `not_affected` or `fixed`) and CycloneDX VEX
/// (`vulnerabilities[].analysis.state` `not_affected`, `false_positive` or `resolved`).
/// A statement names the vulnerability (an advisory id or any alias) and products by purl;
/// a purl without a version covers every version.
public struct VEXStatement: Sendable, Equatable {
    public var vulnerability: String
    public var products: [String]
    public var status: String
    /// The justification and any impact statement, as the document gives them.
    public var justification: String
    public var source: String

    /// Whether it covers `purl` (`pkg:type/ns/name@version`), qualifiers ignored.
    public func covers(purl: String) -> Bool {
        let target = Self.trim(purl)
        return products.contains { product in
            let own = Self.trim(product)
            // Versioned when an '@' follows the last '/' (a scope's '@' comes before it).
            let versioned = own.split(separator: "/").last?.contains("@") ?? false
            return own == target || (!versioned && target.hasPrefix(own + "@"))
        }
    }

    static func trim(_ purl: String) -> String {
        var text = Substring(purl)
        if let cut = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { text = text[..<cut] }
        return String(text).removingPercentEncoding ?? String(text)
    }
}

public enum VEXReader {
    public static func read(_ path: String) throws -> (statements: [VEXStatement], digest: InputDigest) {
        let (bytes, digest) = try InputFile.readAll(path, expected: "a VEX document (OpenVEX or CycloneDX)", limits: .document)
        let tree = try JSONTree.parse(bytes, path: path)
        func fail(_ problem: String) -> GateError { GateError.usage("\(path): \(problem)") }
        if let statements = tree["statements"]?.array {
            var result: [VEXStatement] = []
            for (index, statement) in statements.enumerated() {
                let field = "statements[\(index)]"
                // OpenVEX 0.2: vulnerability is {"name": …}; earlier drafts a string.
                guard let vulnerability = statement["vulnerability"]?["name"]?.string ?? statement["vulnerability"]?.string else {
                    throw fail("\(field) names no vulnerability")
                }
                guard let status = statement["status"]?.string else { throw fail("\(field) has no status") }
                let products = (statement["products"]?.array ?? []).compactMap { $0["@id"]?.string ?? $0.string }
                guard !products.isEmpty else { throw fail("\(field) names no products") }
                let why = [statement["justification"]?.string, statement["impact_statement"]?.string].compactMap { $0 }.joined(separator: ": ")
                result.append(VEXStatement(vulnerability: vulnerability, products: products, status: status,
                                           justification: why.isEmpty ? status : why, source: path))
            }
            return (result.filter { $0.status == "not_affected" || $0.status == "fixed" }, digest)
        }
        if tree["bomFormat"]?.string == "CycloneDX" {
            // affects[].ref is a bom-ref of the document's components, or a purl.
            var purlByRef: [String: String] = [:]
            for component in tree["components"]?.array ?? [] {
                if let ref = component["bom-ref"]?.string, let purl = component["purl"]?.string { purlByRef[ref] = purl }
            }
            var result: [VEXStatement] = []
            for (index, vulnerability) in (tree["vulnerabilities"]?.array ?? []).enumerated() {
                let field = "vulnerabilities[\(index)]"
                guard let id = vulnerability["id"]?.string else { throw fail("\(field) has no id") }
                guard let state = vulnerability["analysis"]?["state"]?.string else { continue }
                let products = (vulnerability["affects"]?.array ?? []).compactMap { $0["ref"]?.string }.map { purlByRef[$0] ?? $0 }
                guard !products.isEmpty else { throw fail("\(field) affects nothing") }
                let why = [vulnerability["analysis"]?["justification"]?.string, vulnerability["analysis"]?["detail"]?.string].compactMap { $0 }
                    .joined(separator: ": ")
                result.append(VEXStatement(vulnerability: id, products: products, status: state, justification: why.isEmpty ? state : why, source: path))
            }
            return (result.filter { ["not_affected", "false_positive", "resolved"].contains($0.status) }, digest)
        }
        throw fail("not a VEX document: neither OpenVEX (statements) nor CycloneDX (bomFormat)")
    }
}
