#!/usr/bin/env bash
# Trials of the benchmark gate's rules on this machine, counted:
#   instruction mode, A/A (the same program twice)            — failures should be 0 of 50
#   interleaved wall time (gate bench ab), A/A                 — failures at most 1 of 50
#   instruction mode, a real 10% slowdown (10% more rounds)    — caught in at least 19 of 20
#   interleaved wall time, the same 10% slowdown               — caught (reported, no target)
# The workload is benchmarks/bench_work.c (xorshift rounds), built with cc -O2.
# Usage: bash benchmarks/bench-trials.sh   (TRIALS=50 SLOW_TRIALS=20 ROUNDS=20000000 RUNS=20)
set -euo pipefail
cd "$(dirname "$0")/.."
TRIALS=${TRIALS:-50}
SLOW_TRIALS=${SLOW_TRIALS:-20}
ROUNDS=${ROUNDS:-20000000}
RUNS=${RUNS:-20}
work=benchmarks/work/bench-trials
mkdir -p "$work"
command -v valgrind >/dev/null || { echo "valgrind missing: apt-get install valgrind" >&2; exit 2; }
swift build -c release --product gate >/dev/null
gate=.build/release/gate
cc -O2 -o "$work/work" benchmarks/bench_work.c
: > "$work/empty-policy.yml"
slower=$(( ROUNDS + ROUNDS / 10 ))
instr_rounds=$(( ROUNDS / 10 ))          # Callgrind is ~50x slower: a tenth of the work
instr_slower=$(( instr_rounds + instr_rounds / 10 ))

# exit status of `gate bench compare` for two instruction counts
instructions() {
  "$gate" bench run --instructions --name work "$work/work $1" -o "$work/base.json" 2>/dev/null
  "$gate" bench run --instructions --name work "$work/work $2" -o "$work/cur.json" 2>/dev/null
  "$gate" bench compare --baseline "$work/base.json" --current "$work/cur.json" --policy "$work/empty-policy.yml" >/dev/null && echo 0 || echo $?
}
interleaved() {
  "$gate" bench ab --baseline-cmd "$work/work $1" --current-cmd "$work/work $2" --runs "$RUNS" --name work \
    --policy "$work/empty-policy.yml" >/dev/null && echo 0 || echo $?
}

count() {  # count <label> <trials> <function> <a> <b>
  local failures=0 errors=0
  for _ in $(seq "$2"); do
    case $($3 "$4" "$5") in
      0) ;;
      1) failures=$((failures + 1)) ;;
      *) errors=$((errors + 1)) ;;
    esac
  done
  printf '%-52s %3d of %3d failed (%d errors)\n' "$1" "$failures" "$2" "$errors"
}

echo "workload: $ROUNDS xorshift rounds (~$(/usr/bin/time -f %e "$work/work" "$ROUNDS" 2>&1 >/dev/null | tail -1) s); instruction mode $instr_rounds"
count "instructions, A/A"                              "$TRIALS"      instructions "$instr_rounds" "$instr_rounds"
count "interleaved wall time ($RUNS pairs), A/A"       "$TRIALS"      interleaved  "$ROUNDS" "$ROUNDS"
count "instructions, +10% work"                        "$SLOW_TRIALS" instructions "$instr_rounds" "$instr_slower"
count "interleaved wall time ($RUNS pairs), +10% work" "$SLOW_TRIALS" interleaved  "$ROUNDS" "$slower"
