"""催缴 (chase list): last year's enrolled people not yet covered this year, by 村民小组.

"Enrolled last year" and "covered this year" are the one ledger model's words
(``LedgerState.enrolment_state``), for the campaign year before the active one and for the
active one:

- on the list: a person whose enrolment of last year is live (``enrolled``), who is active on
  the roster today, and whom the ledger still lets be collected this year (``collectable``:
  not enrolled, or ended for 其他) and who has not paid through another channel this year;
- never on it: anyone whose enrolment last year was voided, refunded or ended — whatever
  the reason (重复参保 and 在外地参保 mean they were covered elsewhere, chasing them here would
  make a second enrolment; 职工医保, 死亡, 参军 mean they left residents' insurance) — and
  anyone refunded or ended this year for a reason that blocks collecting.

Each row carries last year's tier and what the person paid last year, and what they would
owe this year at that tier (the suggested tier, ``carried_tiers``) when this year's policy
still has it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from app.domain.errors import ValidationError
from app.domain.fees import CategoryHolding, compute_fee
from app.domain.idcard import mask_id_number
from app.domain.money import format_fen
from app.services.base.common import business_date, utc_now
from app.services.base.roles import any_role
from app.services.base.workspace import Workspace
from app.services.views.listings import group_order
from app.services.village.campaigns import active_campaign, previous_campaign
from app.services.village.county_lists import county_marks
from app.sheets.writer import write_csv, write_xlsx

HEADER = ["村民小组", "户号", "户主", "联系电话", "姓名", "证件号码", "上年档次", "上年个人缴费(元)",
          "本年按上年档次应缴(元)", "资助类别"]


@any_role
def chase_list(ws: Workspace, *, on: date | None = None) -> dict[str, Any]:
    """The chase list of the active campaign, by group (二组 before 十组), household and
    relation to the head."""
    campaign = active_campaign(ws)
    previous = previous_campaign(ws, campaign)
    year, last = campaign.campaign_year, campaign.campaign_year - 1
    policy = campaign.policy
    day = on or business_date(utc_now())
    head = {"campaign_year": year, "label": policy.label(), "year_label": policy.year_label(),
            "previous_year_label": previous.policy.year_label() if previous else None,
            "rows": [], "households": 0, "groups": []}
    ledger = ws.ledger()
    chased = {pid: e for (pid, y), e in ledger.enrolments.items()
              if y == last and e.ended is None and ledger.collectable(pid, year)}
    if not chased:
        return head
    tier_names = {t.code: t.name for t in policy.tiers}
    last_names = {t.code: t.name for t in previous.policy.tiers} if previous else {}
    cats: dict[str, list[CategoryHolding]] = {}
    for pid, cat, vf, vt in ws.conn.execute(
            "SELECT person_id, category, valid_from, valid_to FROM person_categories "
            "WHERE revoked_at IS NULL ORDER BY created_at"):
        if pid in chased:
            cats.setdefault(pid, []).append(CategoryHolding(
                cat, date.fromisoformat(vf) if vf else None,
                date.fromisoformat(vt) if vt else None))
    paid_elsewhere = {n for (n,) in ws.conn.execute(
        "SELECT id_number FROM external_payments WHERE campaign_year = ?", (year,))}
    rows = []
    for r in ws.conn.execute(
            "SELECT p.id, p.name, p.id_number, p.residence, p.status, h.id, h.household_no, "
            "h.head_name, h.grp, h.phone FROM persons p JOIN households h "
            "ON h.id = p.household_id ORDER BY h.grp, h.household_no, p.relation, p.birth_date"):
        enrolment = chased.get(r[0])
        if enrolment is None or r[4] != "active" or r[2] in paid_elsewhere:
            continue
        pay = ledger.payments[enrolment.payment_id]
        tier = pay.tier
        row = {"person_id": r[0], "name": r[1], "id_number": r[2],
               "id_masked": mask_id_number(r[2]), "household_id": r[5], "household_no": r[6],
               "head_name": r[7], "group": r[8], "phone": r[9], "last_tier": tier,
               "last_tier_name": last_names.get(tier, tier),
               "last_paid_fen": enrolment.payable_fen, "tier": None, "tier_name": None,
               "due_fen": None, "category": None}
        if tier in tier_names:
            fee = compute_fee(policy, tier, nonlocal_resident=r[3] == "nonlocal",
                              categories=cats.get(r[0], ()), on=day)
            row.update(tier=tier, tier_name=tier_names[tier], due_fen=fee.payable_fen,
                       category=fee.category)
        rows.append(row)
    # Paid online, employee-insured or enrolled elsewhere by a county list: not to be chased.
    numbers = [row["id_number"] for row in rows]
    marked: set[str] = set()
    for i in range(0, len(numbers), 5000):
        marked.update(county_marks(ws, numbers[i:i + 5000], policy.benefit_year))
    rows = [row for row in rows if row["id_number"] not in marked]
    # 二组 before 十组; within a household the roster's order (head first).
    rows.sort(key=lambda row: (group_order(row["group"]), row["household_no"]))
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        g = groups.setdefault(row["group"], {"group": row["group"], "persons": 0,
                                             "households": set()})
        g["persons"] += 1
        g["households"].add(row["household_no"])
    head["rows"] = rows
    head["households"] = len({row["household_no"] for row in rows})
    head["groups"] = [{"group": g["group"], "persons": g["persons"],
                       "households": len(g["households"])} for g in groups.values()]
    return head


def _cells(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["group"], row["household_no"], row["head_name"], row["phone"], row["name"],
            row["id_number"], row["last_tier_name"], format_fen(row["last_paid_fen"]),
            "" if row["due_fen"] is None else format_fen(row["due_fen"]),
            row["category"] or "")


@any_role
def export_chase(ws: Workspace, out: Path, *, on: date | None = None) -> dict[str, Any]:
    """`yibao export chase --out F`: the chase list as .xlsx (one sheet) or .csv; the
    result holds the rows too (``--json``)."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValidationError("导出文件名应以 .xlsx 或 .csv 结尾")
    data = chase_list(ws, on=on)
    out.parent.mkdir(parents=True, exist_ok=True)
    cells = [_cells(row) for row in data["rows"]]
    if suffix == ".xlsx":
        write_xlsx(out, [(f"催缴名单{data['year_label']}", HEADER, cells)])
    else:
        write_csv(out, HEADER, cells)
    people = [{k: row[k] for k in ("group", "household_no", "head_name", "phone", "name",
                                   "id_number", "last_tier", "last_tier_name", "last_paid_fen",
                                   "tier", "due_fen", "category")} for row in data["rows"]]
    return {"kind": "chase", "out": str(out), "rows": len(people),
            "households": data["households"], "year_label": data["year_label"],
            "previous_year_label": data["previous_year_label"], "groups": data["groups"],
            "people": people}
