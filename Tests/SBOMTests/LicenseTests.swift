import Foundation
import GateKit
import GateTestSupport
import Dependencies
@testable import SBOM
import Testing

@Suite("licenses")
struct LicenseTests {
    @Test("every dependency of this project: its license read from its checkout")
    func ownDependencies() throws {
        let root = Fixtures.repositoryRoot
        let inventory = try Lockfiles.read(root + "/Package.resolved").0
        let licenses = Dictionary(uniqueKeysWithValues: inventory.components.map { ($0.name, LicenseDetector.detect($0, root: root)) })
        #expect(licenses == [
            "swift-argument-parser": "Apache-2.0",
            "Yams": "MIT",
            "ZIPFoundation": "MIT",
        ])
    }

    @Test("each license by its distinguishing passage, whitespace and case ignored", arguments: [
        ("Permission is hereby granted, free of charge, to any person obtaining a copy\nof this software", "MIT"),
        ("Permission to use, copy, modify, and/or distribute this software for any\npurpose with or without fee is hereby granted", "ISC"),
        ("Apache License\n   Version 2.0, January 2004\n   http://www.apache.org/licenses/", "Apache-2.0"),
        ("Redistribution and use in source and binary forms ... 3. Neither the name of the copyright holder", "BSD-3-Clause"),
        ("Redistribution and use in source and binary forms ... this list of conditions and the following disclaimer.", "BSD-2-Clause"),
        ("Mozilla Public License Version 2.0\n==================================", "MPL-2.0"),
        ("GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007", "GPL-3.0-only"),
        ("GNU GENERAL PUBLIC LICENSE\nVersion 2, June 1991", "GPL-2.0-only"),
        ("GNU LESSER GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007", "LGPL-3.0-only"),
        ("GNU LESSER GENERAL PUBLIC LICENSE\nVersion 2.1, February 1999", "LGPL-2.1-only"),
        ("GNU AFFERO GENERAL PUBLIC LICENSE\nVersion 3, 19 November 2007", "AGPL-3.0-only"),
        ("This is free and unencumbered software released into the public domain.", "Unlicense"),
        ("This software is provided 'as-is', without any express or implied warranty. Permission is granted to anyone to use this software for any purpose, including commercial applications", "Zlib"),
        ("Boost Software License - Version 1.0 - August 17th, 2003", "BSL-1.0"),
        ("Creative Commons Legal Code\n\nCC0 1.0 Universal", "CC0-1.0"),
        ("All rights reserved. Do not copy.", nil),
    ] as [(String, String?)])
    func identify(_ text: String, _ expected: String?) {
        #expect(LicenseDetector.identify(text) == expected)
    }

    @Test("standing: one wholly allowed choice passes; denied when every choice has a denied license; else unknown")
    func standing() {
        let allow = ["MIT", "Apache-2.0"], deny = ["GPL-3.0-only"]
        #expect(SBOMGate.standing(of: "MIT", allow: allow, deny: deny) == .allowed)
        #expect(SBOMGate.standing(of: "MIT OR GPL-3.0-only", allow: allow, deny: deny) == .allowed)
        #expect(SBOMGate.standing(of: "MIT AND GPL-3.0-only", allow: allow, deny: deny) == .denied)
        #expect(SBOMGate.standing(of: "GPL-3.0-only", allow: allow, deny: deny) == .denied)
        #expect(SBOMGate.standing(of: "ISC", allow: allow, deny: deny) == .unknown)
        #expect(SBOMGate.standing(of: nil, allow: allow, deny: deny) == .unknown)
        #expect(SBOMGate.standing(of: "not a license!", allow: allow, deny: deny) == .unknown)
        #expect(SBOMGate.standing(of: "Apache-2.0 WITH LLVM-exception", allow: allow, deny: deny) == .allowed)
        #expect(SBOMGate.standing(of: "ISC", allow: [], deny: deny) == .allowed, "with only a deny list, the rest is allowed")
    }

    @Test("the gate: a denied license fails, an unknown one warns or fails by policy, and the SBOM is written")
    func gate() throws {
        let root = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let lock = try Fixtures.text("sbom/npm/package-lock.json").replacingOccurrences(of: "\"license\": \"Apache-2.0\"", with: "\"license\": \"GPL-3.0-only\"")
        try Fixtures.write(lock, to: root + "/package-lock.json")
        var policy = SBOMPolicy()
        policy.lockfiles = ["package-lock.json"]
        policy.allow = ["MIT"]
        policy.deny = ["GPL-3.0-only"]
        policy.output = "out/sbom.json"
        let result = try SBOMGate(policy: policy, root: root, environment: [:]).evaluate().writingArtifacts()
        #expect(result.verdict == .fail)
        #expect(result.findings.map(\.message) == ["pkg:npm/typescript@5.3.3 is licensed GPL-3.0-only, which the policy denies"])
        #expect(FileManager.default.fileExists(atPath: root + "/out/sbom.json"))
        policy.deny = []
        let unknown = try SBOMGate(policy: policy, root: root, environment: [:]).evaluate()
        #expect(unknown.verdict == .warn)
        policy.failOnUnknown = true
        #expect(try SBOMGate(policy: policy, root: root, environment: [:]).evaluate().verdict == .fail)
    }
}
