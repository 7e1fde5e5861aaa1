"""Validates SBOMs gate wrote with the reference libraries: CycloneDX JSON against the
CycloneDX 1.6 schema (cyclonedx-python-lib's strict JSON validator) and SPDX JSON with
spdx-tools (parse, then full SPDX 2.3 validation). Prints one line per file; exits 1 on any
problem.

Usage: python3 validate_sbom.py FILE...   (a file is CycloneDX when its JSON has bomFormat)
"""
import json
import sys

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

failed = False
for path in sys.argv[1:]:
    with open(path) as f:
        text = f.read()
    if "bomFormat" in json.loads(text):
        error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
        problems = [str(error)] if error else []
    else:
        try:
            problems = [m.validation_message for m in validate_full_spdx_document(parse_file(path))]
        except Exception as error:  # the parser rejects what it cannot model
            problems = [str(error)]
    print(f"{path}: {'valid' if not problems else 'INVALID: ' + '; '.join(problems)}")
    failed = failed or bool(problems)
sys.exit(1 if failed else 0)
