"""Importing last year's roster (上年参保人员花名册) from .xlsx / .csv.

Every row is checked before anything is written; the accepted rows are applied in one
transaction with one journal event. Re-importing the same file changes nothing; an updated
file updates the people it matches by certificate number and says what changed. Subsidy
categories in the file are imported only for the township role; otherwise reported and
skipped (the county-signed path arrives with sync).

Nobody is moved or renamed silently: a row whose certificate belongs to a person of another
household is a move (迁户), a row whose name differs from the stored name is a rename (改名);
both are listed old → new, and an import containing any is refused unless the caller accepts
them (``accept_moves``). A person enrolled in the active campaign is never moved by an
import: such a row is rejected. An unknown relation word is registered as 99 其他 with a
warning rather than rejecting the row.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import Any

from app.domain.bulk import bulk_allocations
from app.domain.errors import Refused, YibaoError
from app.domain.idcard import mask_id_number
from app.domain.pinyin import name_initials
from app.domain.roster import HEAD, OTHER, RELATIONS, STATUSES, lookup_relation, parse_id_type
from app.services.base.common import iso, new_id, utc_now
from app.services.base.roles import any_role, has_role
from app.services.base.workspace import Workspace
from app.services.village.campaigns import Campaign, active_campaign
from app.services.village.roster import check_certificate, insert_households, insert_persons
from app.sheets.columns import LABELS
from app.sheets.reader import read_table
from app.sheets.table import Table
from db.connection import bulk_cache, indexes_built_after, tx

_SEX = {"男": 1, "1": 1, "m": 1, "male": 1, "女": 2, "2": 2, "f": 2, "female": 2}
_RESIDENCE = {"": "local", "本地": "local", "local": "local", "本地户籍": "local",
              "外地": "nonlocal", "非本地": "nonlocal", "nonlocal": "nonlocal",
              "外地户籍": "nonlocal", "持居住证": "nonlocal"}
_CATEGORY_SPLIT = re.compile(r"[,，、;；/\s]+")
# The 状态 column as clerks and our own export write it (STATUSES labels) → status code.
_STATUS = {**{label: code for code, label in STATUSES.items()}, "正常": "active",
           "参保": "active", "死亡": "deceased", "迁出": "moved_out",
           "职工医保": "employee_insured", "参加职工医保": "employee_insured",
           **{code: code for code in STATUSES}}
# Fields an updated file may change for a person matched by certificate number.
_UPDATABLE = ("name", "relation", "residence", "ethnicity", "phone", "note")


class MovesNotConfirmed(Refused):
    """The file moves or renames people and the caller did not accept that: nothing written.

    ``details`` carries the ``moves`` and ``renames`` lists, as in the report."""

    code = "moves_not_confirmed"

    def __init__(self, message: str, moves: list[dict[str, Any]],
                 renames: list[dict[str, Any]]) -> None:
        super().__init__(message, details={"moves": moves, "renames": renames})
        self.moves = moves
        self.renames = renames


@dataclass
class Rejection:
    row: int
    column: str
    reason: str


@dataclass
class ImportReport:
    households: int = 0
    persons: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    # {"row", "id_number", "name", "from_household", "to_household"} (户号 strings)
    moves: list[dict[str, Any]] = field(default_factory=list)
    # {"row", "id_number", "from_name", "to_name"}
    renames: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False
    header_row: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"households": self.households, "persons": self.persons,
                "updated": self.updated, "unchanged": self.unchanged,
                "rejected": [asdict(r) for r in self.rejected], "warnings": self.warnings,
                "changes": self.changes, "moves": self.moves, "renames": self.renames,
                "dry_run": self.dry_run, "header_row": self.header_row}


@dataclass
class _Existing:
    """The stored person a row's certificate matches."""

    person_id: str
    household_id: str
    household_no: str
    current: dict[str, Any]  # the _UPDATABLE fields
    status: str


