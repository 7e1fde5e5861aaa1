#!/usr/bin/env bash
# SBOM speed: `gate sbom generate` (CycloneDX and SPDX) on a generated package-lock.json of
# PACKAGES packages (default 5,000; nested copies, scopes, integrity hashes, a dependency graph).
# Prints the median wall time of RUNS runs each. Target: under 200 ms.
# Usage: bash benchmarks/sbom.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGES=${PACKAGES:-5000}
RUNS=${RUNS:-7}
work=benchmarks/work/sbom
mkdir -p "$work"
swift build -c release --product gate >/dev/null
python3 - "$work/package-lock.json" "$PACKAGES" <<'PY'
import base64, hashlib, json, random, sys
path, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(11)
packages = {"": {"name": "bench", "version": "1.0.0", "dependencies": {}}}
names = []
for i in range(count):
    scoped = i % 7 == 0
    name = f"@scope{i % 13}/pkg-{i}" if scoped else f"pkg-{i}"
    key = f"node_modules/{name}"
    if i % 10 == 9 and names:   # a nested copy under an earlier package
        key = f"node_modules/{rng.choice(names)}/node_modules/{name}"
    entry = {
        "version": f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 99)}",
        "resolved": f"https://registry.npmjs.org/{name}/-/{name.split('/')[-1]}-1.0.0.tgz",
        "integrity": "sha512-" + base64.b64encode(hashlib.sha512(name.encode()).digest()).decode(),
        "license": rng.choice(["MIT", "ISC", "Apache-2.0", "BSD-3-Clause", "(MIT OR Apache-2.0)"]),
    }
    if names:
        entry["dependencies"] = {d: "*" for d in rng.sample(names, min(len(names), rng.randint(0, 4)))}
    packages[key] = entry
    if not key.count("node_modules/") > 1:
        names.append(name)
    if i < 40:
        packages[""]["dependencies"][name] = "*"
with open(path, "w") as f:
    json.dump({"name": "bench", "version": "1.0.0", "lockfileVersion": 3, "requires": True, "packages": packages}, f, indent=2)
PY
echo "input: $(du -k "$work/package-lock.json" | cut -f1) KB package-lock.json, $PACKAGES packages"
for format in cyclonedx spdx; do
  : > "$work/times.txt"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e" -o "$work/time.txt" .build/release/gate sbom generate "$work/package-lock.json" --format "$format" --name bench --output "$work/sbom.$format.json"
    cat "$work/time.txt" >> "$work/times.txt"
  done
  median=$(sort -n "$work/times.txt" | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}')
  echo "gate sbom generate --format $format: median $(awk -v m="$median" 'BEGIN {printf "%d", m * 1000}') ms over $RUNS runs (target: under 200 ms)"
done
