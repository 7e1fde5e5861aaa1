#!/usr/bin/env python3
"""Writes a deterministic line-oriented coverage report of about SIZE megabytes for the
line-reader benchmark, in one of two shapes:
  lcov plain  one section per file: DA per line, a BRDA pair every fifth line, FN/FNDA per function;
  lcov hard   every file in three test sections (TN:) that lcov merges, long paths, C++-mangled
              function names of ~120 bytes, DA checksums, counts up to 10^12, '-' branches;
  go   plain  mode: count, one profile, short import paths, a block per two lines;
  go   hard   mode: atomic, the same blocks from four test binaries (merged), long import paths,
              counts up to 10^9.
usage: generate_line_coverage.py OUT --format lcov|go [--shape plain|hard] [--size 500]"""
import argparse


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--format", choices=["lcov", "go"], required=True)
    parser.add_argument("--shape", choices=["plain", "hard"], default="plain")
    parser.add_argument("--size", type=int, default=500, help="megabytes, approximately")
    args = parser.parse_args()
    target = args.size << 20
    hard = args.shape == "hard"
    state = 2026

    def rand(n):
        nonlocal state
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        return state % n

    written = 0
    with open(args.out, "w") as out:
        if args.format == "go":
            out.write("mode: atomic\n" if hard else "mode: count\n")
        index = 0
        while written < target:
            if args.format == "lcov":
                text = lcov_file(index, hard, rand)
            else:
                text = go_file(index, hard, rand)
            out.write(text)
            written += len(text)
            index += 1


def lcov_file(index, hard, rand):
    if hard:
        name = "/home/builder/work/monorepo/services/platform-%03d/src/internal/module_%05d/implementation_detail.cc" % (index % 97, index)
    else:
        name = "src/pkg%d/file%d.c" % (index % 50, index)
    lines = 1600 if not hard else 900
    functions = 20
    sections = 3 if hard else 1
    parts = []
    for section in range(sections):
        out = []
        if hard:
            out.append("TN:test_suite_%d\n" % section)
        out.append("SF:%s\n" % name)
        for f in range(functions):
            line = 1 + f * (lines // functions)
            if hard:
                fname = "_ZN8platform%dinternal%d14implementation%dEN4absl8StatusOrINSt3__16vectorIiNS3_9allocatorIiEEEEEE" % (f, index % 1000, f)
            else:
                fname = "fn_%d_%d" % (index, f)
            out.append("FN:%d,%s\n" % (line, fname))
            out.append("FNDA:%d,%s\n" % (rand(50), fname))
        out.append("FNF:%d\nFNH:%d\n" % (functions, functions))
        for line in range(1, lines + 1):
            count = rand(10) if not hard else (rand(4) * 10 ** rand(13))
            if hard:
                out.append("DA:%d,%d,%08x\n" % (line, count, rand(1 << 31)))
            else:
                out.append("DA:%d,%d\n" % (line, count))
            if line % 5 == 0:
                for branch in range(2):
                    taken = rand(5)
                    out.append("BRDA:%d,0,%d,%s\n" % (line, branch, "-" if hard and taken == 0 else taken))
        out.append("LF:%d\nLH:%d\n" % (lines, lines // 2))
        out.append("end_of_record\n")
        parts.append("".join(out))
    return "".join(parts)


def go_file(index, hard, rand):
    if hard:
        name = "github.com/example-organisation/platform-services/internal/module%03d/subsystem/implementation_%05d.go" % (index % 97, index)
    else:
        name = "example.com/app/pkg%d/file%d.go" % (index % 50, index)
    blocks = 800
    binaries = 4 if hard else 1
    out = []
    for binary in range(binaries):
        for block in range(blocks):
            start = 3 + block * 2
            count = rand(10) if not hard else rand(4) * 10 ** rand(10)
            out.append("%s:%d.%d,%d.%d %d %d\n" % (name, start, 2 + block * 7 % 40, start + 1, 2 + block * 13 % 80, 1 + block % 5 if not hard else 1 + block % 7, count))
    return "".join(out)


if __name__ == "__main__":
    main()
