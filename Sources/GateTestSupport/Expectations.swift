import Testing

/// Expects `body` to throw an error whose message contains `message`: the shape of every
/// bad-input test (the message must name the file, the line and the problem).
public func expectError(
    containing message: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("the input was accepted; expected an error containing \"\(message)\"", sourceLocation: sourceLocation)
    } catch {
        #expect(String(describing: error).contains(message), "\(error)", sourceLocation: sourceLocation)
    }
}
