#!/usr/bin/env bash
# The main job: build gate in release mode and run every gate of this repository (gates/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
swift build -c release --product gate
.build/release/gate check "$@"
