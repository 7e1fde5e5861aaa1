import Foundation

/// How an ecosystem orders its versions, as OSV's ECOSYSTEM and SEMVER ranges need:
/// PyPI by PEP 440, crates.io, npm and SwiftPM by SemVer 2.0 precedence, Go by SemVer with its
/// `v` prefix and `+incompatible`.
public enum VersionScheme: String, Sendable {
    case pep440, semver, go

    /// A version parsed for ordering, or nil when it is not one this scheme can order.
    public func parse(_ text: String) -> OrderedVersion? {
        switch self {
        case .pep440: return PEP440Version(text).map(OrderedVersion.pep440)
        case .semver: return SemanticVersion(text).map(OrderedVersion.semver)
        case .go:
            var trimmed = Substring(text)
            if trimmed.hasPrefix("v") { trimmed = trimmed.dropFirst() }
            return SemanticVersion(String(trimmed)).map(OrderedVersion.semver)
        }
    }
}

/// A version of some scheme; versions of one scheme compare.
public enum OrderedVersion: Comparable, Sendable {
    case pep440(PEP440Version)
    case semver(SemanticVersion)

    public static func < (a: OrderedVersion, b: OrderedVersion) -> Bool {
        switch (a, b) {
        case let (.pep440(x), .pep440(y)): return x < y
        case let (.semver(x), .semver(y)): return x < y
        case (.pep440, .semver): return true
        case (.semver, .pep440): return false
        }
    }
}

/// A SemVer 2.0 version (semver.org §2, §9–§11): `MAJOR.MINOR.PATCH`, an optional pre-release
/// after `-`, build metadata after `+` (kept out of equality and order, as §10 says).
/// Numbers with leading zeros are refused, as the grammar refuses them.
public struct SemanticVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
    public enum Identifier: Comparable, Hashable, Sendable {
        case number(UInt64)
        case text(String)

        /// §11.4: numeric identifiers compare numerically and below alphanumeric ones, which
        /// compare in ASCII order.
        public static func < (a: Identifier, b: Identifier) -> Bool {
            switch (a, b) {
            case let (.number(x), .number(y)): return x < y
            case let (.text(x), .text(y)): return Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8))
            case (.number, .text): return true
            case (.text, .number): return false
            }
        }
    }

    public var major: UInt64, minor: UInt64, patch: UInt64
    public var prerelease: [Identifier]
    public var build: String

    public init?(_ text: String) {
        var core = Substring(text)
        build = ""
        if let plus = core.firstIndex(of: "+") {
            build = String(core[core.index(after: plus)...])
            core = core[..<plus]
            guard !build.isEmpty, build.split(separator: ".", omittingEmptySubsequences: false).allSatisfy(Self.isIdentifier) else { return nil }
        }
        prerelease = []
        if let dash = core.firstIndex(of: "-") {
            let tail = core[core.index(after: dash)...]
            core = core[..<dash]
            for part in tail.split(separator: ".", omittingEmptySubsequences: false) {
                guard Self.isIdentifier(part) else { return nil }
                if part.allSatisfy(\.isASCIIDigit) {
                    guard part == "0" || part.first != "0", let number = UInt64(part) else { return nil }
                    prerelease.append(.number(number))
                } else {
                    prerelease.append(.text(String(part)))
                }
            }
        }
        let numbers = core.split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 3 else { return nil }
        var values: [UInt64] = []
        for number in numbers {
            guard !number.isEmpty, number.allSatisfy(\.isASCIIDigit), number == "0" || number.first != "0", let value = UInt64(number) else { return nil }
            values.append(value)
        }
        (major, minor, patch) = (values[0], values[1], values[2])
    }

    static func isIdentifier(_ part: Substring) -> Bool {
        !part.isEmpty && part.utf8.allSatisfy { $0 == UInt8(ascii: "-") || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) }
    }

    public static func == (a: SemanticVersion, b: SemanticVersion) -> Bool {
        (a.major, a.minor, a.patch) == (b.major, b.minor, b.patch) && a.prerelease == b.prerelease
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(major); hasher.combine(minor); hasher.combine(patch); hasher.combine(prerelease)
    }

    /// §11: major, minor, patch numerically; a pre-release below its release; pre-releases
    /// identifier by identifier, a shorter list below a longer one it begins.
    public static func < (a: SemanticVersion, b: SemanticVersion) -> Bool {
        if (a.major, a.minor, a.patch) != (b.major, b.minor, b.patch) { return (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch) }
        switch (a.prerelease.isEmpty, b.prerelease.isEmpty) {
        case (true, _): return false
        case (false, true): return true
        case (false, false): return a.prerelease.lexicographicallyPrecedes(b.prerelease)
        }
    }

    public var description: String {
        "\(major).\(minor).\(patch)" + (prerelease.isEmpty ? "" : "-" + prerelease.map { identifier in
            switch identifier {
            case .number(let n): return String(n)
            case .text(let t): return t
            }
        }.joined(separator: ".")) + (build.isEmpty ? "" : "+" + build)
    }
}

