"""An independent computation of which pinned packages OSV advisories affect, for the
vulnerability gate's tests: versions ordered by `packaging` (PEP 440) and `semver` (SemVer
2.0, for crates.io and Go), ranges evaluated as the OSV schema's pseudo-code says.

    python osv-reference.py ECOSYSTEM DATABASE_DIR NAME==VERSION...

ECOSYSTEM is PyPI, crates.io or Go. Prints one line per finding, sorted:
"NAME VERSION ID FIXED" (FIXED is the smallest fixed version above VERSION, or "-").
Withdrawn records are skipped; GIT ranges are not evaluated.
"""
import json
import os
import re
import sys

import semver
import yaml
from packaging.version import InvalidVersion, Version


def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def parse(ecosystem, text):
    if ecosystem == "PyPI":
        return Version(text)
    if ecosystem == "Go" and text.startswith("v"):
        text = text[1:]
    return semver.Version.parse(text)


def key(ecosystem, name):
    return pep503(name) if ecosystem == "PyPI" else name


def records(directory):
    for folder, _, files in os.walk(directory):
        for file in sorted(files):
            path = os.path.join(folder, file)
            if file.endswith(".json"):
                with open(path, encoding="utf-8") as handle:
                    yield json.load(handle)
            elif file.endswith((".yaml", ".yml")):
                with open(path, encoding="utf-8") as handle:
                    yield yaml.load(handle, Loader=yaml.CSafeLoader)


def affected_by(ecosystem, version_text, entry):
    """True/False, and the fixed versions the entry's evaluable ranges give."""
    if version_text in [str(v) for v in entry.get("versions") or []]:
        hit = True
    else:
        hit = False
    version = parse(ecosystem, version_text)
    fixes = []
    for rng in entry.get("ranges") or []:
        if rng["type"] not in ("SEMVER", "ECOSYSTEM"):
            continue
        events = []
        for event in rng["events"]:
            (kind, value), = event.items()
            value = str(value)
            order = None if (kind == "introduced" and value == "0") else parse(ecosystem, value)
            events.append((kind, value, order))
        for kind, value, order in events:
            if kind == "fixed" and order > version:
                fixes.append((order, value))
        limits = [order for kind, _, order in events if kind == "limit"]
        if limits and not any(version < limit for limit in limits):
            continue
        # Sort by version, "0" lowest; Python's sort is stable for equal versions.
        ordered = sorted(events, key=lambda e: (0,) if e[2] is None else (1, e[2]))
        affected = False
        for kind, value, order in ordered:
            if kind == "introduced" and (order is None or version >= order):
                affected = True
            elif kind == "fixed" and version >= order:
                affected = False
            elif kind == "last_affected" and version > order:
                affected = False
        hit = hit or affected
    return hit, fixes


def main():
    ecosystem, directory, pins = sys.argv[1], sys.argv[2], sys.argv[3:]
    wanted = {}
    for pin in pins:
        name, version = pin.split("==")
        wanted.setdefault(key(ecosystem, name), []).append((name, version))
    lines = set()
    for record in records(directory):
        if record.get("withdrawn"):
            continue
        # Every entry naming the package counts: affected if any says so, fixed in the
        # smallest fix above the version that any of them gives.
        verdicts = {}
        for entry in record.get("affected") or []:
            package = entry.get("package") or {}
            if package.get("ecosystem") != ecosystem:
                continue
            for name, version in wanted.get(key(ecosystem, package.get("name", "")), []):
                try:
                    hit, fixes = affected_by(ecosystem, version, entry)
                except (InvalidVersion, ValueError, TypeError):
                    continue
                was_hit, was_fixes = verdicts.get((name, version), (False, []))
                verdicts[(name, version)] = (was_hit or hit, was_fixes + fixes)
        for (name, version), (hit, fixes) in verdicts.items():
            if hit:
                fixed = min(fixes)[1] if fixes else "-"
                lines.add(f"{name} {version} {record['id']} {fixed}")
    for line in sorted(lines):
        print(line)


if __name__ == "__main__":
    main()
