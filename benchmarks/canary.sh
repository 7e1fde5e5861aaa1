#!/usr/bin/env bash
# Times `gate canary analyze` on 20 metrics over a 30-minute window at 15-second steps
# (40 range queries) against a local Prometheus on 127.0.0.1, backfilled with promtool.
# Prints the median of RUNS runs (default 7). Needs prometheus and promtool
# (apt-get install prometheus) and python3. Usage: bash benchmarks/canary.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-7}
work=benchmarks/work/canary
rm -rf "$work" && mkdir -p "$work"
command -v prometheus >/dev/null && command -v promtool >/dev/null || { echo "prometheus missing: apt-get install prometheus" >&2; exit 2; }
swift build -c release --product gate >/dev/null
gate=.build/release/gate
end=1767225600

python3 - "$work" "$end" <<'PY'
import sys
work, end = sys.argv[1], int(sys.argv[2])
lines, policy = [], ["window: 30m", "step: 15s", f"end: {end}", "groups:", "  baseline: {group: baseline}", "  canary: {group: canary}", "metrics:"]
for m in range(20):
    lines.append(f"# TYPE bench_metric_{m} gauge")
    for group, shift in (("baseline", 0.0), ("canary", 0.01 * (m % 3))):
        for i in range(161):
            value = 1.0 + shift + ((i * 7919 + m * 31) % 97) / 970
            lines.append(f'bench_metric_{m}{{group="{group}"}} {value} {end - (160 - i) * 15}')
    policy += [f"  - name: metric_{m}", f"    query: 'bench_metric_{m}{{group=\"{{{{group}}}}\"}}'", "    allowed-relative: 0.05",
               "    triggers:", "      - {above-baseline: 2, for: 10m}"]
open(f"{work}/data.om", "w").write("\n".join(lines) + "\n# EOF\n")
open(f"{work}/canary.yml", "w").write("\n".join(policy) + "\n")
PY
promtool tsdb create-blocks-from openmetrics "$work/data.om" "$work/tsdb" >/dev/null
printf 'global:\n  scrape_interval: 1h\n' > "$work/prometheus.yml"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" --storage.tsdb.retention.time=100y \
  --web.listen-address="127.0.0.1:$port" --log.level=warn >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  "$gate" canary warmup "http://127.0.0.1:$port/-/ready" --requests 1 >/dev/null 2>&1 && break
  sleep 0.1
done

: > "$work/times.txt"
for _ in $(seq "$RUNS"); do
  /usr/bin/time -f "%e" -o "$work/time.txt" "$gate" canary analyze --prometheus "http://127.0.0.1:$port" --policy "$work/canary.yml" > "$work/out.txt" || true
  cat "$work/time.txt" >> "$work/times.txt"
done
head -1 "$work/out.txt"
sort -n "$work/times.txt" | awk '{t[NR]=$1} END {m = (NR % 2) ? t[(NR+1)/2] : (t[NR/2] + t[NR/2+1]) / 2; printf "gate canary analyze, 20 metrics x 2 groups, 30 min at 15 s: median %.3f s over %d runs (target < 2 s)\n", m, NR}'
