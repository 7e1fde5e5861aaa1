#!/usr/bin/env bash
# What getting gate costs a CI job. Installing the release — scripts/install-gate.sh from a
# release served on 127.0.0.1 (signature, digest and a run checked; the tarball is this
# machine's, from scripts/build-release.sh, signed with the fixtures' test key) — against what
# the action did before: `swift build -c release --product gate` in an empty scratch folder.
# Also the action's source fallback on a cache hit (the same build again, nothing changed).
# Prints the median of RUNS installs (default 7) and of SOURCE_RUNS cold builds (default 1),
# and the ratio. Target: an install under 10 s.
# Usage: bash benchmarks/install.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-7}
SOURCE_RUNS=${SOURCE_RUNS:-1}
work=$PWD/benchmarks/work/install
rm -rf "$work"
mkdir -p "$work/release"

GATE_SIGNING_KEY_FILE=fixtures/keys/fixture-signing.key bash scripts/build-release.sh "$work/release" > /dev/null
version=$(bash scripts/source-version.sh)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$work/release" "$port" > /dev/null 2>&1 &
server=$!
trap 'kill "$server"' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/SHA256SUMS" > /dev/null && break; sleep 0.1; done

seconds() { # runs "$@" and prints its wall time in seconds
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null 2>&1
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f\n", b - a }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

install() {
  rm -rf "${work:?}/bin"
  GATE_RELEASE_KEY=$(cat fixtures/keys/fixture-signing.pub) bash scripts/install-gate.sh --dir "$work/bin" "$version" "http://127.0.0.1:$port"
}
build() { swift build -c release --product gate --scratch-path "$work/scratch"; }

: > "$work/install.txt"
for _ in $(seq "$RUNS"); do seconds install >> "$work/install.txt"; done
"$work/bin/gate" --version > /dev/null
: > "$work/build.txt"
for _ in $(seq "$SOURCE_RUNS"); do rm -rf "$work/scratch"; seconds build >> "$work/build.txt"; done
cached=$(seconds build)
installed=$(median < "$work/install.txt")
built=$(median < "$work/build.txt")
size=$(du -k "$work/release/gate-$version-linux-$(uname -m).tar.gz" | cut -f1)
echo "install-gate.sh from 127.0.0.1 ($((size / 1024)) MB tarball): median ${installed} s over $RUNS runs (target: under 10 s)"
echo "swift build -c release, empty scratch folder: median ${built} s over $SOURCE_RUNS runs; again with nothing changed (a cache hit): ${cached} s"
awk -v a="$installed" -v b="$built" 'BEGIN { printf "the release installs %.0fx faster than a build from source\n", b / a }'
