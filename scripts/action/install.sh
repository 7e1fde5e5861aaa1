#!/usr/bin/env bash
# The action's second step: puts gate on PATH and writes its path to $GITHUB_OUTPUT (path=…).
# GATE_MODE=release: the signed release GATE_VERSION from the tool cache
#   ($RUNNER_TOOL_CACHE/gate/<version>/<arch>, marked complete by <arch>.complete), installed
#   there by scripts/install-gate.sh when it is not cached yet.
# GATE_MODE=source: `swift build -c release` of the action's checkout into GATE_BUILD_DIR,
#   which the action restores from and saves to the Actions cache.
set -euo pipefail
: "${GITHUB_OUTPUT:?is not set: this script is a step of the gate action}"
: "${GITHUB_PATH:?is not set: this script is a step of the gate action}"
action_path=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/../.." && pwd)}
case ${GATE_MODE:-} in
  release)
    : "${GATE_VERSION:?names no version}"
    cache_root=${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}
    directory="$cache_root/gate/$GATE_VERSION/$(uname -m)"
    if [ -f "$directory.complete" ] && [ -x "$directory/gate" ]; then
      echo "gate $GATE_VERSION from the tool cache ($directory)"
    else
      rm -rf "$directory" "$directory.complete"
      bash "$action_path/scripts/install-gate.sh" --dir "$directory" "$GATE_VERSION" ${GATE_BASE_URL:+"$GATE_BASE_URL"}
      touch "$directory.complete"
    fi ;;
  source)
    : "${GATE_BUILD_DIR:?names no build directory}"
    bash "$action_path/scripts/setup-debian.sh"
    swift build -c release --product gate --package-path "$action_path" --scratch-path "$GATE_BUILD_DIR"
    directory="$GATE_BUILD_DIR/release" ;;
  *)
    echo "install.sh: GATE_MODE must be release or source, not '${GATE_MODE:-}'" >&2
    exit 2 ;;
esac
echo "$directory" >> "$GITHUB_PATH"
echo "path=$directory/gate" >> "$GITHUB_OUTPUT"
"$directory/gate" --version > /dev/null
