#!/usr/bin/env python3
"""Writes a large, deterministic Cobertura report (and a matching unified diff) for benchmarks.

usage: generate_cobertura.py OUT.xml [--shape plain|hard] [--classes N] [--lines-per-class M]
                              [--diff OUT.patch --diff-files K]
plain: Python-style, many small modules; every fifth line is a branch line with
       condition-coverage.
hard:  Java-style (as JaCoCo-to-Cobertura converters write it): long package and class names,
       <methods> repeating their lines, every third line a branch with <conditions> children.
Hits follow a fixed pseudo-random sequence so every run writes the same bytes.
"""
import argparse


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--shape", choices=["plain", "hard"], default="plain")
    parser.add_argument("--classes", type=int, default=None)
    parser.add_argument("--lines-per-class", type=int, default=None)
    parser.add_argument("--diff")
    parser.add_argument("--diff-files", type=int, default=500)
    args = parser.parse_args()
    hard = args.shape == "hard"
    if args.classes is None:
        args.classes = 6_000 if hard else 160_000
    if args.lines_per_class is None:
        args.lines_per_class = 120 if hard else 10

    state = 12345

    def rand(n):
        nonlocal state
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        return state % n

    total = covered = branches = branches_covered = 0
    with open(args.out, "w") as out:
        out.write('<?xml version="1.0" ?>\n<coverage version="bench" timestamp="0" line-rate="0" branch-rate="0" complexity="0">\n')
        out.write("\t<sources>\n\t\t<source>/ci/work/repo</source>\n\t</sources>\n\t<packages>\n")
        per_package = 1000
        for c in range(args.classes):
            if c % per_package == 0:
                if c:
                    out.write("\t\t\t</classes>\n\t\t</package>\n")
                out.write('\t\t<package name="pkg%d" line-rate="0" branch-rate="0" complexity="0">\n\t\t\t<classes>\n' % (c // per_package))
            name = "src/pkg%d/module_%d.py" % (c // per_package, c)
            if hard:
                name = "src/main/java/com/example/platform/service%d/internal/ImplementationDetail%d.java" % (c // per_package, c)
                out.write('\t\t\t\t<class name="com.example.platform.service%d.internal.ImplementationDetail%d" filename="%s" complexity="0" line-rate="0" branch-rate="0">\n\t\t\t\t\t<methods>\n' % (c // per_package, c, name))
                for method in range(args.lines_per_class // 20):
                    out.write('\t\t\t\t\t\t<method name="handleRequest%d" signature="(Ljava/lang/String;I)Ljava/util/Optional;" line-rate="0" branch-rate="0" complexity="0">\n\t\t\t\t\t\t\t<lines>\n' % method)
                    for line in range(method * 20 + 1, method * 20 + 21):
                        out.write('\t\t\t\t\t\t\t\t<line number="%d" hits="%d"/>\n' % (line, rand(5)))
                    out.write("\t\t\t\t\t\t\t</lines>\n\t\t\t\t\t\t</method>\n")
                out.write("\t\t\t\t\t</methods>\n\t\t\t\t\t<lines>\n")
            else:
                out.write('\t\t\t\t<class name="module_%d.py" filename="%s" complexity="0" line-rate="0" branch-rate="0">\n\t\t\t\t\t<methods/>\n\t\t\t\t\t<lines>\n' % (c, name))
            for line in range(1, args.lines_per_class + 1):
                hits = 0 if rand(3) == 0 else 1 + rand(20)
                total += 1
                covered += hits > 0
                if line % (3 if hard else 5) == 0:
                    taken = 0 if hits == 0 else rand(3)
                    branches += 2
                    branches_covered += taken
                    if hard:
                        out.write('\t\t\t\t\t\t<line number="%d" hits="%d" branch="true" condition-coverage="%d%% (%d/2)">\n'
                                  '\t\t\t\t\t\t\t<conditions>\n\t\t\t\t\t\t\t\t<condition number="0" type="jump" coverage="%d%%"/>\n'
                                  '\t\t\t\t\t\t\t</conditions>\n\t\t\t\t\t\t</line>\n' % (line, hits, 50 * taken, taken, 50 * taken))
                    else:
                        out.write('\t\t\t\t\t\t<line number="%d" hits="%d" branch="true" condition-coverage="%d%% (%d/2)"/>\n' % (line, hits, 50 * taken, taken))
                else:
                    out.write('\t\t\t\t\t\t<line number="%d" hits="%d"/>\n' % (line, hits))
            out.write("\t\t\t\t\t</lines>\n\t\t\t\t</class>\n")
        out.write("\t\t\t</classes>\n\t\t</package>\n\t</packages>\n</coverage>\n")

    if args.diff:
        with open(args.diff, "w") as diff:
            step = max(1, args.classes // args.diff_files)
            for c in range(0, args.classes, step)[: args.diff_files]:
                name = "src/pkg%d/module_%d.py" % (c // 1000, c)
                if hard:
                    name = "src/main/java/com/example/platform/service%d/internal/ImplementationDetail%d.java" % (c // 1000, c)
                diff.write("diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n" % (name, name, name, name))
                diff.write("@@ -0,0 +1,%d @@\n" % args.lines_per_class)
                for line in range(1, args.lines_per_class + 1):
                    diff.write("+line %d\n" % line)
    print("lines %d covered %d branches %d covered %d" % (total, covered, branches, branches_covered))


if __name__ == "__main__":
    main()
