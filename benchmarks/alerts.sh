#!/usr/bin/env bash
# Alert-rules gate speed against promtool 2.42 on the same files:
#  1. RULES rules (default 10,000: ten files of a thousand recording and alerting rules, with
#     templates) checked — `gate alerts` (check and lint against the service catalog) vs
#     `promtool check rules`;
#  2. TEST_GROUPS unit-test groups (default 1,000, in one test file over the seeds' rule file, each
#     with its own series, alert and PromQL expectations) evaluated — `gate alerts test` vs
#     `promtool test rules`.
# Prints each median wall time over RUNS runs (default 5) and the ratio promtool/gate; both
# tools must give the same verdict.
# Usage: bash benchmarks/alerts.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RULES=${RULES:-10000}
GROUPS_=${TEST_GROUPS:-1000}
RUNS=${RUNS:-5}
command -v promtool >/dev/null || { echo "alerts benchmark: promtool is not installed (apt-get install prometheus)" >&2; exit 2; }
work=$(pwd)/benchmarks/work/alerts
rm -rf "$work" && mkdir -p "$work/rules"
swift build -c release --product gate >/dev/null
python3 - "$work" "$RULES" "$GROUPS_" <<'PY'
import os, sys
work, rules, groups = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
metrics = ["http_requests_total", "search_queries_total", "cache_hits_total", "cache_misses_total", "db_errors_total"]
per_file = 1000
for f in range(0, rules, per_file):
    lines = ["groups:"]
    for g in range(f, min(rules, f + per_file), 10):
        lines += [f"  - name: group-{g}", "    rules:"]
        for r in range(g, min(rules, g + 10)):
            m = metrics[r % len(metrics)]
            if r % 2 == 0:
                lines += [f"      - record: job:{m}:rate5m_{r}", f"        expr: sum by (job) (rate({m}{{code!=\"{r}\"}}[5m]))"]
            else:
                lines += [f"      - alert: Rule{r}", f"        expr: sum by (job, instance) (rate({m}[5m])) > {r}", "        for: 5m",
                          "        labels: {severity: warning}", "        annotations:",
                          f"          summary: \"{{{{ $labels.instance }}}} of {{{{ $labels.job }}}} at {{{{ $value | humanize }}}} (rule {r})\"",
                          f"          runbook_url: https://example.com/runbooks/rule-{r}"]
    open(f"{work}/rules/rules-{f // per_file:02}.yml", "w").write("\n".join(lines) + "\n")
# Unit tests: the seeds' rule file, one group per scenario, values varied per group.
out = ["rule_files: [" + os.path.abspath("fixtures/alerts/rules/search-service.yml") + "]", "evaluation_interval: 1m", "tests:"]
for g in range(groups):
    errors = 15 + g % 30   # 1.5% to 4.4%: over the 1% threshold with room to spare
    out += [f"  - name: group {g}", "    interval: 1m", "    input_series:",
            f"      - series: 'http_requests_total{{job=\"search\", code=\"200\"}}'", f"        values: '0+{1000 - errors}x20'",
            f"      - series: 'http_requests_total{{job=\"search\", code=\"500\"}}'", f"        values: '0+{errors}x20'",
            f"      - series: 'db_replication_lag_seconds{{job=\"search\", instance=\"r{g}\"}}'", f"        values: '{g % 50}+10x20'",
            "    alert_rule_test:", "      - eval_time: 10m", "        alertname: SearchErrorRateHigh", "        exp_alerts:",
            "          - exp_labels: {job: search, severity: critical}", "            exp_annotations:",
            f"              summary: \"{errors / 10:g}% of search requests fail (over 1% for 2 minutes)\"",
            "              runbook_url: https://github.com/OWNER/gate/blob/main/docs/runbooks/search-error-rate-high.md",
            "    promql_expr_test:", "      - expr: round(job:http_requests:error_ratio_rate2m * 1000)", "        eval_time: 10m", "        exp_samples:",
            "          - labels: '{job=\"search\"}'", f"            value: {errors}"]
open(f"{work}/bench-test.yml", "w").write("\n".join(out) + "\n")
PY
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
timed() {  # label, expected exit, command…
  local label=$1 expected=$2; shift 2
  : > "$work/$label.times"
  for _ in $(seq "$RUNS"); do
    local status=0
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" > "$work/$label.out" 2>&1 || status=$?
    [ "$status" = "$expected" ] || { echo "$label: exit $status, expected $expected" >&2; tail -5 "$work/$label.out" >&2; exit 1; }
    cat "$work/time.txt" >> "$work/$label.times"
  done
  cut -d' ' -f1 "$work/$label.times" | median
}
gate=.build/release/gate
echo "input: $RULES rules in $(ls "$work/rules" | wc -l) files ($(du -sh "$work/rules" | cut -f1)); $GROUPS_ test groups ($(du -sh "$work/bench-test.yml" | cut -f1))"
GATE_MAX_YAML_BYTES=64M
export GATE_MAX_YAML_BYTES
g_check=$(timed gate-check 0 "$gate" alerts "$work"/rules/*.yml --catalog fixtures/dashboards/metrics.prom --policy /dev/null --format json --output "$work/check.json")
p_check=$(timed promtool-check 0 promtool check rules "$work"/rules/*.yml)
g_test=$(timed gate-test 0 "$gate" alerts test "$work/bench-test.yml")
p_test=$(timed promtool-test 0 promtool test rules "$work/bench-test.yml")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
echo "check $RULES rules:       gate $g_check s, promtool $p_check s — promtool/gate $(ratio "$p_check" "$g_check")x (median of $RUNS)"
echo "test $GROUPS_ groups:       gate $g_test s, promtool $p_test s — promtool/gate $(ratio "$p_test" "$g_test")x (median of $RUNS)"
