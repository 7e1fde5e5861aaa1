#!/usr/bin/env bash
# Prints the version this source tree declares (GateVersion.current), the one `gate --version`
# reports once built: the release workflow checks the tag against it, and the composite action
# installs the release of that version when it runs from a tag.
set -euo pipefail
file="$(dirname "$0")/../Sources/GateKit/GateVersion.swift"
version=$(sed -n 's/^ *public static let current = "\([^"]*\)"$/\1/p' "$file")
[ -n "$version" ] || { echo "source-version.sh: no 'public static let current = \"…\"' line in $file" >&2; exit 2; }
echo "$version"
