#!/usr/bin/env bash
# The action's first step: decides how this job gets gate and writes it to $GITHUB_OUTPUT.
#   mode=release, version=X.Y.Z   install the signed release X.Y.Z into the tool cache
#   mode=source, source-key=HASH  build this checkout (Package.swift and Sources/ hash to HASH)
# GATE_VERSION (the `version` input): empty → the release of this action's source when the
# action runs from a tag (GATE_ACTION_REF like v1 or v0.1.0), else a build; "build" → a build;
# otherwise the release of that version. Releases exist for Linux on X64 and ARM64 runners;
# elsewhere a build, with a notice.
#   key=NAME                      GATE_KEY (the key input, or workflow-job-gate) made safe for a
#                                 cache key and the comment's marker: letters, digits, . _ -
set -euo pipefail
: "${GITHUB_OUTPUT:?is not set: this script is a step of the gate action}"
action_path=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/../.." && pwd)}
requested=${GATE_VERSION:-}
ref=${GATE_ACTION_REF:-}
mode=source
version=""
if [ "$requested" = build ]; then
  mode=source
elif [ -n "$requested" ]; then
  mode=release
  version=${requested#v}
elif [[ $ref =~ ^v[0-9]+(\.[0-9]+)*([-+][0-9A-Za-z.+-]+)?$ ]]; then
  mode=release
  version=$(bash "$action_path/scripts/source-version.sh")
fi
if [ "$mode" = release ]; then
  case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64 | Linux/ARM64) ;;
    *)
      echo "::notice title=gate::no gate release for ${RUNNER_OS:-this OS} on ${RUNNER_ARCH:-this architecture}; building it from source (needs a Swift 6 toolchain)"
      mode=source
      version="" ;;
  esac
fi
# What a cached build depends on: the toolchain, the manifest and the sources.
source_key=$( (swift --version 2>/dev/null || true; cd "$action_path" && find Package.swift Sources -type f -print0 \
  | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum)
key=$(printf '%s' "${GATE_KEY:-gate}" | tr -c 'A-Za-z0-9._-' '-' | cut -c1-200)
{
  echo "mode=$mode"
  echo "version=$version"
  echo "source-key=${source_key%% *}"
  echo "key=$key"
} >> "$GITHUB_OUTPUT"
if [ "$mode" = release ]; then
  echo "gate $version: the signed release"
else
  echo "gate: built from this action's source"
fi
