#!/usr/bin/env bash
# Moves a feature flag's rollout in the repository, for canary-deploy.yml: the flag file is
# edited with `gate flags set` (only the one value changes, under the ladder of
# gates/flags.yml) and the change is published through the GitHub REST API.
#   flag-rollout.sh set FILE FLAG PERCENT        commit FILE with FLAG at PERCENT% to the branch
#   flag-rollout.sh rollback FILE FLAG VIA        FLAG back to 0%, VIA commit or pull-request
# The commit names the blob the edit started from, so a file that changed on the branch in the
# meantime is refused by GitHub (409) rather than overwritten. A pull request starts a branch
# gate/rollback-FLAG-RUN at the branch's tip. Environment: GITHUB_REPOSITORY, GITHUB_TOKEN,
# GITHUB_REF_NAME (the branch), GITHUB_RUN_ID, GITHUB_API_URL (default https://api.github.com).
# Exit 0 done (or nothing to change), 1 the ladder refused the step, 2 anything else.
set -euo pipefail

usage() {
  echo "usage: flag-rollout.sh set FILE FLAG PERCENT | rollback FILE FLAG commit|pull-request" >&2
  exit 2
}
[ $# -eq 4 ] || usage
action=$1 file=$2 flag=$3 fourth=$4
api=${GITHUB_API_URL:-https://api.github.com}
for variable in GITHUB_REPOSITORY GITHUB_TOKEN GITHUB_REF_NAME; do
  [ -n "${!variable:-}" ] || { echo "flag-rollout.sh: $variable is not set" >&2; exit 2; }
done
[ -f "$file" ] || { echo "flag-rollout.sh: $file: no such file" >&2; exit 2; }

# One API request: METHOD PATH [BODY]; the answer on stdout, exit 2 unless 2xx.
request() {
  local method=$1 path=$2 body=${3:-} answer status
  local arguments=(--silent --show-error --max-time 30 --request "$method"
    --header "Authorization: Bearer $GITHUB_TOKEN" --header "Accept: application/vnd.github+json"
    --header "X-GitHub-Api-Version: 2022-11-28" --header "Expect:" --write-out '\n%{http_code}')
  [ -z "$body" ] || arguments+=(--header "Content-Type: application/json" --data-binary @-)
  answer=$(printf '%s' "$body" | curl "${arguments[@]}" "$api$path") || { echo "flag-rollout.sh: $method $path: no answer from $api" >&2; exit 2; }
  status=${answer##*$'\n'}
  answer=${answer%$'\n'*}
  if [[ $status != 2?? ]]; then
    echo "flag-rollout.sh: $method $path answered HTTP $status: $(jq -r '.message? // empty' <<<"$answer" 2>/dev/null || true)" >&2
    exit 2
  fi
  printf '%s\n' "$answer"
}

# PUT the file's new text on BRANCH over the blob BLOB: the commit's URL on stdout.
put_file() {
  local branch=$1 blob=$2 message=$3 body
  body=$(jq -n --arg message "$message" --arg content "$(base64 -w0 "$file")" --arg sha "$blob" --arg branch "$branch" \
    '{message: $message, content: $content, sha: $sha, branch: $branch}')
  request PUT "/repos/$GITHUB_REPOSITORY/contents/$file" "$body" | jq -r '.commit.html_url // .commit.sha // "?"'
}

percent=0
[ "$action" = set ] && percent=$fourth
case $action in
  set|rollback) ;;
  *) usage ;;
esac
if [ "$action" = rollback ] && [ "$fourth" != commit ] && [ "$fourth" != pull-request ]; then usage; fi

# The blob as the branch has it now: the text before this edit.
blob=$(git hash-object "$file")
status=0
gate flags set "$file" --flag "$flag" --rollout "$percent" || status=$?
[ "$status" -eq 0 ] || exit "$status"
if [ "$(git hash-object "$file")" = "$blob" ]; then
  echo "$flag is already at $percent% in $file: nothing to publish"
  exit 0
fi

if [ "$action" = set ] || [ "$fourth" = commit ]; then
  verb=$([ "$action" = set ] && echo "Roll $flag out to $percent%" || echo "Roll $flag back to 0%: the canary was rolled back")
  url=$(put_file "$GITHUB_REF_NAME" "$blob" "$verb")
  echo "committed to $GITHUB_REF_NAME: $url"
  exit 0
fi

# A pull request that rolls the flag back, from the branch's tip.
branch="gate/rollback-$flag-${GITHUB_RUN_ID:-$$}"
tip=$(request GET "/repos/$GITHUB_REPOSITORY/git/ref/heads/$GITHUB_REF_NAME" | jq -r '.object.sha')
request POST "/repos/$GITHUB_REPOSITORY/git/refs" "$(jq -n --arg ref "refs/heads/$branch" --arg sha "$tip" '{ref: $ref, sha: $sha}')" >/dev/null
put_file "$branch" "$blob" "Roll $flag back to 0%: the canary was rolled back" >/dev/null
body=$(jq -n --arg title "Roll $flag back to 0%" --arg head "$branch" --arg base "$GITHUB_REF_NAME" \
  --arg body "The canary analysis rolled back the rollout of \`$flag\`; this sets its rollout_percentage to 0 in \`$file\`. Merge it to take the flag off." \
  '{title: $title, head: $head, base: $base, body: $body}')
url=$(request POST "/repos/$GITHUB_REPOSITORY/pulls" "$body" | jq -r '.html_url')
echo "pull request: $url"
