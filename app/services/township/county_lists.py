"""The county's lists at the township (乡镇财政所): every kind as in a village, and a subsidy
list (资助参保名单, with its funding channel) also certifies each new person's category, so
that it reaches the person's village as the township's other certifications do
(``app.services.township.categories``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from app.services.base.roles import requires_role
from app.services.base.workspace import Workspace
from app.services.township.categories import certify_category
from app.services.village.county_lists import ListImport, import_county_list


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@requires_role("township", "导入县医保名单并认定资助对象")
def import_county_list_at_township(ws: Workspace, path: Path, *, kind: str | None = None,
                                   progress: Callable[[int], None] | None = None) -> ListImport:
    """导入县医保名单 at the township: a subsidy list's new rows are certified (认定) with the
    list's department (认定部门, else the funding channel) and validity; a row whose person no
    village roster holds, with no 村 column, is a rejected row."""

    def certify(e: dict[str, Any]) -> None:
        certify_category(ws, name=e["name"], id_number=e["id_number"], category=e["category"],
                         department=e.get("note") or e["fund"],
                         valid_from=_day(e.get("valid_from")), valid_to=_day(e.get("valid_to")),
                         village=e.get("village"))

    return import_county_list(ws, path, kind=kind, progress=progress, certify=certify)
