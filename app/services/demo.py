"""`yibao demo`: a database a newcomer can open and try at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.services.workspace import init_database

DEMO_VILLAGE = "3404220010"


def create_demo(path: Path, *, user: str, passphrase: str) -> dict[str, Any]:
    """Create the demo database (idempotent: an existing one is left as it is)."""
    path = Path(path)
    if path.exists():
        return {"db": str(path), "created": False}
    result = init_database(path, user=user, role="collector", passphrase=passphrase,
                           village=DEMO_VILLAGE)
    return {"db": str(result.path), "created": True, "recovery_code": result.recovery_code}
