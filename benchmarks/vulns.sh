#!/usr/bin/env bash
# Vulnerability gate speed: every record of ../shared/osv (PyPA YAML, RustSec and Go JSON)
# loaded and matched against PACKAGES locked packages (default 5,000: a requirements.txt, a
# Cargo.lock and a go.mod, names drawn from the advisories so that many match, versions
# spread around the fixes). Prints the median wall time and peak memory of RUNS runs, and the
# same work by the independent reference (scripts/osv-reference.py: packaging, semver,
# PyYAML's C loader) once, with the ratio. Target: under 1 s.
# Usage: bash benchmarks/vulns.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGES=${PACKAGES:-5000}
RUNS=${RUNS:-5}
shared=../shared/osv
[ -d "$shared" ] || { echo "vulns benchmark: $shared is not here" >&2; exit 2; }
work=benchmarks/work/vulns
mkdir -p "$work"
python_tools=$(bash scripts/setup-python-tools.sh)
swift build -c release --product gate >/dev/null
"$python_tools/bin/python" - "$work" "$PACKAGES" "$shared" <<'PY'
import glob, json, os, random, sys
import yaml
work, count, shared = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rng = random.Random(20)
def names(pattern, ecosystem, load):
    found = {}
    for path in sorted(glob.glob(pattern)):
        record = load(path)
        for entry in record.get("affected") or []:
            package = entry.get("package") or {}
            if package.get("ecosystem") == ecosystem:
                events = [v for r in entry.get("ranges") or [] for e in r.get("events", []) for v in e.values() if v != "0"]
                found.setdefault(package["name"], set()).update(str(v) for v in events)
    return found
pypi = names(f"{shared}/pypa/vulns/*/*.yaml", "PyPI", lambda p: yaml.load(open(p), Loader=yaml.CSafeLoader))
crates = names(f"{shared}/rustsec/crates/*.json", "crates.io", lambda p: json.load(open(p)))
go = names(f"{shared}/go/data/osv/*.json", "Go", lambda p: json.load(open(p)))
share = {"pypi": count // 2, "crates": count // 5}
share["go"] = count - share["pypi"] - share["crates"]
def pick(table, n, version_ok):
    chosen = []
    keys = sorted(table)
    rng.shuffle(keys)
    for name in keys[:n]:
        versions = [v for v in sorted(table[name]) if version_ok(v)] or ["1.0.0"]
        chosen.append((name, rng.choice(versions)))
    i = 0
    while len(chosen) < n:   # more packages than advisories name: clean ones
        chosen.append((f"bench-clean-{i}", "1.0.0")); i += 1
    return chosen
import re
semver = re.compile(r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")
with open(f"{work}/requirements.txt", "w") as f:
    for name, version in pick(pypi, share["pypi"], lambda v: re.match(r"^[0-9][0-9a-z.!+]*$", v) is not None):
        f.write(f"{name}=={version}\n")
with open(f"{work}/Cargo.lock", "w") as f:
    f.write("version = 3\n")
    for name, version in pick(crates, share["crates"], lambda v: semver.match(v) is not None):
        f.write(f'\n[[package]]\nname = "{name}"\nversion = "{version}"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n')
os.makedirs(f"{work}/go", exist_ok=True)
with open(f"{work}/go/go.mod", "w") as f:
    f.write("module example.com/bench\n\ngo 1.22\n\nrequire (\n")
    for name, version in pick(go, share["go"], lambda v: semver.match(v) is not None):
        f.write(f"\t{name} v{version}\n")
    f.write(")\n")
PY
# The requirements list may pin one name twice after normalisation; keep the first.
awk -F'==' '{n=tolower($1); gsub(/[-_.]+/, "-", n); if (!(n in seen)) {seen[n]=1; print}}' "$work/requirements.txt" > "$work/requirements.dedup.txt"
mv "$work/requirements.dedup.txt" "$work/requirements.txt"
packages=$(( $(wc -l < "$work/requirements.txt") + $(grep -c '^\[\[package\]\]' "$work/Cargo.lock") + $(grep -c $'^\t' "$work/go/go.mod") ))
records=$(find "$shared/pypa/vulns" "$shared/rustsec/crates" "$shared/go/data/osv" -name '*.yaml' -o -name '*.json' | wc -l)
echo "input: $packages packages (requirements.txt, Cargo.lock, go.mod); $records OSV records ($(du -sh "$shared" | cut -f1))"

: > "$work/times.txt"
for _ in $(seq "$RUNS"); do
  /usr/bin/time -f "%e %M" -o "$work/time.txt" .build/release/gate vulns "$work/requirements.txt" "$work/Cargo.lock" "$work/go/go.mod" \
    --databases "$shared/pypa/vulns" "$shared/rustsec/crates" "$shared/go/data/osv" --format json --output "$work/result.json" || true
  cat "$work/time.txt" >> "$work/times.txt"
done
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
gate_seconds=$(cut -d' ' -f1 "$work/times.txt" | median)
gate_kb=$(cut -d' ' -f2 "$work/times.txt" | median)
found=$(python3 -c "import json; print(len(json.load(open('$work/result.json'))['details']['vulnerabilities']))")
echo "gate vulns: median $(awk -v s="$gate_seconds" 'BEGIN {printf "%d", s * 1000}') ms, peak $((gate_kb / 1024)) MB over $RUNS runs; $found vulnerabilities (target: under 1 s)"

# The reference, once: one run per ecosystem, pins as NAME==VERSION.
start=$(date +%s.%N)
{
  "$python_tools/bin/python" scripts/osv-reference.py PyPI "$shared/pypa/vulns" $(cat "$work/requirements.txt")
  "$python_tools/bin/python" scripts/osv-reference.py crates.io "$shared/rustsec/crates" \
    $(awk -F'"' '/^name/{n=$2} /^version/{print n "==" $2}' "$work/Cargo.lock")
  "$python_tools/bin/python" scripts/osv-reference.py Go "$shared/go/data/osv" $(awk '/^\t/{print $1 "==" $2}' "$work/go/go.mod")
} > "$work/reference.txt"
reference_seconds=$(echo "$(date +%s.%N) - $start" | bc)
echo "reference (packaging, semver): $(awk -v s="$reference_seconds" 'BEGIN {printf "%d", s * 1000}') ms; $(wc -l < "$work/reference.txt") vulnerabilities"
awk -v g="$gate_seconds" -v r="$reference_seconds" 'BEGIN {printf "ratio: gate is %.1fx faster\n", r / g}'
