import FeatureFlags
import Foundation
import GateKit

/// `gate flags set`: one flag's rollout percentage, kill switch or restore, written into the
/// flag file in place (`FlagFileEdit`), under the same ladder rule `gate flags lint` applies to
/// a change: the effective percentage rises at most one ladder step, and a rollout percentage
/// is a ladder step. Any move down (a rollback, a kill) is always allowed. A refused step
/// changes nothing unless forced with a reason.
public enum FlagsSet {
    public struct Applied: Sendable {
        public var outcome: FlagFileEdit.Outcome
        /// Why the ladder would refuse it, when it was forced.
        public var forced: String?

        /// One line for the terminal and the log.
        public func describe(path: String, change: FlagFileEdit.Change) -> String {
            let (before, after) = (outcome.before, outcome.after)
            let what: String = switch change {
            case .rollout: "rollout_percentage \(Percentage.text(before.rolloutPercentage)) → \(Percentage.text(after.rolloutPercentage))"
            case .kill: "killed (admin_override_disabled: true)"
            case .restore: "kill switch lifted (admin_override_disabled: false)"
            }
            guard let line = outcome.line else {
                return "\(path): \(after.name) unchanged: already \(change == .kill ? "killed" : change == .restore ? "not killed" : "at \(Percentage.text(after.rolloutPercentage))%")"
            }
            var text = "\(path):\(line): \(after.name): \(what); on for \(Percentage.text(before.effectivePercentage))% → \(Percentage.text(after.effectivePercentage))% of users"
            if !after.enabled, after.rolloutPercentage > 0, !after.adminOverrideEnabled { text += " (the flag is disabled: enabled: false keeps it off)" }
            return text
        }
    }

    /// Why the ladder refuses the move from `before` to `after`, or nil.
    public static func refusal(_ before: Flag, _ after: Flag, ladder: [Double]) -> String? {
        if after.rolloutPercentage != before.rolloutPercentage, !ladder.contains(after.rolloutPercentage) {
            return "\(Percentage.text(after.rolloutPercentage))% is not a ladder step (\(ladder.map(Percentage.text).joined(separator: ", ")))"
        }
        let (was, will) = (before.effectivePercentage, after.effectivePercentage)
        let next = FlagsPolicy.nextStep(above: was, ladder: ladder)
        if will > next {
            return "\(after.name) would go from \(Percentage.text(was))% to \(Percentage.text(will))% of users; the next step up is \(Percentage.text(next))%"
        }
        return nil
    }

    /// Edits the file at `path` (written only when the value changes and the step is allowed
    /// or forced). Throws `GateError.usage` for an unreadable, malformed or hostile file or an
    /// unknown flag; returns the refusal without writing when the ladder says no.
    public static func run(path: String, flag: String, change: FlagFileEdit.Change, ladder: [Double], forceReason: String?) throws -> Result<Applied, Refused> {
        let (bytes, _) = try InputFile.readAll(path, expected: "a flag file", limits: .yaml)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw GateError.usage("\(path): not UTF-8 text.") }
        try YAMLGuard.check(text, path: path)
        let outcome: FlagFileEdit.Outcome
        do {
            outcome = try FlagFileEdit.apply(change, flag: flag, to: text, path: path)
        } catch let error as FlagFileError {
            throw GateError.usage(Excerpt.message(String(describing: error), limit: 500))
        }
        guard outcome.changed else { return .success(Applied(outcome: outcome)) }
        let refusal = refusal(outcome.before, outcome.after, ladder: ladder)
        if let refusal, forceReason == nil { return .failure(Refused(message: refusal)) }
        try write(outcome.text, to: path)
        return .success(Applied(outcome: outcome, forced: refusal))
    }

    public struct Refused: Error, Sendable { public var message: String }

    /// Through a temporary file in the same folder and a rename: a reader sees the old file or
    /// the new one, never half of it. The file's permissions are kept.
    static func write(_ text: String, to path: String) throws {
        let temporary = path + ".gate-\(getpid()).tmp"
        let mode = (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
        do {
            try FileSink.write(text, to: temporary, append: false)
            if let mode { try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: temporary) }
            guard Foundation.rename(temporary, path) == 0 else { throw GateError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }
}
