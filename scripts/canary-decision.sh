#!/usr/bin/env bash
# The rollout's stop sign: canary-deploy.yml runs it after each analysis with the gate's
# decision (the step output canary-decision) and the traffic weight just analysed.
#   canary-decision.sh DECISION WEIGHT
# promote → exit 0, the next weight may run. hold → exit 1: the canary is neither good nor
# bad enough to decide, a person must look before more traffic moves. rollback → exit 1.
# No decision (the analysis could not judge) or an unknown one → exit 2. Under GitHub Actions
# the reason is also an annotation and a line in the step summary.
set -euo pipefail
decision=${1:-}
weight=${2:-?}

stop() {
  local status=$1 title=$2 message=$3
  echo "$title at $weight%: $message" >&2
  if [ "${GITHUB_ACTIONS:-}" = true ]; then
    # Workflow-command escaping: % first, then what a property value may not hold.
    local heading="$title at $weight%" text=${message//%/%25}
    heading=${heading//%/%25}
    heading=${heading//:/%3A}
    echo "::error title=${heading//,/%2C}::$text" >&2
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
      echo "### Rollout stopped at $weight%: $title" >> "$GITHUB_STEP_SUMMARY"
      echo "$message" >> "$GITHUB_STEP_SUMMARY"
    fi
  fi
  exit "$status"
}

case $decision in
  promote)
    echo "promote at $weight%: the canary passed its analysis; the rollout goes on" ;;
  hold)
    stop 1 "canary on hold" "the analysis could not call the canary good (score between the marginal and the pass score). The rollout stops before more traffic moves: look at the report (artifact canary-$weight), then re-run this job to analyse again, or finish or roll back by hand." ;;
  rollback)
    stop 1 "canary rolled back" "the canary failed its analysis (a rollback trigger, a failed critical metric or a low score). Move its traffic back to the baseline; the report (artifact canary-$weight) says which metric." ;;
  "")
    stop 2 "no canary decision" "the analysis gave no decision (it could not judge: see the analysis step); nothing is promoted on missing data." ;;
  *)
    stop 2 "unknown canary decision" "'$decision' is not promote, hold or rollback; nothing is promoted." ;;
esac