@dataclass
class _Person:
    row: int
    household_no: str
    values: dict[str, Any]
    categories: list[str]
    existing: _Existing | None = None
    unknown_relation: str | None = None  # the word as written, when it is not in GB/T 4761


class _RowRejected(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def _label(key: str) -> str:
    return LABELS.get(key, key)


_FIELDS = ("name", "household_no", "id_type", "sex", "birth_date", "id_number", "relation",
           "residence", "categories", "status", "ethnicity", "phone", "note", "group",
           "head_name")
_NO_CELLS = dict.fromkeys(_FIELDS, "")
_FIELDS_OF = itemgetter(*_FIELDS)


def _parse_row(cells: dict[str, str],
               known_categories: set[str]) -> tuple[dict, list[str], str | None]:
    # The cells are cleaned text already (app.sheets.assemble); a column the file lacks reads
    # as empty. All fields in one C call: this runs for every row of the file.
    (name, household_no, id_type_text, sex_cell, birth_text, id_number, relation_text,
     residence_cell, categories_text, status_text, ethnicity, phone, note, group,
     head_name) = _FIELDS_OF({**_NO_CELLS, **cells})

    if not name:
        raise _RowRejected(_label("name"), "姓名为空")
    if not household_no:
        raise _RowRejected(_label("household_no"), "户号为空")
    try:
        id_type = parse_id_type(id_type_text)
    except YibaoError as exc:
        raise _RowRejected(_label("id_type"), exc.message) from None
    sex_text = sex_cell.lower()
    if sex_text and sex_text not in _SEX:
        raise _RowRejected(_label("sex"), f"性别“{sex_cell}”无法识别（应为 男/女）")
    sex = _SEX.get(sex_text)
    birth = None
    if birth_text:
        try:
            birth = date.fromisoformat(birth_text)
        except ValueError:
            raise _RowRejected(_label("birth_date"), f"出生日期“{birth_text}”无法识别") from None
    try:
        cert = check_certificate(id_type, id_number, sex=sex, birth_date=birth)
    except YibaoError as exc:
        column = _label("id_number")
        if "性别" in exc.message and "出生" not in exc.message:
            column = _label("sex")
        elif "出生日期与" in exc.message:
            column = _label("birth_date")
        raise _RowRejected(column, exc.message) from None
    relation = lookup_relation(relation_text)
    unknown_relation = None
    if relation is None:  # registered as 其他 with a warning (_plan), not a rejected row
        relation, unknown_relation = OTHER, relation_text
    residence_text = residence_cell.lower()
    if residence_text not in _RESIDENCE:
        raise _RowRejected(_label("residence"),
                           f"户籍性质“{residence_cell}”无法识别（应为 本地/外地）")
    categories = ([c for c in _CATEGORY_SPLIT.split(categories_text) if c and c != "无"]
                  if categories_text else [])
    for category in categories:
        if category not in known_categories:
            raise _RowRejected(_label("categories"), f"未知的人员类别“{category}”"
                               f"（政策中有：{'、'.join(sorted(known_categories)) or '无'}）")
    if status_text and status_text not in _STATUS:
        raise _RowRejected(_label("status"), f"状态“{status_text}”无法识别（可用："
                           f"{'、'.join(STATUSES.values())}）")
    values = {"name": name, "id_type": cert.id_type, "id_number": cert.id_number,
              "status": _STATUS.get(status_text),
              "sex": cert.sex, "birth_date": cert.birth_date, "relation": relation,
              "residence": _RESIDENCE[residence_text], "ethnicity": ethnicity,
              "phone": phone, "note": note, "group": group, "head_name": head_name}
    return values, categories, unknown_relation


# The active holder of the certificate if there is one, else the latest record (a deceased
# person in last year's file matches the deceased row, not a new one).
_MATCH = ("SELECT p.id, p.household_id, h.household_no, p.name, p.relation, p.residence, "
          "p.ethnicity, p.phone, p.note, p.status, p.id_type, p.id_number FROM persons p "
          "JOIN households h ON h.id = p.household_id WHERE p.id_number IN ({marks}) "
          "ORDER BY p.id_type, p.id_number, p.status = 'active' DESC, p.updated_at DESC")
_MATCH_CHUNK = 500
# Enrolled in the campaign: an enrolment for its campaign year that was not ended (voided or
# refunded) — the shape of app.services.village.collect.member_statuses.
_ENROLLED = ("SELECT 1 FROM enrolments e JOIN campaigns c ON c.id = e.campaign_id "
             "WHERE e.person_id = ? AND c.campaign_year = ? "
             "AND NOT EXISTS (SELECT 1 FROM enrolment_ends x WHERE x.enrolment_id = e.id) LIMIT 1")


def _matches(ws: Workspace, keys: list[tuple[str, str]]) -> dict[tuple[str, str], _Existing]:
    """The stored person each certificate matches, looked up a chunk of numbers at a time (one
    query a row was a tenth of a 60,000-row import)."""
    found: dict[tuple[str, str], _Existing] = {}
    numbers = sorted({number for _, number in keys})
    for start in range(0, len(numbers), _MATCH_CHUNK):
        chunk = numbers[start:start + _MATCH_CHUNK]
        sql = _MATCH.format(marks=",".join("?" * len(chunk)))
        for row in ws.conn.execute(sql, chunk):
            # The first row of a certificate is its best match (the query's order).
            if (row[10], row[11]) not in found:
                found[row[10], row[11]] = _Existing(
                    row[0], row[1], row[2], dict(zip(_UPDATABLE, row[3:9], strict=True)), row[9])
    return found


def _enrolled(ws: Workspace, person_id: str, campaign: Campaign) -> bool:
    return ws.conn.execute(_ENROLLED, (person_id, campaign.campaign_year)).fetchone() is not None


def _validate(ws: Workspace, table: Table, report: ImportReport, known_categories: set[str],
              campaign: Campaign | None) -> list[_Person]:
    parsed: list[tuple[int, str, dict[str, Any], list[str], str | None]] = []
    seen: dict[tuple[str, str], int] = {}
    for row in table.rows:
        for problem in row.problems:
            report.warnings.append(f"第 {row.number} 行 {problem.column}：{problem.reason}")
        try:
            values, categories, unknown_relation = _parse_row(row.cells, known_categories)
        except _RowRejected as rej:
            report.rejected.append(Rejection(row.number, rej.column, rej.reason))
            continue
        key = (values["id_type"], values["id_number"])
        if key in seen:
            report.rejected.append(Rejection(row.number, _label("id_number"),
                                             f"证件号码与第 {seen[key]} 行重复"))
            continue
        seen[key] = row.number
        parsed.append((row.number, row.cells["household_no"].strip(), values, categories,
                       unknown_relation))
    matches = _matches(ws, list(seen))
    people: list[_Person] = []
    for number, household_no, values, categories, unknown_relation in parsed:
        person = _Person(number, household_no, values, categories,
                         matches.get((values["id_type"], values["id_number"])),
                         unknown_relation)
        ex = person.existing
        if (campaign is not None and ex is not None and ex.household_no != person.household_no
                and _enrolled(ws, ex.person_id, campaign)):
            # Checked before the heads below: a rejected head leaves a new household headless.
            report.rejected.append(Rejection(
                number, _label("household_no"),
                f"{ex.current['name']} 已在户 {ex.household_no} 参加本期征缴（已登记参保），"
                f"导入不能把已参保的人迁到户 {person.household_no}；确需迁户请核实后单独办理"))
            continue
        people.append(person)
    # A household new to the roster needs its head (户主) in the file.
    by_household: dict[str, list[_Person]] = defaultdict(list)
    for person in people:
        by_household[person.household_no].append(person)
    existing = {no for (no,) in ws.conn.execute("SELECT household_no FROM households")}
    accepted: list[_Person] = []
    for household_no, members in by_household.items():
        heads = [m for m in members if m.values["relation"] == HEAD]
        if household_no not in existing and not heads:
            for m in members:
                report.rejected.append(Rejection(m.row, _label("relation"),
                                                 f"户 {household_no} 没有户主（与户主关系=户主）"))
            continue
        if len(heads) > 1:
            rows = "、".join(str(h.row) for h in heads)
            report.warnings.append(f"户 {household_no} 有多名户主（第 {rows} 行），以第一名为准")
        head = heads[0] if heads else None
        if head and head.values["head_name"] and head.values["head_name"] != head.values["name"]:
            report.warnings.append(f"第 {head.row} 行：户主姓名“{head.values['head_name']}”与"
                                   f"户主本人姓名“{head.values['name']}”不一致，按本人姓名登记")
        accepted.extend(members)
    report.rejected.sort(key=lambda r: r.row)
    return accepted


def _plan(ws: Workspace, people: list[_Person], report: ImportReport,
          categories_allowed: bool) -> tuple[list[dict], list[dict], list[dict], list[tuple]]:
    """Work out inserts, updates, moves and renames against the current roster (nothing
    written); the moves and renames go to the report."""
    households = {no: hid for no, hid in ws.conn.execute(
        "SELECT household_no, id FROM households")}
    new_households: list[dict] = []
    new_persons: list[dict] = []
    updates: list[dict] = []
    grants: list[tuple] = []
    # Each household's first head (户主) in file order, found once: looking it up among all
    # rows for every new household made a 60,000-row import quadratic (bench/).
    heads: dict[str, str] = {}
    for p in people:
        if p.values["relation"] == HEAD:
            heads.setdefault(p.household_no, p.values["name"])
    village = ws.meta("village") or ""
    held = _held_categories(ws, [p.existing.person_id for p in people
                                 if p.categories and p.existing is not None])
    for person in people:
        v = person.values
        ex = person.existing
        if person.unknown_relation is not None:
            if ex is None:
                report.warnings.append(f"第 {person.row} 行 {_label('relation')}："
                                       f"“{person.unknown_relation}”无法识别，按“99 其他”登记")
            else:  # an unknown word says nothing: keep what the roster has
                kept = ex.current["relation"]
                v = {**v, "relation": kept}
                shown = f"{kept} {RELATIONS[kept]}" if kept in RELATIONS else kept
                report.warnings.append(f"第 {person.row} 行 {_label('relation')}："
                                       f"“{person.unknown_relation}”无法识别，保留原登记的"
                                       f"“{shown}”")
        hid = households.get(person.household_no)
        if hid is None:
            hid = new_id()
            households[person.household_no] = hid
            head_name = heads.get(person.household_no, v["head_name"] or v["name"])
            new_households.append({"household_id": hid, "household_no": person.household_no,
                                   "head_name": head_name, "group": v["group"],
                                   "address": "", "phone": v["phone"] if v["relation"] == HEAD
                                   else "", "village": village})
        if ex is None:
            pid = new_id()
            new_persons.append({"person_id": pid, "household_id": hid,
                                "household_no": person.household_no,
                                **{k: v[k] for k in ("name", "id_type", "id_number", "sex",
                                                     "birth_date", "relation", "residence",
                                                     "ethnicity", "phone", "note")},
                                "status": v["status"] or "active"})
        else:
            pid = ex.person_id
            current = ex.current
            changed = {k: {"from": current[k], "to": v[k]} for k in _UPDATABLE
                       if v[k] != current[k] and (v[k] or k in ("name", "relation"))}
            if ex.household_id != hid:
                changed["household_no"] = {"from": ex.household_no, "to": person.household_no}
                report.moves.append({"row": person.row, "id_number": v["id_number"],
                                     "name": v["name"], "from_household": ex.household_no,
                                     "to_household": person.household_no})
            if "name" in changed:
                report.renames.append({"row": person.row, "id_number": v["id_number"],
                                       "from_name": current["name"], "to_name": v["name"]})
            if v["status"] and v["status"] != ex.status:
                changed["status"] = {"from": ex.status, "to": v["status"]}
            if changed:
                updates.append({"person_id": pid, "household_id": hid, "row": person.row,
                                "id_masked": mask_id_number(v["id_number"]), "changes": changed,
                                "values": {**{k: v[k] for k in _UPDATABLE},
                                           "status": v["status"] or ex.status}})
            else:
                report.unchanged += 1
        if person.categories:
            if not categories_allowed:
                report.warnings.append(
                    f"第 {person.row} 行：人员类别“{'、'.join(person.categories)}”未导入"
                    "（资助类别只能由财政所认定或来自县级签名文件）")
                continue
            have = held.get(pid, set())
            grants.extend((pid, c) for c in person.categories if c not in have)
    return new_households, new_persons, updates, grants


def _held_categories(ws: Workspace, person_ids: list[str]) -> dict[str, set[str]]:
    """The categories each person holds (not revoked), a chunk of people a query."""
    held: dict[str, set[str]] = defaultdict(set)
    for start in range(0, len(person_ids), _MATCH_CHUNK):
        chunk = person_ids[start:start + _MATCH_CHUNK]
        for pid, category in ws.conn.execute(
                "SELECT person_id, category FROM person_categories WHERE revoked_at IS NULL "
                f"AND person_id IN ({','.join('?' * len(chunk))})", chunk):
            held[pid].add(category)
    return held


def _confirm(report: ImportReport, accept_moves: bool,
             expected_moves: Mapping[str, Any] | None) -> None:
    """Refuse an import that moves or renames people unless the caller accepted them — and,
    when it says which ones it checked (``expected_moves``), exactly those."""
    if not (report.moves or report.renames):
        return
    if not accept_moves:
        raise MovesNotConfirmed(
            f"花名册中有 {len(report.moves)} 人迁户、{len(report.renames)} 人改名，须核对确认"
            "后才能导入；未写入任何数据", report.moves, report.renames)
    if expected_moves is not None and (
            list(expected_moves.get("moves", [])) != report.moves
            or list(expected_moves.get("renames", [])) != report.renames):
        raise Refused("文件中的迁户或改名与检查时不同（文件在检查后被修改过？）：请重新检查后再导入；"
                      "未写入任何数据")


@any_role
def import_roster(ws: Workspace, path: Path, *, dry_run: bool = False,
                  accept_moves: bool = False, expected_moves: Mapping[str, Any] | None = None,
                  progress: Callable[[int], None] | None = None) -> ImportReport:
    """Check every row, then apply the accepted ones all-or-nothing (unless ``dry_run``).

    Moves (迁户) and renames (改名) are applied only with ``accept_moves``; otherwise the import
    raises ``MovesNotConfirmed`` and writes nothing. ``expected_moves`` (the ``moves`` and
    ``renames`` of the dry run the clerk confirmed) additionally refuses a file whose moves
    or renames changed since that check."""
    with bulk_allocations():
        table = read_table(Path(path), progress=progress)
        with bulk_cache(ws.conn):
            return _import_table(ws, table, Path(path).name, dry_run=dry_run,
                                 accept_moves=accept_moves, expected_moves=expected_moves)


def _import_table(ws: Workspace, table: Table, file: str, *, dry_run: bool, accept_moves: bool,
                  expected_moves: Mapping[str, Any] | None) -> ImportReport:
    report = ImportReport(dry_run=dry_run, header_row=table.header_row,
                          warnings=list(table.warnings))
    try:
        campaign: Campaign | None = active_campaign(ws)
    except YibaoError:
        campaign = None
    known = {s.category for s in campaign.policy.subsidies} if campaign else set()
    people = _validate(ws, table, report, known, campaign)
    households, persons, updates, grants = _plan(ws, people, report,
                                                 categories_allowed=has_role(ws, "township"))
    report.households = len(households)
    report.persons = len(persons)
    report.updated = len(updates)
    report.changes = [{"row": u["row"], "id_masked": u["id_masked"], "changes": u["changes"]}
                      for u in updates]
    if dry_run or not (households or persons or updates or grants):
        return report
    _confirm(report, accept_moves, expected_moves)
    now = iso(utc_now())
    with tx(ws.conn):
        with _bulk_load(ws, len(persons)):
            insert_households(ws, households, now)
            insert_persons(ws, persons, now)
        # initials too: a renamed person is found by the new name's pinyin, not the old
        ws.conn.executemany(
            "UPDATE persons SET name = ?, initials = ?, relation = ?, residence = ?, "
            "ethnicity = ?, phone = ?, note = ?, status = ?, household_id = ?, "
            "updated_at = ? WHERE id = ?",
            [(v["name"], name_initials(v["name"]), v["relation"], v["residence"],
              v["ethnicity"], v["phone"], v["note"], v["status"], update["household_id"], now,
              update["person_id"]) for update in updates for v in (update["values"],)])
        ws.conn.executemany(
            "INSERT INTO person_categories (id, person_id, category, source, valid_from, "
            "valid_to, certified_by, created_at) VALUES (?,?,?,?,NULL,NULL,?,?)",
            [(new_id(), pid, category, f"导入：{file}", ws.user, now)
             for pid, category in grants])
        _journal_import(ws, file, households, persons, updates, grants,
                        len(report.rejected))
    return report


# An import adding at least this many persons, and no fewer than the roster holds, builds the
# roster's indexes after its inserts instead of walking them row by row.
_BULK_LOAD_PERSONS = 5000


def _bulk_load(ws: Workspace, adding: int) -> AbstractContextManager[None]:
    """Where the import's inserts of ``adding`` persons go: straight into the indexes, or,
    for a large load into a small roster, with the indexes built afterwards."""
    if adding < _BULK_LOAD_PERSONS:
        return nullcontext()
    (held,) = ws.conn.execute("SELECT count(*) FROM persons").fetchone()
    if adding < held:
        return nullcontext()
    return indexes_built_after(ws.conn, ("households", "persons"))


# Persons per `roster.imported` event: a township-sized import in one event would be tens of
# megabytes, larger than a sync request may be (sync/protocol.py MAX_REQUEST_BYTES).
JOURNAL_CHUNK = 1000


def _journal_import(ws: Workspace, file: str, households: list[dict], persons: list[dict],
                    updates: list[dict], grants: list[tuple], rejected: int) -> None:
    """Journal the import inside its transaction: one event per chunk of persons, each with
    the households those persons belong to, so every event stands on its own."""
    slim_updates = [{k: u[k] for k in ("person_id", "household_id", "changes")}
                    for u in updates]
    cats = [{"person_id": p, "category": c} for p, c in grants]
    household_by_id = {h["household_id"]: h for h in households}
    chunks = [persons[i:i + JOURNAL_CHUNK] for i in range(0, len(persons), JOURNAL_CHUNK)]
    chunks = chunks or [[]]
    placed: set[str] = set()
    for part, chunk in enumerate(chunks, 1):
        ids = {p["household_id"] for p in chunk} - placed
        placed |= ids
        own = [household_by_id[h] for h in sorted(ids) if h in household_by_id]
        if part == len(chunks):  # households without new persons (only updated members)
            own += [h for h in households if h["household_id"] not in placed]
        last = part == len(chunks)
        ws.record("roster.imported", {
            "file": file, "part": part, "parts": len(chunks), "households": own,
            "persons": chunk, "updates": slim_updates if last else [],
            "categories": cats if last else [], "rejected": rejected if last else 0},
            plain=True)  # text, integers and None only: the cells are text, sex an integer
