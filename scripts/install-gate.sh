#!/usr/bin/env bash
# Installs a released gate binary, verified before anything is installed:
#   install-gate.sh [--dir DIR] VERSION [BASE_URL]
# VERSION: 0.1.0 or v0.1.0. DIR: where `gate` goes (default: GATE_INSTALL_DIR, else ~/.local/bin).
# BASE_URL: where the release's files are (default: the GitHub release v<VERSION> of
# GATE_REPOSITORY, owner/name; under GitHub Actions the action's own repository).
#
# It downloads SHA256SUMS and SHA256SUMS.sig, checks the Ed25519 signature with gate's release
# key (below; the same as keys/release.pub), finds gate-<VERSION>-linux-<arch>.tar.gz in
# SHA256SUMS, downloads it and checks its SHA-256, unpacks it, runs `gate --version`, and only
# then moves `gate` into DIR. Any failure exits 2 with what to do, and DIR is left as it was.
# Needs: curl, tar, gzip, sha256sum, base64 and openssl 3 (for Ed25519); Linux on x86_64 or
# aarch64. GATE_RELEASE_KEY replaces the key (a fork that signs its own releases; tests).
set -euo pipefail

release_key=${GATE_RELEASE_KEY:-iI/O3vYed/5DoNkrHG1LgY5K83QBbNyd+xPbRKHyJZg=}

fail() {
  echo "install-gate.sh: $*" >&2
  exit 2
}

usage() {
  echo "usage: install-gate.sh [--dir DIR] VERSION [BASE_URL]" >&2
  exit 2
}

directory=${GATE_INSTALL_DIR:-${HOME:-}/.local/bin}
positional=()
while [ $# -gt 0 ]; do
  case $1 in
    --dir) [ $# -ge 2 ] || usage; directory=$2; shift 2 ;;
    --dir=*) directory=${1#--dir=}; shift ;;
    -h|--help) usage ;;
    -*) echo "install-gate.sh: unknown option $1" >&2; usage ;;
    *) positional+=("$1"); shift ;;
  esac
done
if [ ${#positional[@]} -lt 1 ] || [ ${#positional[@]} -gt 2 ]; then usage; fi
version=${positional[0]#v}
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]] \
  || fail "'${positional[0]}' is not a release version (like 0.1.0 or v0.1.0)"
[ "$directory" != "/.local/bin" ] || fail "HOME is not set: pass --dir DIR"

os=$(uname -s)
arch=$(uname -m)
[ "$arch" != arm64 ] || arch=aarch64
if [ "$os" != Linux ] || { [ "$arch" != x86_64 ] && [ "$arch" != aarch64 ]; }; then
  fail "gate is released for Linux on x86_64 and aarch64, not $os on $arch: build it from source (swift build -c release --product gate)"
fi

if [ ${#positional[@]} -eq 2 ]; then
  base_url=${positional[1]%/}
else
  repository=${GATE_REPOSITORY:-${GITHUB_ACTION_REPOSITORY:-}}
  [ -n "$repository" ] || fail "say where gate is released: set GATE_REPOSITORY=owner/name, or pass BASE_URL"
  base_url="https://github.com/$repository/releases/download/v$version"
fi

for tool in curl tar gzip sha256sum base64 openssl; do
  command -v "$tool" >/dev/null || fail "$tool is missing: install it (Debian/Ubuntu: apt-get install $tool) and run again"
done

work=$(mktemp -d)
staged="$directory/.gate.installing.$$"
trap 'rm -rf "$work"; rm -f "$staged"' EXIT

download() {
  local error
  if ! error=$(curl --fail --silent --show-error --location --proto-redir '=https' \
      --connect-timeout 10 --max-time 600 --retry 2 --output "$work/$1" "$base_url/$1" 2>&1); then
    error=${error##*$'\n'}
    fail "could not download $base_url/$1 (${error#curl: }): check the version and that the release has this file; nothing was installed"
  fi
}

download SHA256SUMS
download SHA256SUMS.sig
{
  echo "-----BEGIN PUBLIC KEY-----"
  # The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), in base64, then the raw key.
  echo "MCowBQYDK2VwAyEA$release_key"
  echo "-----END PUBLIC KEY-----"
} > "$work/release.pem"
if ! base64 -d "$work/SHA256SUMS.sig" > "$work/signature" 2>/dev/null || [ "$(wc -c < "$work/signature")" -ne 64 ]; then
  fail "$base_url/SHA256SUMS.sig is not an Ed25519 signature (base64 of 64 bytes); nothing was installed"
fi
if ! verdict=$(openssl pkeyutl -verify -pubin -inkey "$work/release.pem" -rawin \
    -in "$work/SHA256SUMS" -sigfile "$work/signature" 2>&1); then
  case $verdict in
    *"Signature Verification Failure"*)
      fail "the signature of $base_url/SHA256SUMS does not verify with gate's release key: the files were changed or signed by someone else; nothing was installed" ;;
    *) fail "openssl could not check the signature (${verdict%%$'\n'*}): openssl 3 with Ed25519 is needed; nothing was installed" ;;
  esac
fi

name="gate-$version-linux-$arch"
expected=$(awk -v file="$name.tar.gz" '$2 == file || $2 == "*" file { print $1 }' "$work/SHA256SUMS")
[ -n "$expected" ] || fail "release $version has no $name.tar.gz (SHA256SUMS does not list it): no build for linux-$arch in this release; nothing was installed"
download "$name.tar.gz"
actual=$(sha256sum "$work/$name.tar.gz")
actual=${actual%% *}
[ "$actual" = "$expected" ] \
  || fail "$name.tar.gz has SHA-256 $actual, but the signed SHA256SUMS says $expected: the download was changed; nothing was installed"

mkdir "$work/unpacked"
tar -xzf "$work/$name.tar.gz" -C "$work/unpacked" || fail "$name.tar.gz does not unpack; nothing was installed"
binary="$work/unpacked/$name/gate"
[ -f "$binary" ] || fail "$name.tar.gz holds no $name/gate; nothing was installed"
if ! reported=$("$binary" --version 2>&1); then
  fail "the gate binary does not run here (${reported%%$'\n'*}): it needs glibc 2.35+, libxml2 and libcurl (Debian/Ubuntu: apt-get install libxml2 libcurl4); nothing was installed"
fi
[ "$reported" = "$version" ] || fail "the binary in $name.tar.gz reports version '$reported', not $version; nothing was installed"

mkdir -p "$directory" || fail "cannot create $directory"
cp "$binary" "$staged" || fail "cannot write to $directory"
mv -f "$staged" "$directory/gate"
echo "installed gate $version ($name) in $directory/gate"
