#!/usr/bin/env bash
# One rollout step's canary analysis, for canary-deploy.yml:
#   canary-analyze.sh LABEL HISTORY_DIR PREFIX [gate canary analyze options…]
# runs `gate canary analyze` with the step's label, every earlier step's result found in
# HISTORY_DIR (*.json in version order of their names: canary-0.1, canary-5, canary-25) as history,
# the decision page at PREFIX.html and the result at PREFIX.json, plus the options given
# (--prometheus, --count, --interval, …). The gate's own exit status is this script's: 0
# promote or hold, 1 rollback, 2 no judgement; under GitHub Actions the gate also sets the
# step output canary-decision.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: canary-analyze.sh LABEL HISTORY_DIR PREFIX [options…]" >&2; exit 2; }
label=$1 history_dir=$2 prefix=$3
shift 3
history=()
if [ -d "$history_dir" ]; then
  while IFS= read -r -d '' file; do
    history+=(--history "$file")
  done < <(find "$history_dir" -maxdepth 1 -name '*.json' -print0 | sort -z -V)
fi
exec gate canary analyze --label "$label" "${history[@]}" --html "$prefix.html" --format json --output "$prefix.json" "$@"
