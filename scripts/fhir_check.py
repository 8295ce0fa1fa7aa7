"""Validates a FHIR R4 Bundle (a file, or - for standard input) against the R4 (4.0.1) models of
PyPI fhir.resources 6.1, an implementation independent of Taper, and prints what it holds as
JSON: {"resources": {type: count}, "dosages": n}. Exits 1 with the validation errors otherwise.
Used by the tests (scripts/test-deps installs the package)."""

import json
import sys

import fhir.resources
from fhir.resources.bundle import Bundle

if fhir.resources.__fhir_version__ != "4.0.1":
    sys.exit(f"fhir.resources models FHIR {fhir.resources.__fhir_version__}, not R4 (4.0.1)")
raw = sys.stdin.read() if sys.argv[1] == "-" else open(sys.argv[1], encoding="utf-8").read()
try:
    bundle = Bundle.parse_raw(raw)
except Exception as e:  # the models' ValidationError lists every field at fault
    sys.exit(f"not a valid R4 Bundle:\n{e}")
counts = {}
dosages = 0
for entry in bundle.entry or []:
    kind = entry.resource.resource_type
    counts[kind] = counts.get(kind, 0) + 1
    if kind == "MedicationRequest":
        dosages += len(entry.resource.dosageInstruction or [])
print(json.dumps({"resources": counts, "dosages": dosages}))