extension Character {
    var isASCIIDigit: Bool { asciiValue.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
}

/// A PEP 440 version (packaging.python.org/en/latest/specifications/version-specifiers):
/// `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, read with the specification's normalisation
/// (case, `alpha`/`beta`/`c`/`pre`/`preview` spellings, `-`/`_`/`.` separators, implicit
/// numbers, `1.0-1` as a post-release, a leading `v`) and ordered as it orders them.
public struct PEP440Version: Comparable, Hashable, Sendable {
    public var epoch: UInt64 = 0
    public var release: [UInt64] = []
    /// (a = 0, b = 1, rc = 2; number)
    public var pre: (kind: Int, number: UInt64)?
    public var post: UInt64?
    public var dev: UInt64?
    /// Local segments: numbers and lowercased words.
    public var local: [LocalSegment] = []

    public enum LocalSegment: Comparable, Hashable, Sendable {
        case text(String)
        case number(UInt64)

        /// The specification: numeric segments above alphanumeric ones, words compared
        /// lexicographically (case-insensitively: they are lowercased when read).
        public static func < (a: LocalSegment, b: LocalSegment) -> Bool {
            switch (a, b) {
            case let (.number(x), .number(y)): return x < y
            case let (.text(x), .text(y)): return x < y
            case (.text, .number): return true
            case (.number, .text): return false
            }
        }
    }

