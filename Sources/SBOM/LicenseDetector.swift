import Dependencies
import Foundation

/// Names the license of a license file by the passages that set the common licenses apart
/// (whitespace, case and punctuation ignored), or nil when none matches.
///
/// Checked most specific first: the GNU family by title and version line, Apache 2.0 by its
/// title, MPL 2.0, the BSD clauses (three when the "neither the name" clause is there), MIT's
/// and ISC's grant sentences, the Unlicense, zlib's, Boost's and CC0's own wording. A GPL file
/// alone cannot say "only" or "or later"; it reads as `-only`, the narrower grant.
public enum LicenseDetector {
    static let rules: [(id: String, all: [String], none: [String])] = [
        ("AGPL-3.0-only", ["gnu affero general public license", "version 3 19 november 2007"], []),
        ("LGPL-3.0-only", ["gnu lesser general public license", "version 3 29 june 2007"], []),
        ("LGPL-2.1-only", ["gnu lesser general public license", "version 2 1 february 1999"], []),
        ("GPL-3.0-only", ["gnu general public license", "version 3 29 june 2007"], ["gnu lesser general public license", "gnu affero"]),
        ("GPL-2.0-only", ["gnu general public license", "version 2 june 1991"], ["gnu lesser general public license", "gnu library general"]),
        ("Apache-2.0", ["apache license", "version 2 0 january 2004"], []),
        ("MPL-2.0", ["mozilla public license", "2 0"], []),
        ("BSD-3-Clause", ["redistribution and use in source and binary forms", "neither the name of"], []),
        ("BSD-2-Clause", ["redistribution and use in source and binary forms", "this list of conditions and the following disclaimer"], ["neither the name of"]),
        ("ISC", ["permission to use copy modify and or distribute this software for any purpose with or without fee is hereby granted"], []),
        ("MIT", ["permission is hereby granted free of charge to any person obtaining a copy"], []),
        ("Unlicense", ["this is free and unencumbered software released into the public domain"], []),
        ("Zlib", ["this software is provided as is without any express or implied warranty",
                  "permission is granted to anyone to use this software for any purpose including commercial applications"], []),
        ("BSL-1.0", ["boost software license version 1 0"], []),
        ("CC0-1.0", ["cc0 1 0 universal"], []),
    ]

    public static func identify(_ text: String) -> String? {
        let normalized = normalize(text)
        for rule in rules where rule.all.allSatisfy({ normalized.contains($0) }) && !rule.none.contains(where: { normalized.contains($0) }) {
            return rule.id
        }
        return nil
    }

    /// Lowercase words separated by single spaces.
    static func normalize(_ text: String) -> String {
        var out = ""
        var space = true
        for scalar in text.lowercased().unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) {
                out.unicodeScalars.append(scalar)
                space = false
            } else if !space {
                out.append(" ")
                space = true
            }
        }
        return out
    }

    /// License files in a directory: LICENSE, LICENCE, COPYING, in any case, with any extension.
    public static func licenseFiles(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { name in
            let upper = name.uppercased()
            return ["LICENSE", "LICENCE", "COPYING", "UNLICENSE"].contains { upper == $0 || upper.hasPrefix($0 + ".") || upper.hasPrefix($0 + "-") }
        }.sorted().map { directory + "/" + $0 }
    }

    /// The license of a dependency from the files on disk, where it is: SwiftPM checkouts
    /// (`.build/checkouts/<repository>`), `node_modules/<name>`, Python `*.dist-info`.
    public static func detect(_ component: Component, root: String) -> String? {
        var directories: [String] = []
        switch component.ecosystem {
        case .swift: directories = [root + "/.build/checkouts/" + component.name]
        case .npm: directories = [root + "/node_modules/" + (component.namespace.map { $0 + "/" } ?? "") + component.name]
        case .pypi:
            let wanted = component.name.replacingOccurrences(of: "-", with: "_").lowercased() + "-" + component.version + ".dist-info"
            for base in [root + "/.venv/lib", root + "/venv/lib"] {
                for python in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] {
                    let site = "\(base)/\(python)/site-packages"
                    for entry in (try? FileManager.default.contentsOfDirectory(atPath: site)) ?? [] where entry.lowercased() == wanted {
                        directories += [site + "/" + entry, site + "/" + entry + "/licenses"]
                    }
                }
            }
        default: break
        }
        let found = directories.flatMap(licenseFiles(in:)).compactMap { path in
            (try? String(contentsOfFile: path, encoding: .utf8)).flatMap(identify)
        }
        let distinct = Array(Set(found)).sorted()
        switch distinct.count {
        case 0: return nil
        case 1: return distinct[0]
        default: return distinct.joined(separator: " AND ")
        }
    }
}
