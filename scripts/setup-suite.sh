# shellcheck shell=bash
# Sourced by scripts/test.sh and scripts/main.sh before the test suite runs: the system
# packages (valgrind for the benchmark gate's instruction counts; prometheus with promtool,
# which the canary tests start on 127.0.0.1; shellcheck, which actionlint runs on the
# workflows' scripts and the delivery tests on scripts/; curl and openssl, which the install
# script uses; xmllint, which checks JUnit output against the Ant schema; jq, which
# scripts/flag-rollout.sh builds its API requests with; chromium, which renders the canary's
# decision page headless and keeps a screenshot in .build/test-artifacts) and the PyPI tools,
# whose paths the tests read from GATE_SBOM_VALIDATOR, GATE_ACTIONLINT, GATE_CHECK_JSONSCHEMA
# and GATE_PYTHON_TOOLS (the venv, for coverage.py and diff-cover).
bash scripts/setup-debian.sh valgrind prometheus shellcheck curl openssl libxml2-utils jq chromium
python_tools=$(bash scripts/setup-python-tools.sh)
export GATE_SBOM_VALIDATOR="$python_tools/bin/python" GATE_ACTIONLINT="$python_tools/bin/actionlint" \
  GATE_CHECK_JSONSCHEMA="$python_tools/bin/check-jsonschema" GATE_PYTHON_TOOLS="$python_tools"
