#!/usr/bin/env bash
# The rollout step's job summary, for canary-deploy.yml: the decision and a link to its page.
#   canary-summary.sh DECISION LABEL PAGE_URL
# Reviewers approving the next step (the canary-promotion environment) read it there. Writes
# to GITHUB_STEP_SUMMARY when set, else to standard output. An empty decision means the
# analysis could not judge.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: canary-summary.sh DECISION LABEL PAGE_URL" >&2; exit 2; }
decision=$1 label=$2 url=$3
out=${GITHUB_STEP_SUMMARY:-/dev/stdout}
case $decision in
  promote) verdict="PROMOTE"; next="The next step waits for a reviewer of the canary-promotion environment." ;;
  hold) verdict="HOLD"; next="The rollout stops here: look at the page, then re-run this job or finish by hand." ;;
  rollback) verdict="ROLLBACK"; next="The rollout stopped and the flag goes back to 0%." ;;
  *) verdict="NO DECISION"; next="The analysis could not judge (see its step); nothing is promoted." ;;
esac
{
  echo "### Canary at $label: $verdict"
  if [ -n "$url" ]; then
    echo "[The decision page]($url) (metrics, charts, the rollout so far)."
  else
    echo "No decision page was kept."
  fi
  echo
  echo "$next"
} >> "$out"