    public init?(_ text: String) {
        var s = Array(text.lowercased().trimmingCharacters(in: .whitespaces).utf8)[...]
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        func number() -> UInt64? {
            var value: UInt64 = 0
            var any = false
            while let b = s.first, isDigit(b) {
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (plus, o2) = times.addingReportingOverflow(UInt64(b - 0x30))
                guard !o1, !o2 else { return nil }
                value = plus
                any = true
                s = s.dropFirst()
            }
            return any ? value : nil
        }
        func take(_ word: String) -> Bool {
            let bytes = Array(word.utf8)
            guard s.starts(with: bytes) else { return false }
            s = s.dropFirst(bytes.count)
            return true
        }
        func separator() -> Bool {
            if let b = s.first, b == UInt8(ascii: ".") || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") { s = s.dropFirst(); return true }
            return false
        }
        _ = take("v")
        guard let first = number() else { return nil }
        if s.first == UInt8(ascii: "!") {
            s = s.dropFirst()
            epoch = first
            guard let releaseStart = number() else { return nil }
            release = [releaseStart]
        } else {
            release = [first]
        }
        while s.first == UInt8(ascii: "."), s.count > 1, isDigit(s[s.index(after: s.startIndex)]) {
            s = s.dropFirst()
            guard let part = number() else { return nil }
            release.append(part)
        }
        // Pre-release: [sep](a|alpha|b|beta|rc|c|pre|preview)[sep][N]
        var save = s
        _ = separator()
        let spellings: [(String, Int)] = [("alpha", 0), ("a", 0), ("beta", 1), ("b", 1), ("preview", 2), ("pre", 2), ("rc", 2), ("c", 2)]
        if let (_, kind) = spellings.first(where: { take($0.0) }) {
            let beforeNumber = s
            _ = separator()
            if let n = number() { pre = (kind, n) } else { s = beforeNumber; pre = (kind, 0) }
            save = s
        } else {
            s = save
        }
        // Post-release: [sep](post|rev|r)[sep][N], or -N.
        save = s
        if s.first == UInt8(ascii: "-"), s.count > 1, isDigit(s[s.index(after: s.startIndex)]) {
            s = s.dropFirst()
            post = number()
        } else {
            _ = separator()
            if take("post") || take("rev") || take("r") {
                let beforeNumber = s
                _ = separator()
                if let n = number() { post = n } else { s = beforeNumber; post = 0 }
            } else {
                s = save
            }
        }
        // Development release: [sep]dev[sep][N]
        save = s
        _ = separator()
        if take("dev") {
            let beforeNumber = s
            _ = separator()
            if let n = number() { dev = n } else { s = beforeNumber; dev = 0 }
        } else {
            s = save
        }
        // Local version: +segment([-_.]segment)*
        if s.first == UInt8(ascii: "+") {
            s = s.dropFirst()
            let text = String(decoding: s, as: UTF8.self)
            let parts = text.split(omittingEmptySubsequences: false) { $0 == "." || $0 == "-" || $0 == "_" }
            guard !parts.isEmpty else { return nil }
            for part in parts {
                guard !part.isEmpty, part.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
                if part.allSatisfy(\.isASCIIDigit), let n = UInt64(part) { local.append(.number(n)) } else { local.append(.text(String(part))) }
            }
            s = s[s.endIndex...]
        }
        guard s.isEmpty else { return nil }
    }

    /// The sort key PEP 440 defines (as packaging's `_cmpkey` builds it): trailing zeros of
    /// the release ignored; a dev release of a final (`1.0.dev1`) below its pre-releases; no
    /// pre-release above any; no post-release below any; no dev release above any; no local
    /// version below any.
    private var key: (UInt64, [UInt64], (Int, UInt64), (Int, UInt64), (Int, UInt64)) {
        var trimmed = release
        while trimmed.count > 1, trimmed.last == 0 { trimmed.removeLast() }
        let preKey: (Int, UInt64)
        if let pre { preKey = (pre.kind, pre.number) } else if post == nil && dev != nil { preKey = (-1, 0) } else { preKey = (3, 0) }
        let postKey: (Int, UInt64) = post.map { (1, $0) } ?? (0, 0)
        let devKey: (Int, UInt64) = dev.map { (0, $0) } ?? (1, 0)
        return (epoch, trimmed, preKey, postKey, devKey)
    }

    public static func < (a: PEP440Version, b: PEP440Version) -> Bool {
        let (x, y) = (a.key, b.key)
        if x.0 != y.0 { return x.0 < y.0 }
        // Releases, trailing zeros gone, as tuples: a shorter one the longer begins with is smaller.
        if x.1 != y.1 { return x.1.lexicographicallyPrecedes(y.1) }
        if x.2 != y.2 { return x.2 < y.2 }
        if x.3 != y.3 { return x.3 < y.3 }
        if x.4 != y.4 { return x.4 < y.4 }
        // No local version sorts below any; local versions segment by segment.
        return a.local.lexicographicallyPrecedes(b.local)
    }

    public static func == (a: PEP440Version, b: PEP440Version) -> Bool { !(a < b) && !(b < a) }

    public func hash(into hasher: inout Hasher) {
        var trimmed = release
        while trimmed.count > 1, trimmed.last == 0 { trimmed.removeLast() }
        hasher.combine(epoch); hasher.combine(trimmed); hasher.combine(post); hasher.combine(dev); hasher.combine(local)
        hasher.combine(pre?.kind); hasher.combine(pre?.number)
    }
}
