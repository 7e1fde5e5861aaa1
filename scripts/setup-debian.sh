#!/usr/bin/env bash
# Installs the system packages gate builds against (headers for the libxml2 and libcurl
# system-library targets), and any packages named as arguments (the test suite adds
# valgrind and prometheus). Needs root, or sudo. A Swift 6 toolchain must be on PATH.
set -euo pipefail
packages=(pkg-config libxml2-dev libcurl4-openssl-dev "$@")
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v swift >/dev/null || { echo "swift is not on PATH: install a Swift 6.0+ toolchain (swift.org) first" >&2; exit 2; }
