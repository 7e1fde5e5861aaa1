#!/usr/bin/env bash
# Builds the release of gate for this machine and prints the tarball's path (nothing else goes
# to stdout):
#   bash scripts/build-release.sh [OUT]          (OUT: .build/dist)
# 1. `swift build -c release` with the Swift standard library and Foundation linked statically
#    (--static-swift-stdlib) in .build-release; the binary then needs only glibc, libstdc++,
#    libxml2 and libcurl at run time — the build refuses one that links a Swift runtime library.
# 2. OUT/gate-<version>-linux-<arch>.tar.gz: gate-<version>-linux-<arch>/gate (stripped) and
#    its shell completions, packed reproducibly (sorted, owner 0, mtime SOURCE_DATE_EPOCH or the
#    last commit's time, gzip without a timestamp).
# 3. OUT/SHA256SUMS over every file in OUT (`gate checksum create`, with its .json sidecar),
#    signed with Ed25519 into OUT/SHA256SUMS.sig when a private key is given: GATE_SIGNING_KEY
#    (the key itself, base64 of its 32 bytes as `gate checksum keygen` writes it — a CI secret)
#    or GATE_SIGNING_KEY_FILE (a path). Without one SHA256SUMS is unsigned, which
#    scripts/install-gate.sh refuses.
# OUT holds the release's files only: tarballs of several architectures may sit side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.build/dist}
[ "$(uname -s)" = Linux ] || { echo "build-release.sh: releases are built on Linux, not $(uname -s)" >&2; exit 2; }
bash scripts/setup-debian.sh >&2

swift build -c release --product gate --static-swift-stdlib --scratch-path .build-release >&2
binary=.build-release/release/gate
if swift_libraries=$(ldd "$binary" | grep -E 'libswift|libFoundation|libdispatch|libBlocksRuntime'); then
  echo "build-release.sh: $binary links the Swift runtime dynamically:" >&2
  echo "$swift_libraries" >&2
  exit 2
fi

version=$("$binary" --version)
name="gate-$version-linux-$(uname -m)"
stage=$(mktemp -d)
key=""
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name/completions" "$out"
strip -o "$stage/$name/gate" "$binary"
chmod 755 "$stage/$name/gate"
"$stage/$name/gate" --generate-completion-script bash > "$stage/$name/completions/gate.bash"
"$stage/$name/gate" --generate-completion-script zsh > "$stage/$name/completions/_gate"
"$stage/$name/gate" --generate-completion-script fish > "$stage/$name/completions/gate.fish"
chmod 644 "$stage/$name/completions/"*
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$stage" -cf - "$name" \
  | gzip -9n > "$out/$name.tar.gz"

sign=()
if [ -n "${GATE_SIGNING_KEY:-}" ]; then
  key="$stage/signing.key"
  (umask 077 && printf '%s\n' "$GATE_SIGNING_KEY" > "$key")
  sign=(--sign-key "$key")
elif [ -n "${GATE_SIGNING_KEY_FILE:-}" ]; then
  sign=(--sign-key "$GATE_SIGNING_KEY_FILE")
fi
rm -f "$out/SHA256SUMS.sig"
"$stage/$name/gate" checksum create "$out" --output "$out/SHA256SUMS" "${sign[@]}" >&2
if [ ${#sign[@]} -eq 0 ]; then
  echo "build-release.sh: no signing key (GATE_SIGNING_KEY or GATE_SIGNING_KEY_FILE): $out/SHA256SUMS is unsigned" >&2
fi
echo "$out/$name.tar.gz"
