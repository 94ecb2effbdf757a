"""Subsidy categories (资助类别) the township certifies from authoritative lists.

The office imports a department's list (民政 低保/特困, 乡村振兴 监测对象, 残联 残疾 …) with the
certifying department and validity; each person certified is journaled, and the journal
carries it down: pushed to the county it becomes a ``category`` item for the person's village,
and it travels in the township's USB reply too. A collector never grants one.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

from app.domain.errors import Refused, ValidationError, YibaoError
from app.domain.idcard import mask_id_number, parse_id_number
from app.domain.ledger_views import PERSON_ID_NUMBER_PATH, ROSTER_PERSONS_PATH
from app.domain.text import clean_text
from app.services.base.common import iso, new_id, utc_now
from app.services.base.roles import requires_role
from app.services.base.workspace import Workspace
from app.services.township.textfile import read_csv_text
from app.services.village.campaigns import active_campaign
from db.connection import tx

_HEADERS = {"name": ("姓名",), "id_number": ("证件号码", "身份证号码", "身份证号"),
            "category": ("资助类别", "类别"), "department": ("认定部门", "部门"),
            "valid_from": ("有效期起", "起始日期"), "valid_to": ("有效期止", "截止日期"),
            "village": ("村", "村代码")}


def _village_of(ws: Workspace, id_number: str) -> str | None:
    row = ws.conn.execute(
        "SELECT village FROM tw_events WHERE type = 'person.added' AND "
        f"json_extract(payload, '{PERSON_ID_NUMBER_PATH}') = ? ORDER BY received_at DESC LIMIT 1",
        (id_number,)).fetchone()
    if row is None:
        # A roster from a spreadsheet or from the county's pull is journaled as
        # roster.imported, its persons in a list; the canonical text is searched first, so
        # only an event naming the number is taken apart.
        row = ws.conn.execute(
            f"SELECT e.village FROM tw_events e, json_each(e.payload, '{ROSTER_PERSONS_PATH}') "
            "p WHERE e.type = 'roster.imported' AND instr(e.payload, ?) > 0 AND "
            f"json_extract(p.value, '{PERSON_ID_NUMBER_PATH}') = ? "
            "ORDER BY e.received_at DESC LIMIT 1",
            (f'"id_number":"{id_number}"', id_number)).fetchone()
    return None if row is None else str(row[0])


def _day(text: str | None) -> date | None:
    text = clean_text(text)
    if not text:
        return None
    try:
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise ValidationError(f"日期格式不正确：{text}") from None


@requires_role("township", "认定资助类别")
def certify_category(ws: Workspace, *, name: str, id_number: str, category: str,
                     department: str, valid_from: date | None = None,
                     valid_to: date | None = None, village: str | None = None,
                     id_type: str = "01") -> dict[str, Any]:
    """认定资助对象: one person, one category, from one department's list."""
    number = parse_id_number(id_number).number if id_type == "01" else clean_text(id_number)
    category, department = clean_text(category), clean_text(department)
    if not category or not department:
        raise ValidationError("请填写资助类别和认定部门")
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError("有效期结束日早于开始日")
    try:
        policy = active_campaign(ws).policy
    except Refused:
        policy = None
    if policy is not None and policy.subsidy_for(category) is None:
        raise ValidationError(f"政策中没有资助类别“{category}”")
    home = clean_text(village) or _village_of(ws, number)
    if not home:
        raise Refused(f"{mask_id_number(number)} 不在任何村的花名册中：请在名单中注明所在村")
    cid = new_id()
    values = {"certification_id": cid, "id_type": id_type, "id_number": number,
              "name": clean_text(name), "category": category, "department": department,
              "valid_from": valid_from.isoformat() if valid_from else None,
              "valid_to": valid_to.isoformat() if valid_to else None, "village": home}
    with tx(ws.conn):
        ws.conn.execute(
            "INSERT INTO tw_certifications (id, id_type, id_number, name, category, department, "
            "valid_from, valid_to, village, at, actor) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (cid, id_type, number, values["name"], category, department, values["valid_from"],
             values["valid_to"], home, iso(utc_now()), ws.user))
        ws.record("township.category_certified", values)
    return values


@requires_role("township", "导入资助对象名单")
def import_certifications(ws: Workspace, path: Path, *,
                          department: str | None = None) -> dict[str, Any]:
    """导入认定名单 CSV (姓名, 证件号码, 资助类别, 认定部门, 有效期起, 有效期止, 村)."""
    rows = list(csv.reader(io.StringIO(read_csv_text(path))))
    if len(rows) < 2:
        raise ValidationError("名单是空的")
    header = [h.strip() for h in rows[0]]
    where = {k: next((header.index(n) for n in names if n in header), None)
             for k, names in _HEADERS.items()}
    if where["id_number"] is None or where["category"] is None:
        raise ValidationError("名单需要“证件号码”和“资助类别”两列")
    if where["department"] is None and not department:
        raise ValidationError("名单没有“认定部门”列：请用 --department 指定")
    certified, problems = 0, []
    for line_no, row in enumerate(rows[1:], start=2):
        cell = {k: (clean_text(row[i]) if i is not None and i < len(row) else "")
                for k, i in where.items()}
        try:
            certify_category(ws, name=cell["name"], id_number=cell["id_number"],
                             category=cell["category"],
                             department=cell["department"] or department or "",
                             valid_from=_day(cell["valid_from"]), valid_to=_day(cell["valid_to"]),
                             village=cell["village"] or None)
            certified += 1
        except YibaoError as exc:
            problems.append(f"第 {line_no} 行：{exc.message}")
    return {"certified": certified, "problems": problems}
