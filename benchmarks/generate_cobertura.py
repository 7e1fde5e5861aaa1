#!/usr/bin/env python3
"""Writes a large, deterministic Cobertura report (and a matching unified diff) for benchmarks.

usage: generate_cobertura.py OUT.xml [--classes N] [--lines-per-class M] [--diff OUT.patch --diff-files K]
Every fifth line is a branch line with condition-coverage; hits follow a fixed pseudo-random
sequence so every run writes the same bytes.
"""
import argparse


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--classes", type=int, default=160_000)
    parser.add_argument("--lines-per-class", type=int, default=10)
    parser.add_argument("--diff")
    parser.add_argument("--diff-files", type=int, default=500)
    args = parser.parse_args()

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
            out.write('\t\t\t\t<class name="module_%d.py" filename="%s" complexity="0" line-rate="0" branch-rate="0">\n\t\t\t\t\t<methods/>\n\t\t\t\t\t<lines>\n' % (c, name))
            for line in range(1, args.lines_per_class + 1):
                hits = 0 if rand(3) == 0 else 1 + rand(20)
                total += 1
                covered += hits > 0
                if line % 5 == 0:
                    taken = 0 if hits == 0 else rand(3)
                    branches += 2
                    branches_covered += taken
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
                diff.write("diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n" % (name, name, name, name))
                diff.write("@@ -0,0 +1,%d @@\n" % args.lines_per_class)
                for line in range(1, args.lines_per_class + 1):
                    diff.write("+line %d\n" % line)
    print("lines %d covered %d branches %d covered %d" % (total, covered, branches, branches_covered))


if __name__ == "__main__":
    main()
