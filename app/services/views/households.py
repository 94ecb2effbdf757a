"""One household as the roster page shows it, and a certificate checked as it is typed.

Read-only, composed from the village's roster and collection services; runs on the database
worker like every service call.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.domain.errors import Refused
from app.domain.idcard import mask_id_number
from app.domain.roster import ID_RESIDENT
from app.services.base.roles import any_role
from app.services.base.workspace import Workspace
from app.services.village.collect import member_enrolments
from app.services.village.roster import (
    check_certificate,
    find_households,
    household_by_no,
    household_members,
)


@any_role
def household_detail(ws: Workspace, household_no: str) -> dict[str, Any]:
    """The household with its members: masked ID, categories, this campaign's enrolment."""
    household = household_by_no(ws, household_no)
    members = household_members(ws, household["household_id"])
    try:
        enrolments = member_enrolments(ws, household["household_id"])
    except Refused:  # no campaign yet: nobody is enrolled in anything
        enrolments = {}
    for member in members:
        member["id_masked"] = mask_id_number(member["id_number"])
        member["category_names"] = "、".join(c["category"] for c in member["categories"])
        member["enrolment"] = enrolments.get(member["person_id"], {}).get("enrolment")
    return {**household, "members": members}


@any_role
def certificate_check(ws: Workspace, id_type: str, id_number: str, *, sex: int | None = None,
                      birth_date: date | None = None) -> dict[str, Any]:
    """Validate a certificate as typed, and name the households already holding it."""
    cert = check_certificate(id_type, id_number, sex=sex, birth_date=birth_date)
    holders = []
    if cert.id_type == ID_RESIDENT:
        holders = [{"household_no": found["household_no"],
                    "name": found["matched"] or found["head_name"]}
                   for found in find_households(ws, cert.id_number)]
    return {"id_type": cert.id_type, "id_number": cert.id_number, "sex": cert.sex,
            "birth_date": cert.birth_date, "holders": holders}
