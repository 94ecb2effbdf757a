"""One model of the journal: nothing outside the domain layer reads event payloads as dicts.

Event payloads are read through the catalogue (`app.domain.events.parse`) and folded by
`app.domain.ledger`; a rule added there holds at the village, the township and the county.
This test reads the source of every other package and fails on the shapes that read a
payload's fields by key: `payload[...]`, `payload.get(...)`, a JSON path into a payload in
SQL, or `json.loads` of a stored payload.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "db", "sync", "server", "receipts", "ui", "bench")
# The domain layer is where payloads are defined and read; the catalogue of JSON paths that
# the township's SQL indexes use lives there too. A shipped schema step is frozen SQL text: the
# indexes step 6 built spell those paths as they were (tests/test_upgrade.py checks that the
# replay still reads them the same way).
ALLOWED = ("app/domain/", "db/steps/")
PATTERNS = {
    "payload[...]": re.compile(r"\bpayload\s*\["),
    "payload.get(...)": re.compile(r"\bpayload\.get\("),
    "json path into a payload": re.compile(r"json_(extract|each)\(\s*[\w.]*payload\s*,\s*'\$"),
    "a field of a loaded payload": re.compile(r"json\.loads\([^)]*payload[^)]*\)\s*(\[|\.get)"),
}


def _sources() -> list[Path]:
    files = []
    for package in PACKAGES:
        files.extend(p for p in (ROOT / package).rglob("*.py")
                     if not str(p.relative_to(ROOT)).startswith(ALLOWED))
    return files


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_no_module_outside_the_domain_reads_payload_fields(name):
    pattern = PATTERNS[name]
    found = []
    for path in _sources():
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)
