# Sourced by scripts/test.sh and scripts/main.sh before the test suite runs: the system
# packages (valgrind for the benchmark gate's instruction counts; prometheus with promtool,
# which the canary tests start on 127.0.0.1) and the SBOM validators, whose path the SBOM
# tests read from GATE_SBOM_VALIDATOR.
bash scripts/setup-debian.sh valgrind prometheus
GATE_SBOM_VALIDATOR=$(bash scripts/setup-sbom-validators.sh)
export GATE_SBOM_VALIDATOR
