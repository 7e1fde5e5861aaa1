/// Runs one gate's evaluation and turns whatever happens into a `GateResult`: a thrown error
/// becomes verdict `error` with the error's message as summary, so every output format —
/// JSON, SARIF, the step summary — records why the gate could not judge.
public enum GateRunner {
    public static func run(gate: String, _ evaluate: () throws -> GateResult) -> GateResult {
        let clock = ContinuousClock()
        let start = clock.now
        var result: GateResult
        do {
            result = try evaluate()
        } catch {
            result = .error(gate: gate, message: String(describing: error))
        }
        let elapsed = clock.now - start
        result.durationMs = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        return result
    }
}
