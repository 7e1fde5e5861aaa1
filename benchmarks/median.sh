# shellcheck shell=bash
# Sourced by the benchmark scripts: "<median wall seconds> <largest peak RSS KiB>" of the
# "seconds KiB" lines (/usr/bin/time -f "%e %M") in a file.
median_of() {
  sort -n "$1" | awk '{t[NR]=$1; m[NR]=$2} END {
    median = (NR % 2) ? t[(NR+1)/2] : (t[NR/2] + t[NR/2+1]) / 2
    max = 0; for (i = 1; i <= NR; i++) if (m[i] > max) max = m[i]
    print median, max
  }'
}
