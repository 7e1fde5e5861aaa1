#!/usr/bin/env bash
# Installs the system packages gate builds against (headers for the libxml2, libcurl and
# libcrypto system-library targets), and any packages named as arguments (the test suite adds
# valgrind, prometheus and its other tools). Needs root, or sudo. A Swift 6 toolchain must be
# on PATH. Where there is no apt-get (the action's source build on another OS), the headers
# must already be there, found by pkg-config (macOS: brew install pkg-config libxml2 curl openssl@3).
set -euo pipefail
if command -v apt-get >/dev/null; then
  packages=(pkg-config libxml2-dev libcurl4-openssl-dev libssl-dev "$@")
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
elif ! pkg-config --exists libxml-2.0 libcurl libcrypto 2>/dev/null; then
  echo "no apt-get here: install pkg-config and the libxml2, libcurl and OpenSSL development files (macOS: brew install pkg-config libxml2 curl openssl@3)" >&2
  exit 2
fi
command -v swift >/dev/null || { echo "swift is not on PATH: install a Swift 6.0+ toolchain (swift.org) first" >&2; exit 2; }
