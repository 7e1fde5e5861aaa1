#!/usr/bin/env bash
# Runs `gate check` with the release binary of this machine's tarball in DIST (unpacked into
# .build/gate-release, with .build/gate-release/gate linked to it; results in
# .build/check-release unless the options name another --results-dir) and, with --same-as,
# fails unless every gate's verdict is the one in another build's `gate check --results-dir DIR`.
#   release-check.sh DIST [--same-as DIR] [gate check options…]
set -euo pipefail
cd "$(dirname "$0")/.."
dist=$1
shift
expected=""
if [ "${1:-}" = --same-as ]; then
  expected=$2
  shift 2
fi
version=$(bash scripts/source-version.sh)
name="gate-$version-linux-$(uname -m)"
rm -rf .build/gate-release .build/check-release
mkdir -p .build/gate-release
tar -xzf "$dist/$name.tar.gz" -C .build/gate-release
ln -s "$name/gate" .build/gate-release/gate
status=0
.build/gate-release/gate check --results-dir .build/check-release "$@" || status=$?
if [ -n "$expected" ]; then
  verdicts() {
    for file in "$1"/*.json; do
      printf '%s %s\n' "$(basename "$file" .json)" "$(grep -m1 '^  "verdict": ' "$file")"
    done
  }
  if ! difference=$(diff <(verdicts "$expected") <(verdicts .build/check-release)); then
    echo "release-check.sh: the release binary's verdicts differ from $expected's:" >&2
    echo "$difference" >&2
    exit 1
  fi
  echo "release binary: the same verdict as $expected for every gate"
fi
exit "$status"
