"""Compares gate's PromQL parser with promtool's (Prometheus's own parser, Debian's prometheus
package) on every expression of the real public dashboards (after gate's Grafana variable
substitution) and on a corpus of invalid expressions, and prints the agreement.

Usage: python3 benchmarks/promql_promtool.py [DASHBOARD_DIR]   (default ../shared/fixtures/dashboards/real)
Needs the gate binary built (the newer of .build/debug/gate and .build/release/gate) and promtool on PATH."""
import json
import os
import re
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
gate = max((p for p in (f"{root}/.build/release/gate", f"{root}/.build/debug/gate") if os.path.exists(p)), key=os.path.getmtime)
directory = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "..", "shared", "fixtures", "dashboards", "real")

INVALID = [
    "sum(up", "rate(up)", "rate(up[5m]", "up[5]", "up[1m5h]", "up[0s]", "nosuchfunction(up)", "{}", '{job=~".*"}', "1 > 2",
    "up and 1", "up + bool up", "topk(up)", "sum(up)[5m]", 'up{job="a"', '"unterminated', "1_000", "up offset 5m offset 1m",
    "up + on(job) group_left(job) up", "up !", "histogram_quantile(up, up)", "rate(up[5m]) offset 1m", '"a" + 1',
    'up{job=~"("}', '{__name__="a", __name__="b"}', 'label_join(up, "a")', "up[5m:1m:1m]", "sum by (a b) (up)", "up @ up",
    "(up", "up)", "-", "up ^", "count_values(1, up)", "quantile(up, up)", "abs(up, up)", "round(up, 1, 2)", "vector(up)",
    "up == bool", "up{a=b}", "up{=\"a\"}", "sum without(a) by(b) (up)", "offset 5m", "up[5m] + 1", "max_over_time(up[5m])[1m]",
    "'\\q'", "up{a=\"\\xZZ\"}", "5m", "up offset", "up @", "time(1)", "sum(rate(x[5m])) by (", "x unless bool y", "1 and 1",
]

def gate_verdicts(args, stdin=None):
    out = subprocess.run([gate, "dashboards", "promql", *args], input=stdin, capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]

def promtool_failures(expressions):
    """Indices (0-based) of the expressions promtool refuses, from one rules file."""
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        f.write("groups:\n  - name: g\n    rules:\n")
        for i, e in enumerate(expressions):
            f.write(f"      - record: r{i}\n        expr: {json.dumps(e)}\n")
        path = f.name
    out = subprocess.run(["promtool", "check", "rules", path], capture_output=True, text=True)
    os.unlink(path)
    return {int(m.group(1)) - 1 for m in re.finditer(r'rule (\d+), "r\d+": could not parse', out.stdout + out.stderr)}

real = gate_verdicts([directory])
real_exprs = [r["expr"] for r in real]
refused = promtool_failures(real_exprs)
both_accept = sum(1 for i, r in enumerate(real) if r["ok"] and i not in refused)
gate_only_refuses = [(r["file"].split("/")[-1], r["where"], r["expr"], r.get("message")) for i, r in enumerate(real) if not r["ok"] and i not in refused]
promtool_only_refuses = [(r["file"].split("/")[-1], r["where"], r["expr"]) for i, r in enumerate(real) if r["ok"] and i in refused]
print(f"real dashboards: {len(real)} expressions; promtool accepts {len(real) - len(refused)}, gate accepts {sum(r['ok'] for r in real)}; "
      f"both accept {both_accept}")
for item in gate_only_refuses: print("  gate refuses, promtool accepts:", item)
for item in promtool_only_refuses: print("  promtool refuses, gate accepts:", item)

invalid = gate_verdicts(["--stdin"], stdin="\n".join(json.dumps(e) for e in INVALID) + "\n")
refused = promtool_failures(INVALID)
agree = 0
for i, (expression, verdict) in enumerate(zip(INVALID, invalid)):
    same = verdict["ok"] == (i not in refused)
    agree += same
    if not same:
        print(f"  disagree on {expression!r}: gate {'accepts' if verdict['ok'] else 'refuses'}, promtool {'refuses' if i in refused else 'accepts'}")
print(f"invalid corpus: {len(INVALID)} expressions; promtool refuses {len(refused)}, gate refuses {sum(not v['ok'] for v in invalid)} "
      f"(each with a position); agreement {agree}/{len(INVALID)}")
