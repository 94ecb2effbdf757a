"""The roster (花名册): households and persons, categories, search.

Roster rows are projections that may change (a phone number, a status); every change is
journaled in the same transaction. Categories (资助类别) come from authoritative lists: only
the township role may grant or revoke them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from app.domain.errors import NotFound, Refused, ValidationError
from app.domain.idcard import mask_id_number, parse_id_number, sex_and_birth_agree
from app.domain.pinyin import name_initials
from app.domain.roster import (
    ID_BIRTH_CERTIFICATE,
    ID_RESIDENT,
    ID_TYPES,
    STATUSES,
    parse_id_type,
    parse_relation,
)
from app.domain.text import clean_text
from app.services.base.common import business_date, iso, new_id, utc_now
from app.services.base.roles import any_role, require_role, requires_role
from app.services.base.workspace import Workspace
from app.services.village.campaigns import active_campaign
from db.connection import IntegrityError, tx

# Names repeat (a township has thousands of 张伟): an import or a roster pull converts each
# distinct name to pinyin once, not once per person (bench/, docs/PERFORMANCE.md).
_initials = lru_cache(maxsize=32768)(name_initials)

PERSON_COLUMNS = (
    "id, household_id, name, id_type, id_number, sex, birth_date, ethnicity, relation, "
    "residence, status, phone, note"
)


def _clean(text: str | None) -> str:
    return clean_text(text)


def check_name(name: str) -> str:
    name = _clean(name)
    if not name:
        raise ValidationError("姓名不能为空")
    if len(name) > 40:
        raise ValidationError("姓名过长")
    return name


def _household_row(ws: Workspace, household_no: str) -> tuple:
    row = ws.conn.execute(
        "SELECT id, household_no, head_name, grp, village, address, phone FROM households "
        "WHERE household_no = ?", (_clean(household_no),)).fetchone()
    if row is None:
        raise NotFound(f"找不到户号 {household_no}")
    return row


@requires_role("collector", "登记户")
def add_household(ws: Workspace, *, household_no: str, head_name: str, group: str = "",
                  address: str = "", phone: str = "", village: str | None = None) -> dict:
    """Register a household (户); its head is added as a person with add_person."""
    no = _clean(household_no)
    if not re.fullmatch(r"[0-9A-Za-z-]{1,30}", no):
        raise ValidationError(f"户号“{household_no}”无效：只能包含数字、字母和连字符")
    head = check_name(head_name)
    now = iso(utc_now())
    hid = new_id()
    values = {"household_no": no, "head_name": head, "group": _clean(group),
              "address": _clean(address), "phone": _clean(phone),
              "village": _clean(village) if village is not None else (ws.meta("village") or "")}
    with tx(ws.conn):
        if ws.conn.execute("SELECT 1 FROM households WHERE household_no = ?", (no,)).fetchone():
            raise Refused(f"户号 {no} 已存在")
        insert_household(ws, hid, values, now)
        ws.record("household.added", {"household_id": hid, **values})
    return {"household_id": hid, **values}


_INSERT_HOUSEHOLD = (
    "INSERT INTO households (id, household_no, village, grp, address, phone, head_name, "
    "head_initials, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)")


def _household_params(household_id: str, values: dict[str, str], now: str) -> tuple:
    return (household_id, values["household_no"], values["village"], values["group"],
            values["address"], values["phone"], values["head_name"],
            _initials(values["head_name"]), now, now)


@any_role
def insert_household(ws: Workspace, household_id: str, values: dict[str, str], now: str) -> None:
    """The row only: the caller validates, holds the transaction and journals."""
    ws.conn.execute(_INSERT_HOUSEHOLD, _household_params(household_id, values, now))


@any_role
def insert_households(ws: Workspace, rows: list[dict[str, str]], now: str) -> None:
    """:func:`insert_household` of many ``household.added``-shaped rows in one statement."""
    ws.conn.executemany(_INSERT_HOUSEHOLD,
                        [_household_params(r["household_id"], r, now) for r in rows])


@requires_role("collector", "修改户信息")
def update_household(ws: Workspace, household_no: str, *, head_name: str | None = None,
                     group: str | None = None, address: str | None = None,
                     phone: str | None = None) -> dict:
    hid = _household_row(ws, household_no)[0]
    changes: dict[str, str] = {}
    if head_name is not None:
        changes["head_name"] = check_name(head_name)
    for key, value in (("grp", group), ("address", address), ("phone", phone)):
        if value is not None:
            changes[key] = _clean(value)
    if not changes:
        return {"household_id": hid, "changed": {}}
    with tx(ws.conn):
        sets = ", ".join(f"{k} = ?" for k in changes)
        params = list(changes.values())
        if "head_name" in changes:
            sets += ", head_initials = ?"
            params.append(_initials(changes["head_name"]))
        ws.conn.execute(f"UPDATE households SET {sets}, updated_at = ? WHERE id = ?",
                        (*params, iso(utc_now()), hid))
        # The journal speaks the household.added vocabulary ("group"), not column names.
        ws.record("household.updated", {"household_id": hid, "changes": {
            ("group" if k == "grp" else k): v for k, v in changes.items()}})
    return {"household_id": hid, "changed": changes}


@dataclass(frozen=True)
class CertificateCheck:
    id_type: str
    id_number: str
    sex: int | None
    birth_date: str | None


def check_certificate(id_type: str, id_number: str, *, sex: int | None = None,
                      birth_date: date | None = None) -> CertificateCheck:
    """Validate a certificate and derive sex/birth date from a resident ID (GB 11643)."""
    id_type = parse_id_type(id_type)
    number = _clean(id_number).upper()
    if not number:
        raise ValidationError("证件号码不能为空")
    if id_type == ID_RESIDENT:
        parsed = parse_id_number(number)
        problems = sex_and_birth_agree(parsed, sex, birth_date)
        if problems:
            raise ValidationError("；".join(problems))
        return CertificateCheck(id_type, parsed.number, parsed.sex, parsed.birth_date.isoformat())
    if not re.fullmatch(r"[0-9A-Z-]{4,30}", number):
        raise ValidationError(f"{ID_TYPES[id_type]}号码“{id_number}”格式不正确")
    if id_type == ID_BIRTH_CERTIFICATE and birth_date is None:
        raise ValidationError("用出生医学证明登记新生儿时必须填写出生日期")
    return CertificateCheck(id_type, number, sex, birth_date.isoformat() if birth_date else None)


def _active_holder(ws: Workspace, id_type: str, id_number: str,
                   exclude_person: str | None = None) -> tuple | None:
    return ws.conn.execute(
        "SELECT p.id, p.name, h.household_no FROM persons p JOIN households h "
        "ON h.id = p.household_id WHERE p.id_type = ? AND p.id_number = ? "
        "AND p.status = 'active' AND p.id != ?",
        (id_type, id_number, exclude_person or "")).fetchone()


def _refuse_duplicate(holder: tuple, id_number: str) -> None:
    raise Refused(f"证件号码 {mask_id_number(id_number)} 已登记在户 {holder[2]}（{holder[1]}），"
                  "同一证件不能重复登记")


@any_role
def add_person(ws: Workspace, *, household_no: str, name: str, id_number: str,
               id_type: str = ID_RESIDENT, relation: str = "99", residence: str = "local",
               sex: int | None = None, birth_date: date | None = None, ethnicity: str = "",
               phone: str = "", note: str = "", categories: tuple[str, ...] = (),
               category_source: str = "") -> dict:
    """Add a member to a household; categories only when the user is the township."""
    name = check_name(name)
    cert = check_certificate(id_type, id_number, sex=sex, birth_date=birth_date)
    relation_code = parse_relation(relation)
    if residence not in ("local", "nonlocal"):
        raise ValidationError("户籍性质应为 local（本地）或 nonlocal（外地）")
    if categories:
        require_role(ws, "township", "认定资助类别")
    hid = _household_row(ws, household_no)[0]
    pid = new_id()
    now = iso(utc_now())
    record = {"person_id": pid, "household_id": hid, "household_no": _clean(household_no),
              "name": name, "id_type": cert.id_type, "id_number": cert.id_number,
              "sex": cert.sex, "birth_date": cert.birth_date, "relation": relation_code,
              "residence": residence, "ethnicity": _clean(ethnicity), "phone": _clean(phone),
              "note": _clean(note)}
    with tx(ws.conn):
        holder = _active_holder(ws, cert.id_type, cert.id_number)
        if holder:
            _refuse_duplicate(holder, cert.id_number)
        try:
            insert_person(ws, record, now)
        except IntegrityError as exc:  # a concurrent insert of the same certificate
            raise Refused("同一证件不能重复登记") from exc
        ws.record("person.added", record)
        granted = [_record_category(ws, pid, c, source=category_source, certified_by=ws.user)
                   for c in categories]
    return {**record, "categories": granted}


_INSERT_PERSON = (f"INSERT INTO persons ({PERSON_COLUMNS}, initials, id_rev, created_at, "
                  "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")


def _person_params(record: dict[str, Any], now: str) -> tuple:
    return (record["person_id"], record["household_id"], record["name"], record["id_type"],
            record["id_number"], record["sex"], record["birth_date"], record["ethnicity"],
            record["relation"], record["residence"], record.get("status") or "active",
            record["phone"], record["note"],
            _initials(record["name"]), record["id_number"][::-1], now, now)


@any_role
def insert_person(ws: Workspace, record: dict[str, Any], now: str) -> None:
    """The row only, from a validated ``add_person``-shaped record; the caller journals."""
    ws.conn.execute(_INSERT_PERSON, _person_params(record, now))


@any_role
def insert_persons(ws: Workspace, records: list[dict[str, Any]], now: str) -> None:
    """:func:`insert_person` of many records in one statement."""
    ws.conn.executemany(_INSERT_PERSON, [_person_params(r, now) for r in records])


def _person(ws: Workspace, ref: str) -> tuple:
    """A person by uuid or by certificate number (active one preferred)."""
    ref = _clean(ref)
    row = ws.conn.execute(f"SELECT {PERSON_COLUMNS} FROM persons WHERE id = ?", (ref,)).fetchone()
    if row is None:
        row = ws.conn.execute(
            f"SELECT {PERSON_COLUMNS} FROM persons WHERE id_number = ? "
            "ORDER BY status = 'active' DESC, updated_at DESC LIMIT 1", (ref.upper(),)).fetchone()
    if row is None:
        raise NotFound(f"找不到人员 {mask_id_number(ref) if len(ref) == 18 else ref}")
    return row


@requires_role("collector", "修改人员信息")
def update_person(ws: Workspace, person: str, *, name: str | None = None,
                  relation: str | None = None, residence: str | None = None,
                  ethnicity: str | None = None, phone: str | None = None,
                  note: str | None = None) -> dict:
    row = _person(ws, person)
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = check_name(name)
        changes["initials"] = _initials(changes["name"])
    if relation is not None:
        changes["relation"] = parse_relation(relation)
    if residence is not None:
        if residence not in ("local", "nonlocal"):
            raise ValidationError("户籍性质应为 local（本地）或 nonlocal（外地）")
        changes["residence"] = residence
    for key, value in (("ethnicity", ethnicity), ("phone", phone), ("note", note)):
        if value is not None:
            changes[key] = _clean(value)
    if not changes:
        return {"person_id": row[0], "changed": {}}
    with tx(ws.conn):
        sets = ", ".join(f"{k} = ?" for k in changes)
        ws.conn.execute(f"UPDATE persons SET {sets}, updated_at = ? WHERE id = ?",
                        (*changes.values(), iso(utc_now()), row[0]))
        ws.record("person.updated", {"person_id": row[0], "changes": changes})
    return {"person_id": row[0], "changed": changes}


@requires_role("collector", "补录身份证号码")
def assign_id_number(ws: Workspace, person: str, id_number: str) -> dict:
    """A newborn registered with a birth certificate gets its ID number later (补录身份证)."""
    row = _person(ws, person)
    birth = date.fromisoformat(row[6]) if row[6] else None
    cert = check_certificate(ID_RESIDENT, id_number, sex=row[5], birth_date=birth)
    with tx(ws.conn):
        holder = _active_holder(ws, ID_RESIDENT, cert.id_number, exclude_person=row[0])
        if holder:
            _refuse_duplicate(holder, cert.id_number)
        ws.conn.execute(
            "UPDATE persons SET id_type = ?, id_number = ?, id_rev = ?, sex = ?, birth_date = ?, "
            "updated_at = ? WHERE id = ?",
            (ID_RESIDENT, cert.id_number, cert.id_number[::-1], cert.sex, cert.birth_date,
             iso(utc_now()), row[0]))
        ws.record("person.id_assigned", {"person_id": row[0], "previous_type": row[3],
                                         "previous_number": row[4], "id_number": cert.id_number})
    return {"person_id": row[0], "id_number": cert.id_number}


@requires_role("collector", "变更人员状态")
def set_person_status(ws: Workspace, person: str, status: str, *, note: str = "") -> dict:
    """Mark deceased / moved out / employee-insured (or active again)."""
    if status not in STATUSES:
        raise ValidationError(f"状态应为：{'、'.join(STATUSES)}")
    row = _person(ws, person)
    with tx(ws.conn):
        if status == "active":
            holder = _active_holder(ws, row[3], row[4], exclude_person=row[0])
            if holder:
                _refuse_duplicate(holder, row[4])
        ws.conn.execute("UPDATE persons SET status = ?, updated_at = ? WHERE id = ?",
                        (status, iso(utc_now()), row[0]))
        ws.record("person.status_changed", {"person_id": row[0], "from": row[10], "to": status,
                                            "note": _clean(note)})
    return {"person_id": row[0], "status": status}


@requires_role("collector", "迁户")
def move_person(ws: Workspace, person: str, to_household_no: str) -> dict:
    row = _person(ws, person)
    target = _household_row(ws, to_household_no)
    if target[0] == row[1]:
        raise Refused("此人已在该户")
    with tx(ws.conn):
        ws.conn.execute("UPDATE persons SET household_id = ?, updated_at = ? WHERE id = ?",
                        (target[0], iso(utc_now()), row[0]))
        ws.record("person.moved", {"person_id": row[0], "from_household_id": row[1],
                                   "to_household_id": target[0]})
    return {"person_id": row[0], "household_no": target[1]}


@requires_role("collector", "接收资助类别认定")
def record_certified_category(ws: Workspace, person_id: str, category: str, *, source: str,
                              certified_by: str, valid_from: date | None = None,
                              valid_to: date | None = None) -> dict:
    """Keep on the village's roster a subsidy category certified elsewhere: by the county's
    lists or the township, as their signed feeds bring it (``certified_by`` is who that was,
    never the collector who receives it). The caller holds the transaction and has checked
    the source; a township user certifies with ``grant_category`` instead."""
    return _record_category(ws, person_id, category, source=source, certified_by=certified_by,
                            valid_from=valid_from, valid_to=valid_to)


def _record_category(ws: Workspace, person_id: str, category: str, *, source: str,
                     certified_by: str, valid_from: date | None = None,
                     valid_to: date | None = None) -> dict:
    """The row and its journal event, for a caller whose role or source was checked."""
    category = _clean(category)
    policy = active_campaign(ws).policy
    if policy.subsidy_for(category) is None:
        known = "、".join(s.category for s in policy.subsidies)
        raise ValidationError(f"政策中没有资助类别“{category}”（可用：{known}）")
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError("资助类别的有效期结束日早于开始日")
    cid = new_id()
    ws.conn.execute(
        "INSERT INTO person_categories (id, person_id, category, source, valid_from, valid_to, "
        "certified_by, created_at) VALUES (?,?,?,?,?,?,?,?)",
        (cid, person_id, category, _clean(source),
         valid_from.isoformat() if valid_from else None,
         valid_to.isoformat() if valid_to else None, certified_by, iso(utc_now())))
    granted = {"category_id": cid, "person_id": person_id, "category": category,
               "source": _clean(source), "valid_from": valid_from.isoformat() if valid_from else None,
               "valid_to": valid_to.isoformat() if valid_to else None,
               "certified_by": certified_by}
    ws.record("category.granted", granted)
    return granted


@requires_role("township", "认定资助类别")
def grant_category(ws: Workspace, person: str, category: str, *, source: str = "",
                   valid_from: date | None = None, valid_to: date | None = None) -> dict:
    """Certify a subsidy category for a person (township only: 资助对象认定)."""
    row = _person(ws, person)
    with tx(ws.conn):
        return _record_category(ws, row[0], category, source=source, certified_by=ws.user,
                                valid_from=valid_from, valid_to=valid_to)


@requires_role("township", "撤销资助类别")
def revoke_category(ws: Workspace, person: str, category: str) -> dict:
    row = _person(ws, person)
    with tx(ws.conn):
        cur = ws.conn.execute(
            "UPDATE person_categories SET revoked_at = ? WHERE person_id = ? AND category = ? "
            "AND revoked_at IS NULL", (iso(utc_now()), row[0], _clean(category)))
        if cur.rowcount == 0:
            raise NotFound(f"此人没有资助类别“{category}”")
        ws.record("category.revoked", {"person_id": row[0], "category": _clean(category)})
    return {"person_id": row[0], "category": category, "revoked": True}


@any_role
def person_categories(ws: Workspace, person_id: str) -> list[dict]:
    return [
        {"category": c, "source": s, "valid_from": f, "valid_to": t}
        for c, s, f, t in ws.conn.execute(
            "SELECT category, source, valid_from, valid_to FROM person_categories "
            "WHERE person_id = ? AND revoked_at IS NULL ORDER BY created_at", (person_id,))
    ]


# ---- search ---------------------------------------------------------------------------------

_HIGH = "\U0010ffff"


def _prefix(column: str) -> str:
    # A range on the indexed column instead of LIKE, which cannot use the index (DESIGN §7).
    return f"{column} >= ? AND {column} < ?"


@any_role
def find_households(ws: Workspace, query: str, *, limit: int = 30) -> list[dict]:
    """Search as the clerk types: name prefix, pinyin initials, ID number (full, prefix or
    last 4–6 characters), household number. Every branch is an index range, never a scan."""
    q = _clean(query)
    if not q:
        return []
    conn = ws.conn
    matches: dict[str, str] = {}  # household_id → what matched
    def add(rows: list[tuple], why: str) -> None:
        for hid, detail in rows:
            matches.setdefault(hid, f"{why}{detail}")

    if q.isascii() and q.isalpha():
        low = q.lower()
        add(conn.execute(f"SELECT household_id, name FROM persons WHERE {_prefix('initials')} "
                         "LIMIT ?", (low, low + _HIGH, limit)).fetchall(), "")
    elif re.fullmatch(r"[0-9]+[0-9Xx]?", q):
        up = q.upper()
        if len(up) == 18:
            add(conn.execute("SELECT household_id, name FROM persons WHERE id_number = ?",
                             (up,)).fetchall(), "")
        if 4 <= len(up) <= 6:
            rev = up[::-1]
            add(conn.execute(f"SELECT household_id, name FROM persons WHERE {_prefix('id_rev')} "
                             "LIMIT ?", (rev, rev + _HIGH, limit)).fetchall(), "")
        add(conn.execute(f"SELECT id, '' FROM households WHERE {_prefix('household_no')} "
                         "LIMIT ?", (up, up + _HIGH, limit)).fetchall(), "")
        if len(up) >= 7 and len(up) < 18:
            add(conn.execute(f"SELECT household_id, name FROM persons WHERE "
                             f"{_prefix('id_number')} LIMIT ?",
                             (up, up + _HIGH, limit)).fetchall(), "")
    else:
        add(conn.execute(f"SELECT household_id, name FROM persons WHERE {_prefix('name')} "
                         "LIMIT ?", (q, q + _HIGH, limit)).fetchall(), "")
        add(conn.execute(f"SELECT id, '' FROM households WHERE {_prefix('head_name')} LIMIT ?",
                         (q, q + _HIGH, limit)).fetchall(), "")
    if not matches:
        return []
    ids = list(matches)[:limit]
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT h.id, h.household_no, h.head_name, h.grp, h.phone, "
        f"(SELECT count(*) FROM persons p WHERE p.household_id = h.id AND p.status = 'active') "
        f"FROM households h WHERE h.id IN ({marks})", ids).fetchall()
    by_id = {r[0]: r for r in rows}
    return [
        {"household_id": hid, "household_no": by_id[hid][1], "head_name": by_id[hid][2],
         "group": by_id[hid][3], "phone": by_id[hid][4], "members": by_id[hid][5],
         "matched": matches[hid]}
        for hid in ids if hid in by_id
    ]


@any_role
def household_members(ws: Workspace, household_id: str) -> list[dict]:
    rows = ws.conn.execute(
        f"SELECT {PERSON_COLUMNS} FROM persons WHERE household_id = ? "
        "ORDER BY relation, birth_date", (household_id,)).fetchall()
    return [
        {"person_id": r[0], "name": r[2], "id_type": r[3], "id_number": r[4], "sex": r[5],
         "birth_date": r[6], "ethnicity": r[7], "relation": r[8], "residence": r[9],
         "status": r[10], "phone": r[11], "note": r[12],
         "categories": person_categories(ws, r[0])}
        for r in rows
    ]


@any_role
def household_by_no(ws: Workspace, household_no: str) -> dict:
    row = _household_row(ws, household_no)
    return {"household_id": row[0], "household_no": row[1], "head_name": row[2],
            "group": row[3], "village": row[4], "address": row[5], "phone": row[6]}


def today_business_date() -> date:
    return business_date(utc_now())
