"""County lists (县医保名单): online payments, the employee-insured, duplicate-enrolment
feedback and subsidy lists, by file or by sync, each entry with its source and date.

A list file (.xlsx or .csv in the layout the county publishes) is read with the project's
spreadsheet reader (``app.sheets``, header found among the first rows, the usual spellings
accepted); its kind is told from the header when not given. Every row is checked first; a bad
row is named with its column and skipped, the rest are stored in one transaction with one
journal event (counts and a digest, never a row per person). An entry is keyed by what it says
(kind, certificate number, benefit year, channel, date, amount …), so importing the same file
twice, or receiving by sync what a file already brought, changes nothing.

What the collect view makes of them (``county_marks``): a member already paid online, in
employee insurance or enrolled elsewhere for the campaign's benefit year (年度 = 待遇年度) is
shown so, unchecked, and refused if named, with the list as the source.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from app.domain.errors import Refused, ValidationError, YibaoError
from app.domain.idcard import parse_id_number
from app.domain.money import parse_yuan
from app.services.base.common import business_date, iso, new_id, utc_now
from app.services.base.roles import any_role, require_role
from app.services.base.workspace import Workspace
from app.services.village.campaigns import active_campaign
from app.sheets.columns import COUNTY_LIST
from app.sheets.reader import read_table
from db.connection import tx

KINDS: dict[str, str] = {"online": "线上缴费名单", "employee": "职工医保参保名单",
                         "duplicates": "重复参保反馈", "categories": "资助参保名单"}
FUNDS: tuple[str, ...] = ("医疗救助", "财政", "退役军人", "卫健", "残联")
# The columns each kind cannot do without (employee: 年度 or a validity, checked per row).
REQUIRED: dict[str, tuple[str, ...]] = {
    "online": ("id_number", "name", "year", "channel"),
    "employee": ("id_number", "name"),
    "duplicates": ("id_number", "name", "year"),
    "categories": ("id_number", "name", "category", "fund"),
}
_LABELS = COUNTY_LIST.labels
_CERTIFY = "导入资助参保名单（资助类别只能由财政所认定）"
_YEAR = re.compile(r"((?:19|20|21)[0-9]{2})\s*年?度?")
_DAY = re.compile(r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?|"
                  r"([0-9]{4})([0-9]{2})([0-9]{2})")


@dataclass
class ListRejection:
    row: int
    column: str
    reason: str


@dataclass
class ListImport:
    """What one import did: ``to_dict`` is exactly what ``--json`` prints."""

    kind: str
    rows: int = 0
    new: int = 0
    unchanged: int = 0
    rejected: list[ListRejection] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "rows": self.rows, "new": self.new,
                "unchanged": self.unchanged, "rejected": [asdict(r) for r in self.rejected]}


@dataclass(frozen=True)
class CountyMark:
    """Why a member may not be collected, from a county list: the status text and the source."""

    kind: str
    label: str
    source: str


def detect_kind(columns: Iterable[str]) -> str | None:
    """The kind of list a header names, or None when it cannot be told."""
    have = set(columns)
    if have & {"fund", "category"}:
        return "categories"
    if have & {"channel", "amount", "paid_at"}:
        return "online"
    if have & {"place", "remark"}:
        return "duplicates"
    if have & {"year", "validity", "valid_from", "valid_to", "employer"}:
        return "employee"
    return None


class _NothingNew(Exception):
    pass


def _refused_column(exc: YibaoError) -> str:
    """The column a certification refusal is about (the person's village, the category)."""
    if "村" in exc.message:
        return _LABELS["village"]
    return _LABELS["category"] if "类别" in exc.message else _LABELS["id_number"]


class _Bad(Exception):
    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.column = _LABELS[key]
        self.reason = reason


def _year(text: str) -> int:
    m = _YEAR.fullmatch(text.strip())
    if m is None:
        raise _Bad("year", f"年度应为四位数的待遇年度（如 2027），不是“{text}”")
    return int(m.group(1))


def _day(text: str, key: str) -> str:
    m = _DAY.fullmatch(text.strip()) or _DAY.match(text.strip())
    try:
        parts = [g for g in (m.groups() if m else ()) if g]
        return date(int(parts[0]), int(parts[1]), int(parts[2])).isoformat()
    except (IndexError, ValueError):
        raise _Bad(key, f"无法识别的日期“{text}”，请使用 YYYY-MM-DD 格式") from None


def _validity(text: str) -> tuple[str | None, str | None]:
    """"2026-01-01至2026-12-31" (or ~, —, -, 到) → the two days; one day is the start."""
    found = [m.group(0) for m in _DAY.finditer(text)]
    if not found or len(found) > 2:
        raise _Bad("validity", f"有效期应写成“起始日期至截止日期”，不是“{text}”")
    days = [_day(d, "validity") for d in found]
    return days[0], days[1] if len(days) == 2 else None


def _entry(kind: str, cells: dict[str, str]) -> dict[str, Any]:
    """One row → the entry it stores, or _Bad naming the column."""
    def get(key: str) -> str:
        return (cells.get(key) or "").strip()

    try:
        number = parse_id_number(get("id_number")).number
    except YibaoError as exc:
        raise _Bad("id_number", exc.message) from None
    name = get("name")
    if not name:
        raise _Bad("name", "姓名为空")
    e: dict[str, Any] = {"kind": kind, "id_number": number, "name": name,
                         "benefit_year": _year(get("year")) if get("year") else None,
                         "village": get("village") or None}
    if kind == "online":
        if not get("channel"):
            raise _Bad("channel", "缴费渠道为空")
        e["channel"] = get("channel")
        if get("amount"):
            try:
                e["amount_fen"] = parse_yuan(get("amount"))
            except YibaoError as exc:
                raise _Bad("amount", exc.message) from None
        e["paid_at"] = _day(get("paid_at"), "paid_at") if get("paid_at") else None
    if kind == "duplicates":
        e["place"] = get("place") or None
        e["note"] = get("remark") or None
    if kind in ("employee", "categories"):
        vf, vt = _validity(get("validity")) if get("validity") else (None, None)
        e["valid_from"] = _day(get("valid_from"), "valid_from") if get("valid_from") else vf
        e["valid_to"] = _day(get("valid_to"), "valid_to") if get("valid_to") else vt
        if e["valid_from"] and e["valid_to"] and e["valid_to"] < e["valid_from"]:
            raise _Bad("valid_to" if get("valid_to") else "validity", "有效期截止日早于起始日")
        if kind == "employee" and e["benefit_year"] is None and not (e["valid_from"]
                                                                     or e["valid_to"]):
            raise _Bad("year", "年度和有效期都为空：请写明职工医保的年度或有效期")
    if kind in ("online", "duplicates") and e["benefit_year"] is None:
        raise _Bad("year", "年度为空")
    if kind == "categories":
        if not get("category"):
            raise _Bad("category", "资助类别为空")
        e["category"] = get("category")
        if get("fund") not in FUNDS:
            raise _Bad("fund", f"资金渠道应为{'、'.join(FUNDS)}之一，不是“{get('fund')}”")
        e["fund"] = get("fund")
        e["note"] = get("department") or None
    return e


_KEY_FIELDS = {"online": ("benefit_year", "channel", "paid_at", "amount_fen"),
               "employee": ("benefit_year", "valid_from", "valid_to"),
               "duplicates": ("benefit_year", "place"),
               "categories": ("category", "fund", "valid_from", "valid_to")}


def entry_key(e: dict[str, Any]) -> str:
    """What the entry says, hashed: the same payment or listing from a file or by sync is one
    entry."""
    parts = [e["kind"], e["id_number"], *(str(e.get(f) or "") for f in _KEY_FIELDS[e["kind"]])]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _held(ws: Workspace, keys: list[str]) -> set[str]:
    held: set[str] = set()
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        held.update(k for (k,) in ws.conn.execute(
            f"SELECT key FROM county_list_entries WHERE key IN ({','.join('?' * len(chunk))})",
            chunk))
    return held


@any_role
def campaign_year_of(ws: Workspace, benefit_year: int) -> int:
    row = ws.conn.execute("SELECT campaign_year FROM campaigns WHERE benefit_year = ? "
                          "ORDER BY loaded_at DESC LIMIT 1", (benefit_year,)).fetchone()
    return int(row[0]) if row else benefit_year - 1


@any_role
def benefit_year_of(ws: Workspace, campaign_year: int) -> int:
    row = ws.conn.execute("SELECT benefit_year FROM campaigns WHERE campaign_year = ? "
                          "ORDER BY loaded_at DESC LIMIT 1", (campaign_year,)).fetchone()
    return int(row[0]) if row else campaign_year + 1


_COLUMNS = ("key", "list_id", "kind", "id_number", "name", "benefit_year", "channel",
            "amount_fen", "paid_at", "place", "note", "category", "fund", "valid_from",
            "valid_to", "village", "row_no", "at")


def _insert(ws: Workspace, list_id: str, key: str, e: dict[str, Any], at: str, *,
            external: bool) -> None:
    row = {**e, "key": key, "list_id": list_id, "at": at}
    ws.conn.execute(f"INSERT INTO county_list_entries ({', '.join(_COLUMNS)}) VALUES "
                    f"({', '.join('?' * len(_COLUMNS))})", tuple(row.get(c) for c in _COLUMNS))
    if external and e["kind"] == "online":
        # The ledger's view of payments made elsewhere (collect, listings, exports read it).
        ws.conn.execute(
            "INSERT OR IGNORE INTO external_payments (id, campaign_year, id_number, channel, "
            "paid_at, amount_fen, received_at) VALUES (?,?,?,?,?,?,?)",
            (f"list:{key}", campaign_year_of(ws, e["benefit_year"]), e["id_number"],
             e["channel"], e.get("paid_at") or "", e.get("amount_fen") or 0, at))


def _known_categories(ws: Workspace) -> set[str] | None:
    try:
        return {s.category for s in active_campaign(ws).policy.subsidies}
    except Refused:
        return None


@any_role
def import_county_list(ws: Workspace, path: Path, *, kind: str | None = None,
                       progress: Callable[[int], None] | None = None,
                       certify: Callable[[dict[str, Any]], None] | None = None) -> ListImport:
    """导入县医保名单: read, check every row, store the new entries with one journal event.

    Subsidy lists certify categories, which only the township does (a collector receives
    them by sync); the other kinds are for either role. ``certify`` (the township's) is
    called for each new subsidy entry in the same transaction; an entry it refuses is a
    rejected row and is not stored, so a corrected file certifies it later.
    """
    path = Path(path)
    if kind is not None and kind not in KINDS:
        raise ValidationError(f"名单类型应为 {'、'.join(KINDS)} 之一，不是“{kind}”")
    if kind == "categories":
        require_role(ws, "township", _CERTIFY)
    table = read_table(path, layout=COUNTY_LIST, progress=progress)
    told = kind or detect_kind(table.columns)
    if told is None:
        raise ValidationError(
            "无法从表头判断名单类型：线上缴费名单要有“渠道”“金额”列，职工医保名单要有“年度”"
            "或“有效期”列，重复参保反馈要有“参保地”或“说明”列，资助参保名单要有“类别”"
            "“资金渠道”列。请用 --kind 指定类型")
    if told == "categories":
        require_role(ws, "township", _CERTIFY)
    missing = [_LABELS[k] for k in REQUIRED[told] if k not in table.columns]
    if missing:
        raise ValidationError(f"{KINDS[told]}缺少必需的列：{'、'.join(missing)}"
                              f"（表头在第 {table.header_row} 行）")
    known = _known_categories(ws) if told == "categories" else None
    report = ListImport(told, rows=len(table.rows))
    accepted: dict[str, dict[str, Any]] = {}
    for row in table.rows:
        if row.problems:
            first = row.problems[0]
            report.rejected.append(ListRejection(row.number, first.column, first.reason))
            continue
        try:
            e = _entry(told, row.cells)
            if known is not None and e["category"] not in known:
                raise _Bad("category", f"政策中没有资助类别“{e['category']}”")
        except _Bad as bad:
            report.rejected.append(ListRejection(row.number, bad.column, bad.reason))
            continue
        e["row_no"] = row.number
        accepted.setdefault(entry_key(e), e)
    held = _held(ws, list(accepted))
    new = {k: e for k, e in accepted.items() if k not in held}
    report.unchanged = len(table.rows) - len(report.rejected) - len(new)
    if not new:
        return report  # nothing new: nothing written, not even a journal event
    digest = hashlib.sha256("\n".join(sorted(new)).encode()).hexdigest()
    moment = utc_now()
    at = iso(moment)
    list_id = new_id()
    try:
        with tx(ws.conn):
            ws.conn.execute(
                "INSERT INTO county_lists (id, kind, via, source, digest, received_on, at, "
                "actor) VALUES (?,?,?,?,?,?,?,?)",
                (list_id, told, "file", path.name, digest, business_date(moment).isoformat(),
                 at, ws.user))
            for key, e in new.items():
                if certify is not None and told == "categories":
                    try:
                        with tx(ws.conn):
                            certify(e)
                    except YibaoError as exc:
                        report.rejected.append(ListRejection(e["row_no"], _refused_column(exc),
                                                             exc.message))
                        continue
                _insert(ws, list_id, key, e, at, external=True)
                report.new += 1
            if not report.new:
                raise _NothingNew  # every new row refused: the list is not kept either
            ws.record("county_list.imported", {
                "list_id": list_id, "kind": told, "via": "file", "source": path.name,
                "rows": report.rows, "new": report.new, "unchanged": report.unchanged,
                "rejected": len(report.rejected), "digest": digest})
    except _NothingNew:
        pass
    report.rejected.sort(key=lambda r: r.row)
    return report


@any_role
def record_synced(ws: Workspace, entry: dict[str, Any]) -> bool:
    """Keep what sync brought (an external payment, a conflict, an employee-insured person)
    as a county-list entry with source "sync"; the caller holds the transaction and journals
    the item. False when the entry is held already (from a file or an earlier sync)."""
    key = entry_key(entry)
    if _held(ws, [key]):
        return False
    moment = utc_now()
    day = business_date(moment).isoformat()
    list_id = f"sync-{entry['kind']}-{day}"
    ws.conn.execute(
        "INSERT OR IGNORE INTO county_lists (id, kind, via, source, digest, received_on, at, "
        "actor) VALUES (?,?,?,?,?,?,?,?)",
        (list_id, entry["kind"], "sync", "sync", "", day, iso(moment), ws.user or ""))
    # Sync's own appliers keep external_payments (the feed item's id); only the list here.
    _insert(ws, list_id, key, {"name": "", **entry}, iso(moment), external=False)
    return True


def _source(kind: str, via: str, source: str, day: str) -> str:
    if via == "sync":
        return f"县医保同步，{day}"
    return f"{KINDS[kind]}“{source}”，{day}导入"


@any_role
def county_marks(ws: Workspace, id_numbers: Iterable[str],
                 benefit_year: int) -> dict[str, CountyMark]:
    """Per certificate number, the county list that says the person needs no collecting for
    ``benefit_year``: paid online, employee-insured, or enrolled elsewhere (first found in that
    order)."""
    numbers = sorted({n for n in id_numbers if n})
    if not numbers:
        return {}
    first, last = f"{benefit_year}-01-01", f"{benefit_year}-12-31"
    rows = ws.conn.execute(
        "SELECT e.id_number, e.kind, e.channel, e.paid_at, e.place, l.via, l.source, "
        "l.received_on FROM county_list_entries e JOIN county_lists l ON l.id = e.list_id "
        f"WHERE e.id_number IN ({','.join('?' * len(numbers))}) "
        "AND e.kind IN ('online', 'employee', 'duplicates') "
        # The county's employee-insured persons by sync are the roster status it sets (and
        # clears again): the status decides, not the entry kept beside it.
        "AND NOT (l.via = 'sync' AND e.kind = 'employee' AND e.benefit_year IS NULL) "
        "AND (e.benefit_year = ? OR "
        "(e.benefit_year IS NULL AND (e.valid_from IS NULL OR e.valid_from <= ?) "
        "AND (e.valid_to IS NULL OR e.valid_to >= ?))) ORDER BY e.at",
        (*numbers, benefit_year, last, first)).fetchall()
    order = {"online": 0, "employee": 1, "duplicates": 2}
    out: dict[str, CountyMark] = {}
    for number, kind, channel, paid_at, place, via, source, day in rows:
        held = out.get(number)
        if held is not None and order[held.kind] <= order[kind]:
            continue
        if kind == "online":
            label = f"已线上缴费（{channel}，{paid_at}）" if paid_at else f"已线上缴费（{channel}）"
        elif kind == "employee":
            label = "职工医保"
        else:
            label = f"已在别处参保（{place}）" if place else "已在别处参保"
        out[number] = CountyMark(kind, label, _source(kind, via, source, day))
    return out


@any_role
def county_lists(ws: Workspace) -> list[dict[str, Any]]:
    """The lists held, newest first: kind, source (file name or sync), date, entries."""
    return [{"list_id": i, "kind": k, "via": v, "source": s, "received_on": d, "entries": n}
            for i, k, v, s, d, n in ws.conn.execute(
                "SELECT l.id, l.kind, l.via, l.source, l.received_on, "
                "(SELECT count(*) FROM county_list_entries e WHERE e.list_id = l.id) "
                "FROM county_lists l ORDER BY l.at DESC")]
