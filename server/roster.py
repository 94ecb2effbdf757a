"""Roster files the county sends down: the village spreadsheet layout (CSV) or JSON.

CSV columns follow the village template (户号, 村民小组, 户主姓名, 姓名, 与户主关系, 证件类型,
证件号码, 性别, 出生日期, 民族, 户籍性质, 人员类别, 联系电话), plus an optional 参保状态 where
"职工医保" marks someone already in employee insurance. JSON is
``{"village": …, "households": [HouseholdData…], "employee_insured": [id numbers]}``.
Every row problem is reported at once, with its line number, and nothing is loaded.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as ModelError

from app.domain.errors import InvalidIdNumber, ValidationError
from app.domain.idcard import parse_id_number
from app.domain.roster import ID_RESIDENT, parse_id_type, parse_relation
from sync.files import read_limited
from sync.protocol import CategoryData, HouseholdData, PersonData

MAX_ROSTER_BYTES = 64 * 1024 * 1024

_HEADERS = {
    "户号": "household_no", "村民小组": "group", "户主姓名": "head_name", "姓名": "name",
    "与户主关系": "relation", "证件类型": "id_type", "证件号码": "id_number", "性别": "sex",
    "出生日期": "birth_date", "民族": "ethnicity", "户籍性质": "residence",
    "人员类别": "categories", "联系电话": "phone", "参保状态": "status", "地址": "address",
}
_SEX = {"男": 1, "1": 1, "女": 2, "2": 2, "": None}
_RESIDENCE = {"本地": "local", "local": "local", "": "local", "外地": "nonlocal",
              "nonlocal": "nonlocal"}
_STATUS = {"": "active", "正常": "active", "职工医保": "employee_insured",
           "已参加职工医保": "employee_insured", "死亡": "deceased", "迁出": "moved_out"}


class _RosterJson(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    village: str = ""
    households: Annotated[list[HouseholdData], Field(max_length=100_000)]
    employee_insured: list[str] = []


@dataclass(frozen=True)
class Roster:
    village: str
    households: list[HouseholdData]
    employee_ids: list[str]


def _problems_error(problems: list[str]) -> ValidationError:
    shown = problems[:20]
    more = f"（另有 {len(problems) - 20} 处）" if len(problems) > 20 else ""
    return ValidationError(f"花名册有 {len(problems)} 处问题{more}：" + "；".join(shown),
                           details={"problems": problems})


def _person(row: dict[str, str], line: int, problems: list[str]) -> PersonData | None:
    try:
        id_type = parse_id_type(row.get("id_type", ""))
        relation = parse_relation(row.get("relation", ""))
        number = row.get("id_number", "").strip().upper()
        birth = row.get("birth_date", "").strip() or None
        if id_type == ID_RESIDENT:
            parsed = parse_id_number(number)
            number, birth = parsed.number, birth or parsed.birth_date.isoformat()
        if birth is not None:
            date.fromisoformat(birth)
        sex_text = row.get("sex", "").strip()
        residence_text = row.get("residence", "").strip()
        status_text = row.get("status", "").strip()
        if sex_text not in _SEX or residence_text not in _RESIDENCE or status_text not in _STATUS:
            raise ValidationError("性别、户籍性质或参保状态无法识别")
        categories = [CategoryData(category=c, source="县医保花名册")
                      for c in re.split(r"[、,，;；\s]+", row.get("categories", "")) if c]
        return PersonData(name=row.get("name", "").strip(), id_type=id_type, id_number=number,
                          relation=relation, residence=_RESIDENCE[residence_text],
                          sex=_SEX[sex_text], birth_date=birth,
                          ethnicity=row.get("ethnicity", "").strip(),
                          phone=row.get("phone", "").strip(), status=_STATUS[status_text],
                          categories=categories)
    except (ValidationError, InvalidIdNumber) as exc:
        problems.append(f"第 {line} 行：{exc.message}")
    except (ModelError, ValueError):
        problems.append(f"第 {line} 行：姓名、日期或其他字段格式不正确")
    return None


def parse_csv(text: str, *, village: str) -> Roster:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise ValidationError("花名册是空文件")
    keys = [_HEADERS.get(h.strip()) for h in header]
    if "household_no" not in keys or "id_number" not in keys or "name" not in keys:
        raise ValidationError("花名册缺少必需的列：户号、姓名、证件号码")
    problems: list[str] = []
    households: dict[str, dict] = {}
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        row = {k: (cells[i] if i < len(cells) else "") for i, k in enumerate(keys) if k}
        no = row.get("household_no", "").strip()
        if not no:
            problems.append(f"第 {line} 行：缺少户号")
            continue
        hh = households.setdefault(no, {"household_no": no, "group": row.get("group", "").strip(),
                                        "head_name": row.get("head_name", "").strip(),
                                        "address": row.get("address", "").strip(),
                                        "phone": "", "persons": []})
        person = _person(row, line, problems)
        if person is not None:
            hh["persons"].append(person)
            if person.relation == "02":
                hh["head_name"] = hh["head_name"] or person.name
                hh["phone"] = hh["phone"] or person.phone
    if problems:
        raise _problems_error(problems)
    try:
        built = [HouseholdData(village=village, **hh) for hh in households.values()]
    except ModelError as exc:
        raise ValidationError("花名册中有户主姓名为空或字段过长的户") from exc
    employee = [p.id_number for hh in built for p in hh.persons if p.status == "employee_insured"]
    return Roster(village, built, employee)


def load_roster_file(path: Path, *, village: str | None) -> Roster:
    path = Path(path)
    raw = read_limited(path, MAX_ROSTER_BYTES, too_large=ValidationError("花名册文件过大"),
                       unreadable=f"无法读取花名册文件：{path}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError("花名册不是 UTF-8 编码（请从表格软件另存为 CSV UTF-8）") from exc
    if path.suffix.lower() == ".json":
        try:
            doc = _RosterJson.model_validate_json(text)
        except ModelError as exc:
            first = exc.errors(include_url=False, include_input=False)[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            raise ValidationError(f"花名册 JSON 格式不正确（{where}: {first.get('msg')}）") from exc
        target = village or doc.village
        if not target:
            raise ValidationError("请用 --village 指定村代码")
        problems = []
        for hh in doc.households:
            for p in hh.persons:
                if p.id_type == ID_RESIDENT:
                    try:
                        parse_id_number(p.id_number)
                    except InvalidIdNumber as exc:
                        problems.append(f"户 {hh.household_no}：{exc.message}")
        if problems:
            raise _problems_error(problems)
        extra = [p.id_number for hh in doc.households for p in hh.persons
                 if p.status == "employee_insured"]
        return Roster(target, doc.households, [*doc.employee_insured, *extra])
    if not village:
        raise ValidationError("CSV 花名册请用 --village 指定村代码")
    return parse_csv(text, village=village)
