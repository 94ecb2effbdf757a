"""The county's roster households as a pull brings them, applied a run of items at a time.

A pull page holds up to hundreds of households. Applied one service call per household and
person, each with its savepoint and journal event, a 60,000-person roster was half a million
statements and 80,000 events to push back. Here a run of household items is checked in
Python against what the roster holds (looked up a chunk of numbers per query), written with
``executemany`` and journaled as one ``roster.imported`` event — the spreadsheet import's
shape, which the township's roster view and the county's reading of device rosters already
know (``app.domain.ledger_views``, ``server.people``). The rules are those of the single
actions (``roster.add_household``, ``add_person``, ``update_person``, ``move_person``,
``set_person_status``, ``record_certified_category``); an item or a member they refuse is
reported as skipped and the rest applied, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.domain.errors import Refused, ValidationError, YibaoError
from app.domain.idcard import mask_id_number
from app.domain.pinyin import name_initials
from app.domain.policy import Policy
from app.domain.roster import parse_relation
from app.domain.text import clean_text
from app.services.base.common import iso, new_id, utc_now
from app.services.base.roles import requires_role
from app.services.base.workspace import Workspace
from app.services.village import county_lists
from app.services.village.campaigns import active_campaign
from app.services.village.roster import (
    check_certificate,
    check_name,
    insert_households,
    insert_persons,
)
from db.connection import IntegrityError
from sync.protocol import CategoryData, HouseholdData, PersonData

SOURCE = "县医保同步"
_CHUNK = 500  # numbers per IN (…) lookup, far under SQLite's variable limit
_PERSON_FIELDS = ("name", "relation", "residence", "ethnicity", "phone")
_HOUSEHOLD_NO = re.compile(r"[0-9A-Za-z-]{1,30}")


@dataclass
class _Held:
    """A person as the roster holds it (or as this run has left it)."""

    person_id: str
    household_id: str
    household_no: str
    values: dict[str, Any]  # _PERSON_FIELDS
    status: str


@dataclass
class RosterRun:
    """What one run of household items did: items that changed something, and every
    refusal as the pull reports it."""

    applied: int = 0
    skipped: list[str] = field(default_factory=list)
    households: list[dict[str, Any]] = field(default_factory=list)
    persons: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(default_factory=list)
    employee: list[dict[str, Any]] = field(default_factory=list)
    household_updates: list[tuple[str, dict[str, str]]] = field(default_factory=list)


def parse_day(text: str | None) -> date | None:
    """A date as a feed item writes it (ISO), or None; anything else refused by name."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"日期格式不正确：{text}") from None


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[i:i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def _held_households(ws: Workspace, numbers: list[str]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for chunk in _chunks(sorted(set(numbers))):
        for hid, no, head, grp, address, phone in ws.conn.execute(
                "SELECT id, household_no, head_name, grp, address, phone FROM households "
                f"WHERE household_no IN ({','.join('?' * len(chunk))})", chunk):
            found[no] = {"household_id": hid, "head_name": head, "group": grp,
                         "address": address, "phone": phone}
    return found


def _held_persons(ws: Workspace, numbers: list[str]) -> dict[tuple[str, str], _Held]:
    """The stored person of each certificate: the active holder if any, else the latest."""
    found: dict[tuple[str, str], _Held] = {}
    for chunk in _chunks(sorted(set(numbers))):
        for row in ws.conn.execute(
                "SELECT p.id_type, p.id_number, p.id, p.household_id, h.household_no, p.name, "
                "p.relation, p.residence, p.ethnicity, p.phone, p.status FROM persons p "
                "JOIN households h ON h.id = p.household_id "
                f"WHERE p.id_number IN ({','.join('?' * len(chunk))}) "
                "ORDER BY p.status = 'active' DESC, p.updated_at DESC", chunk):
            found.setdefault((row[0], row[1]), _Held(
                row[2], row[3], row[4], dict(zip(_PERSON_FIELDS, row[5:10], strict=True)),
                row[10]))
    return found


def _held_categories(ws: Workspace, person_ids: list[str]) -> dict[str, set[str]]:
    held: dict[str, set[str]] = {}
    for chunk in _chunks(sorted(set(person_ids))):
        for pid, category in ws.conn.execute(
                "SELECT person_id, category FROM person_categories WHERE revoked_at IS NULL "
                f"AND person_id IN ({','.join('?' * len(chunk))})", chunk):
            held.setdefault(pid, set()).add(category)
    return held


class _Plan:
    """One run worked out in memory, in item order, before anything is written."""

    def __init__(self, ws: Workspace, items: list[tuple[int, HouseholdData]]) -> None:
        self.ws = ws
        self.run = RosterRun()
        self.now = iso(utc_now())
        self.village = ws.meta("village") or ""
        # Looked up as the rows will be keyed: cleaned as the checks below clean them.
        self.households = _held_households(ws, [clean_text(d.household_no) for _, d in items])
        self.persons = _held_persons(ws, [clean_text(p.id_number).upper()
                                          for _, d in items for p in d.persons])
        self.categories = _held_categories(ws, [h.person_id for h in self.persons.values()])
        try:
            self.policy: Policy | None = active_campaign(ws).policy
            self.no_policy = ""
        except Refused as exc:
            self.policy, self.no_policy = None, exc.message

    def household(self, seq: int, data: HouseholdData) -> None:
        try:
            hid, changed = self._household_row(data)
        except YibaoError as exc:
            self.run.skipped.append(f"第 {seq} 条（household）：{exc.message}")
            return
        for person in data.persons:
            try:
                changed = self._person(hid, clean_text(data.household_no), person) or changed
            except YibaoError as exc:
                self.run.skipped.append(f"户 {data.household_no} 成员 "
                                        f"{mask_id_number(person.id_number)}：{exc.message}")
        self.run.applied += changed

    def _household_row(self, data: HouseholdData) -> tuple[str, bool]:
        no = clean_text(data.household_no)
        wanted = {"head_name": check_name(data.head_name), "group": clean_text(data.group),
                  "address": clean_text(data.address), "phone": clean_text(data.phone)}
        held = self.households.get(no)
        if held is None:
            if not _HOUSEHOLD_NO.fullmatch(no):
                raise ValidationError(f"户号“{data.household_no}”无效：只能包含数字、字母和连字符")
            hid = new_id()
            row = {"household_id": hid, "household_no": no, **wanted,
                   "village": clean_text(data.village) if data.village else self.village}
            self.households[no] = {k: v for k, v in row.items() if k != "household_no"}
            self.run.households.append(row)
            return hid, True
        diff = {k: v for k, v in wanted.items() if held[k] != v}
        if diff:
            held.update(diff)
            self.run.household_updates.append((held["household_id"], diff))
        return held["household_id"], bool(diff)

    def _person(self, hid: str, household_no: str, p: PersonData) -> bool:
        cert = check_certificate(p.id_type, p.id_number, sex=p.sex,
                                 birth_date=parse_day(p.birth_date))
        wanted = {"name": check_name(p.name), "relation": parse_relation(p.relation),
                  "residence": p.residence, "ethnicity": clean_text(p.ethnicity),
                  "phone": clean_text(p.phone)}
        key = (cert.id_type, cert.id_number)
        held = self.persons.get(key)
        changed = False
        if held is None:
            pid = new_id()
            record = {"person_id": pid, "household_id": hid, "household_no": household_no,
                      "id_type": cert.id_type, "id_number": cert.id_number, "sex": cert.sex,
                      "birth_date": cert.birth_date, **wanted, "note": "", "status": p.status}
            self.run.persons.append(record)
            self.persons[key] = _Held(pid, hid, household_no, wanted, p.status)
            changed = True
        else:
            pid = held.person_id
            changes: dict[str, Any] = {k: {"from": held.values[k], "to": v}
                                       for k, v in wanted.items() if held.values[k] != v}
            if held.household_id != hid:
                changes["household_no"] = {"from": held.household_no, "to": household_no}
            if p.status != held.status:
                changes["status"] = {"from": held.status, "to": p.status}
            if changes:
                held.values, held.household_id, held.household_no, held.status = (
                    wanted, hid, household_no, p.status)
                self.run.updates.append({"person_id": pid, "household_id": hid,
                                         "changes": changes, "values": dict(wanted),
                                         "status": p.status})
                changed = True
        if p.status == "employee_insured" and cert.id_type == "01":
            # The county's employee-insured list, kept beside the file-imported ones.
            entry = {"kind": "employee", "id_number": cert.id_number, "name": wanted["name"],
                     "benefit_year": None}
            if county_lists.record_synced(self.ws, entry):
                self.run.employee.append({"id_number": cert.id_number})
        return self._categories(pid, cert.id_number, p) or changed

    def _categories(self, pid: str, id_number: str, p: PersonData) -> bool:
        held = self.categories.setdefault(pid, set())
        changed = False
        for cat in p.categories:
            category = clean_text(cat.category)
            if category in held:
                continue
            try:
                self.run.categories.append(self._category(pid, category, cat))
            except YibaoError as exc:
                self.run.skipped.append(f"{mask_id_number(id_number)} 的资助类别“{cat.category}”："
                                        f"{exc.message}")
                continue
            held.add(category)
            changed = True
        return changed

    def _category(self, pid: str, category: str, cat: CategoryData) -> dict[str, Any]:
        """A county-certified category, by ``roster.record_certified_category``'s rules."""
        if self.policy is None:
            raise Refused(self.no_policy)
        if self.policy.subsidy_for(category) is None:
            known = "、".join(s.category for s in self.policy.subsidies)
            raise ValidationError(f"政策中没有资助类别“{category}”（可用：{known}）")
        start, end = parse_day(cat.valid_from), parse_day(cat.valid_to)
        if start and end and end < start:
            raise ValidationError("资助类别的有效期结束日早于开始日")
        return {"category_id": new_id(), "person_id": pid, "category": category,
                "source": clean_text(cat.source or "县医保"),
                "valid_from": start.isoformat() if start else None,
                "valid_to": end.isoformat() if end else None, "certified_by": "县医保"}

    def write(self, cursor_from: int, cursor_to: int) -> None:
        """The rows, then the run's one journal event (the caller holds the transaction)."""
        ws, run, now = self.ws, self.run, self.now
        insert_households(ws, run.households, now)
        for hid, diff in run.household_updates:
            sets = ", ".join(f"{'grp' if k == 'group' else k} = ?" for k in diff)
            extra = [name_initials(diff["head_name"])] if "head_name" in diff else []
            ws.conn.execute(
                f"UPDATE households SET {sets}{', head_initials = ?' if extra else ''}, "
                "updated_at = ? WHERE id = ?", (*diff.values(), *extra, now, hid))
            # Rare (a county correction): the single action's event, which the township's
            # roster view reads for a group's change.
            ws.record("household.updated", {"household_id": hid, "changes": diff})
        insert_persons(ws, run.persons, now)
        ws.conn.executemany(
            "UPDATE persons SET name = ?, initials = ?, relation = ?, residence = ?, "
            "ethnicity = ?, phone = ?, status = ?, household_id = ?, updated_at = ? "
            "WHERE id = ?",
            [(v["name"], name_initials(v["name"]), v["relation"], v["residence"],
              v["ethnicity"], v["phone"], u["status"], u["household_id"], now, u["person_id"])
             for u in run.updates for v in (u["values"],)])
        ws.conn.executemany(
            "INSERT INTO person_categories (id, person_id, category, source, valid_from, "
            "valid_to, certified_by, created_at) VALUES (?,?,?,?,?,?,?,?)",
            [(c["category_id"], c["person_id"], c["category"], c["source"], c["valid_from"],
              c["valid_to"], c["certified_by"], now) for c in run.categories])
        if run.households or run.persons or run.updates or run.categories or run.employee:
            ws.record("roster.imported", {
                "file": "", "via": "sync", "source": SOURCE, "cursor_from": cursor_from,
                "cursor_to": cursor_to, "part": 1, "parts": 1, "households": run.households,
                "persons": run.persons,
                "updates": [{k: u[k] for k in ("person_id", "household_id", "changes")}
                            for u in run.updates],
                "categories": run.categories, "employee_insured": run.employee,
                "rejected": len(run.skipped)},
                # Text, integers and None: the county's household items hold no float.
                plain=True)


@requires_role("collector", "接收县医保花名册")
def apply_households(ws: Workspace, items: list[tuple[int, HouseholdData]], *,
                     cursor_from: int, cursor_to: int) -> RosterRun:
    """Apply a run of the county's household items (feed order) in the caller's transaction,
    with one journal event for all they changed; refusals come back as skipped."""
    plan = _Plan(ws, items)
    for seq, data in items:
        plan.household(seq, data)
    try:
        plan.write(cursor_from, cursor_to)
    except IntegrityError as exc:  # a row the checks above should have caught
        raise Refused("县医保花名册与本机已有的记录冲突（户号或证件重复），这批户未导入") from exc
    return plan.run
