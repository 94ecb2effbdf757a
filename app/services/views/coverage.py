"""Who is covered, counted once: the rule behind 征缴进度表, 资助参保人员名册 and 奖惩.

The village (its own tables) and the township (its fold of every village's journal) gather
the same three kinds of facts and hand them to :func:`build_coverage`:

- **offline lines**: live payment lines of the campaign year (payment not voided, line not
  refunded, enrolment not ended), in the order they were collected;
- **roster entries**: active persons of the roster, with their village and 村民小组;
- **online payments**: the county's list of people who paid online (线上).

A person is their certificate (证件类型 + 证件号码); one with no number is their person id.
Each person is counted **once**, in one village and group:

1. the first live offline line wins (村, 组 of that payment); a later line of the same person
   (another household, another village) is a *duplicate*, counted in ``duplicates`` only;
2. otherwise the first roster entry (by village code, then group) places them;
3. an online payment covers a person who has no offline line; one not on any roster is
   counted under "（花名册外）".

State: 资助 when the line carries a subsidy, 线下 otherwise, 线上 for an online payment.
应参保 = every person so placed; 未参保 = 应参保 − 已参保.

Rewards (政策 ``rewards``, up to its deadline, inclusive): 线下有效缴费 = persons whose counted
line has a payable amount above zero (not refunded, not zero-amount, not a duplicate);
录入 = persons whose counted line was entered offline (zero-amount subsidised ones included);
差额 = 征缴任务 − persons covered by the deadline (offline or online), never below zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.domain.errors import ValidationError
from app.services.base.roles import any_role
from app.services.base.settings import get_setting
from app.services.base.workspace import Workspace
from app.services.views.listings import group_order  # the one group-label sort
from app.services.village.campaigns import campaign_by_id
from app.sheets.writer import write_xlsx
from db.fsutil import write_atomic
from receipts.coverage import (
    NO_CHANNEL,
    Coverage,
    CoverageLine,
    SubsidisedPerson,
    coverage_tables,
    render_coverage,
    render_subsidised,
    subsidised_tables,
)

NAMES_SETTING = "village_names"  # {村代码: 村名}, from the targets file or entered
REWARD_SETTING = "township_reward_fen_per_person"  # the older incentive setting
DEADLINE_SETTING = "township_reward_deadline"

OUTSIDE = "（花名册外）"
Key = tuple[str, str]


@dataclass(frozen=True)
class OfflineLine:
    key: Key
    village: str
    group: str
    name: str
    id_masked: str
    category: str | None
    price_fen: int
    subsidy_fen: int
    payable_fen: int
    day: str  # business date, ISO


@dataclass(frozen=True)
class RosterEntry:
    key: Key
    village: str
    group: str


@dataclass(frozen=True)
class OnlinePayment:
    id_number: str
    day: str


@dataclass
class _Person:
    village: str
    group: str
    state: str = ""  # offline | subsidised | online | "" (not covered)
    line: OfflineLine | None = None
    day: str = ""


@dataclass(frozen=True)
class Rates:
    offline_valid_fen_per_person: int = 0
    entry_fen_per_person: int = 0
    shortfall_fen_per_person: int = 0
    deadline: str | None = None

    def as_dict(self) -> dict[str, int]:
        return {"offline_valid_fen_per_person": self.offline_valid_fen_per_person,
                "entry_fen_per_person": self.entry_fen_per_person,
                "shortfall_fen_per_person": self.shortfall_fen_per_person}


def build_coverage(*, lines: Iterable[OfflineLine], roster: Iterable[RosterEntry],
                   online: Iterable[OnlinePayment], targets: Mapping[str, int],
                   names: Mapping[str, str], rates: Rates, channels: Mapping[Key, str],
                   year_label: str, period_label: str, unit: str, maker: str) -> Coverage:
    """Place every person once and count them by village and group (see the module doc)."""
    people: dict[Key, _Person] = {}
    duplicates = 0
    for line in lines:
        if line.key in people:
            duplicates += 1
            continue
        people[line.key] = _Person(line.village, line.group,
                                   "subsidised" if line.subsidy_fen > 0 else "offline",
                                   line, line.day)
    for entry in sorted(roster, key=lambda r: (r.village, r.group, r.key)):
        people.setdefault(entry.key, _Person(entry.village, entry.group))
    by_number = {key[1]: key for key in people if key[1]}
    for pay in sorted(online, key=lambda o: o.day):
        key = by_number.get(pay.id_number)
        if key is None:
            key = ("online", pay.id_number)
            by_number[pay.id_number] = key
            people[key] = _Person(OUTSIDE, "")
        person = people[key]
        if not person.state:
            person.state, person.day = "online", pay.day

    def name(village: str) -> str:
        return names.get(village) or village or "—"

    def within(day: str) -> bool:
        return bool(day) and (rates.deadline is None or day[:10] <= rates.deadline)

    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    subsidised: list[SubsidisedPerson] = []
    for key, p in people.items():
        c = counts[(p.village, p.group)]
        c["expected"] += 1
        if p.state:
            c[p.state] += 1
            c["by_deadline"] += within(p.day)
        line = p.line
        if line is not None and within(line.day):
            c["entered"] += 1
            c["valid"] += line.payable_fen > 0
        if line is not None and line.subsidy_fen > 0:
            subsidised.append(SubsidisedPerson(
                name(p.village), p.group, line.name, line.id_masked, line.category or "—",
                channels.get((key[1], line.category or ""), NO_CHANNEL), line.price_fen,
                line.subsidy_fen, line.payable_fen))

    def make(village: str, group: str, c: Mapping[str, int], target: int | None) -> CoverageLine:
        shortfall = max(0, target - c["by_deadline"]) if target else 0
        return CoverageLine(
            name(village), group, c["expected"], c["offline"], c["online"], c["subsidised"],
            target, c["valid"], c["entered"], c["by_deadline"],
            c["valid"] * rates.offline_valid_fen_per_person,
            c["entered"] * rates.entry_fen_per_person,
            shortfall * rates.shortfall_fen_per_person)

    groups = [make(v, g, c, None) for (v, g), c in
              sorted(counts.items(), key=lambda item: (item[0][0], group_order(item[0][1])))]
    per_village: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (v, _g), c in counts.items():
        for k, n in c.items():
            per_village[v][k] += n
    for v in targets:
        per_village.setdefault(v, defaultdict(int))
    villages = [make(v, "", c, targets.get(v)) for v, c in sorted(per_village.items())]
    return Coverage(year_label, period_label, unit, maker, tuple(villages), tuple(groups),
                    rates.as_dict(), rates.deadline, tuple(subsidised), duplicates)


@any_role
def village_names(ws: Workspace) -> dict[str, str]:
    """村代码 → 村名: the township's list (targets file, 设置村名), and this device's own
    village name (settings ``village_name``) for its own code."""
    names = dict(get_setting(ws, NAMES_SETTING) or {})
    own, code = get_setting(ws, "village_name"), ws.meta("village") or ""
    if own and code:  # what this office or village calls itself (设置) wins
        names[code] = own
    return names


def _has_table(ws: Workspace, name: str) -> bool:
    return ws.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                           (name,)).fetchone() is not None


@any_role
def funding_channels(ws: Workspace) -> dict[Key, str]:
    """(证件号码, 资助类别) → 资金渠道 from the county's category lists (schema step 9,
    ``county_list_entries`` of kind ``categories``, column ``fund``) when this database holds
    them; empty otherwise, and the 名册 shows "—"."""
    if not _has_table(ws, "county_list_entries"):
        return {}
    return {(n, c): f for n, c, f in ws.conn.execute(
        "SELECT id_number, category, fund FROM county_list_entries WHERE kind = 'categories' "
        "AND fund IS NOT NULL AND fund != '' AND category IS NOT NULL ORDER BY at")}


@any_role
def online_payments(ws: Workspace, campaign_year: int, benefit_year: int) -> list[OnlinePayment]:
    """线上缴费: the county's online payments received by sync (``external_payments``, by
    campaign year) and by file (``county_list_entries`` of kind ``online``, by benefit year)."""
    out = [OnlinePayment(n, at or "") for n, at in ws.conn.execute(
        "SELECT id_number, paid_at FROM external_payments WHERE campaign_year = ? "
        "ORDER BY paid_at", (campaign_year,))]
    if _has_table(ws, "county_list_entries"):
        out += [OnlinePayment(n, at or "") for n, at in ws.conn.execute(
            "SELECT id_number, paid_at FROM county_list_entries WHERE kind = 'online' "
            "AND benefit_year = ? ORDER BY paid_at", (benefit_year,))]
    return out


@any_role
def policy_rates(ws: Workspace, campaign_year: int) -> Rates:
    """The rewards of the policy loaded for ``campaign_year`` (its ``rewards`` block); when it
    has none, the older incentive setting as the offline rate with its deadline."""
    rows = ws.conn.execute("SELECT id FROM campaigns WHERE campaign_year = ? "
                           "ORDER BY loaded_at DESC", (campaign_year,)).fetchall()
    active = ws.meta("active_campaign")
    ids = sorted((r[0] for r in rows), key=lambda i: i != active)
    for campaign_id in ids:
        rewards = campaign_by_id(ws, campaign_id).policy.rewards
        if rewards is not None:
            return Rates(rewards.offline_valid_fen_per_person, rewards.entry_fen_per_person,
                         rewards.shortfall_fen_per_person,
                         rewards.deadline.isoformat() if rewards.deadline else None)
    return Rates(int(get_setting(ws, REWARD_SETTING) or 0), 0, 0,
                 get_setting(ws, DEADLINE_SETTING) or None)


REPORTS = ("coverage", "subsidised")


def write_report(cov: Coverage, out: Path, report: str = "coverage") -> dict[str, Any]:
    """Write 征缴进度表 (``coverage``) or 资助参保人员名册 (``subsidised``) as .pdf or .xlsx."""
    out = Path(out)
    suffix = out.suffix.lower()
    if report not in REPORTS:
        raise ValidationError("报表应为 coverage（征缴进度表）或 subsidised（资助参保人员名册）")
    if suffix not in (".pdf", ".xlsx"):
        raise ValidationError("导出文件应以 .xlsx 或 .pdf 结尾")
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".pdf":
        data = render_coverage(cov) if report == "coverage" else render_subsidised(cov)
        write_atomic(out, data)
    else:
        write_xlsx(out, coverage_tables(cov) if report == "coverage" else subsidised_tables(cov))
    return {"out": str(out), "report": report, **cov.as_dict()}


def render_report(cov: Coverage, report: str = "coverage") -> bytes:
    """The PDF bytes (for the 报表 page's preview and printing)."""
    if report not in REPORTS:
        raise ValidationError("报表应为 coverage（征缴进度表）或 subsidised（资助参保人员名册）")
    return render_coverage(cov) if report == "coverage" else render_subsidised(cov)
