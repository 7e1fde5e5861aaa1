# shellcheck shell=bash
# Sourced by scripts/test.sh and scripts/main.sh before the test suite runs: the system
# packages (valgrind for the benchmark gate's instruction counts; prometheus with promtool,
# which the canary tests start on 127.0.0.1; shellcheck, which actionlint runs on the
# workflows' scripts and the delivery tests on scripts/; curl and openssl, which the install
# script uses) and the PyPI tools, whose paths the tests read from GATE_SBOM_VALIDATOR and
# GATE_ACTIONLINT.
bash scripts/setup-debian.sh valgrind prometheus shellcheck curl openssl
python_tools=$(bash scripts/setup-python-tools.sh)
export GATE_SBOM_VALIDATOR="$python_tools/bin/python" GATE_ACTIONLINT="$python_tools/bin/actionlint"
