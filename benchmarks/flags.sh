#!/usr/bin/env bash
# Flag evaluation speed: `gate flags bench` over 1,000 generated flags × USERS synthetic users
# (one thread), beside Python's hashlib doing the same bucketing (first 8 hex digits of
# sha256(user + salt) mod 100 against the percentage) over PY_USERS users. Prints both rates.
# Usage: bash benchmarks/flags.sh   (USERS=1000000 for the full 10^9 evaluations)
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-100000}
PY_USERS=${PY_USERS:-10000}
work=benchmarks/work
mkdir -p "$work"
swift build -c release --product gate >/dev/null
flags=$work/flags-1000.yml
python3 - "$flags" <<'PY'
import random, sys
rng = random.Random(5)
with open(sys.argv[1], "w") as f:
    f.write("flags:\n")
    for i in range(1000):
        f.write(f"  flag_{i:04d}:\n    enabled: {str(rng.random() < 0.8).lower()}\n"
                f"    rollout_percentage: {rng.choice([0, 5, 25, 50, 100])}\n    salt: salt_{i}\n")
PY
pin="taskset -c 0"
command -v taskset >/dev/null || pin=""
gate_line=$($pin .build/release/gate flags bench "$flags" --users "$USERS")
echo "gate:    $gate_line"
python_line=$($pin python3 - "$flags" "$PY_USERS" <<'PY'
import hashlib, re, sys, time
text = open(sys.argv[1]).read()
flags = [(bool(e == "true"), int(p), s) for e, p, s in re.findall(r"enabled: (\w+)\n    rollout_percentage: (\d+)\n    salt: (\S+)", text)]
users = [f"user-{i}" for i in range(int(sys.argv[2]))]
start = time.perf_counter()
on = 0
for u in users:
    for enabled, pct, salt in flags:
        if enabled and int(hashlib.sha256((u + salt).encode()).hexdigest()[:8], 16) % 100 < pct:
            on += 1
elapsed = time.perf_counter() - start
n = len(users) * len(flags)
print(f"{n} evaluations ({len(flags)} flags × {len(users)} users) in {elapsed:.3f} s: {n / elapsed:.0f} per second; {on} on")
PY
)
echo "python:  $python_line"
awk -v g="$(echo "$gate_line" | sed -E 's/.*: ([0-9]+) per second.*/\1/')" -v p="$(echo "$python_line" | sed -E 's/.*: ([0-9]+) per second.*/\1/')" \
  'BEGIN { printf "gate %.2fM evaluations/s (target: at least 2M), %.1fx Python hashlib\n", g / 1e6, g / p }'
