#!/usr/bin/env bash
# Hashing throughput: `gate checksum create` on one SIZE_MIB file (default 2048) against
# `sha256sum` on it, and on two files of half that size (hashed on two cores) against
# `sha256sum` on both (one after the other, as it works). Files are read once first so both
# tools read from the page cache. Prints MB/s and the ratios.
# Targets: one file at least 0.9x sha256sum's throughput; two files at least 1.7x it.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MIB=${SIZE_MIB:-2048}
work=benchmarks/work/checksum
mkdir -p "$work/one" "$work/two"
swift build -c release --product gate >/dev/null
[ -s "$work/one/big.bin" ] || head -c $((SIZE_MIB << 20)) /dev/urandom > "$work/one/big.bin"
[ -s "$work/two/a.bin" ] || { head -c $((SIZE_MIB << 19)) /dev/urandom > "$work/two/a.bin"; head -c $((SIZE_MIB << 19)) /dev/urandom > "$work/two/b.bin"; }
cat "$work/one/big.bin" "$work/two/a.bin" "$work/two/b.bin" > /dev/null
seconds() { /usr/bin/time -f "%e" "$@" 2>&1 >/dev/null | tail -1; }
sha_one=$(seconds sha256sum "$work/one/big.bin")
gate_one=$(seconds .build/release/gate checksum create "$work/one" -o "$work/one.sha256")
sha_two=$(seconds sha256sum "$work/two/a.bin" "$work/two/b.bin")
gate_two=$(seconds .build/release/gate checksum create "$work/two" -o "$work/two.sha256")
awk -v s1="$sha_one" -v g1="$gate_one" -v s2="$sha_two" -v g2="$gate_two" -v mib="$SIZE_MIB" 'BEGIN {
  printf "one %d MiB file:  sha256sum %.2f s (%.0f MB/s), gate %.2f s (%.0f MB/s): %.2fx (target: at least 0.9x)\n", mib, s1, mib * 1.048576 / s1, g1, mib * 1.048576 / g1, s1 / g1
  printf "two %d MiB files: sha256sum %.2f s, gate %.2f s: gate at %.2fx sha256sum'"'"'s one-file throughput (target: at least 1.7x)\n", mib / 2, s2, g2, s1 / g2
}'
