"""Progress (征缴进度) per village and 村民小组, targets (征缴任务), incentives, exports.

Roster size and enrolment come from the villages' journals: persons added and still active,
and live payment lines (not voided, not refunded) of the campaign year. A target is loaded
from a file or entered; the latest one for a village or group wins. A village is "on time"
when its enrolment reached the target by the deadline; the reward per enrolled person is a
setting, as the county's incentive notices state it in yuan per person.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from app.domain.errors import Refused, ValidationError
from app.domain.idcard import mask_id_number
from app.domain.ledger_views import PAYMENT_FIELD_PATHS, RosterView
from app.domain.money import format_fen
from app.domain.text import clean_text
from app.services.base.common import iso, utc_now
from app.services.base.roles import requires_role
from app.services.base.settings import get_setting, set_setting
from app.services.base.workspace import Workspace
from app.services.township.ledger import Ledger, campaign_names, load_ledger
from app.services.township.textfile import read_csv_text
from app.services.views.coverage import (
    NAMES_SETTING,
    OfflineLine,
    RosterEntry,
    build_coverage,
    funding_channels,
    online_payments,
    policy_rates,
    render_report,
    write_report,
)
from app.services.views.listings import group_order
from app.services.views.villages import village_label, village_namer
from app.services.village.campaigns import active_campaign
from app.sheets.writer import write_xlsx
from db.connection import tx
from db.fsutil import write_atomic
from receipts.coverage import Coverage
from receipts.paging import Column, Report, Row

REWARD_SETTING = "township_reward_fen_per_person"
DEADLINE_SETTING = "township_reward_deadline"


def _year(ws: Workspace, year: int | None, led: Ledger | None = None) -> int:
    if year is not None:
        return year
    try:
        return active_campaign(ws).campaign_year
    except Refused:  # no policy at the township yet: the year the villages collected for
        if led is not None:
            latest = max((p.campaign_year for _dev, p in led.payments()), default=None)
        else:
            path = PAYMENT_FIELD_PATHS["campaign_year"]
            latest = ws.conn.execute(f"SELECT max(json_extract(payload, '{path}')) FROM "
                                     "tw_events WHERE type = 'payment.collected'").fetchone()[0]
        if latest is None:
            raise ValidationError("还没有任何征缴年度的数据：请先同步或导入村里的数据") from None
        return int(latest)


@requires_role("township", "录入征缴任务")
def set_target(ws: Workspace, *, village: str, target: int, group: str = "",
               campaign_year: int | None = None, source: str = "manual") -> dict[str, Any]:
    """录入征缴任务: a village's (or one group's) number of persons to enrol."""
    village = clean_text(village)
    if not village:
        raise ValidationError("请填写村代码")
    if not isinstance(target, int) or target < 0:
        raise ValidationError("征缴任务人数必须是不小于 0 的整数")
    year = _year(ws, campaign_year)
    with tx(ws.conn):
        ws.conn.execute("INSERT INTO tw_targets (campaign_year, village, grp, target, source, at, "
                        "actor) VALUES (?,?,?,?,?,?,?)",
                        (year, village, clean_text(group), target, source, iso(utc_now()),
                         ws.user))
        ws.record("township.target_set", {"campaign_year": year, "village": village,
                                          "group": clean_text(group), "target": target,
                                          "source": source})
    return {"campaign_year": year, "village": village, "group": group, "target": target}


@requires_role("township", "导入征缴任务")
def load_targets(ws: Workspace, path: Path, *, campaign_year: int | None = None) -> dict[str, Any]:
    """导入征缴任务 CSV: 村, 村民小组 (optional), 任务人数."""
    rows = list(csv.DictReader(io.StringIO(read_csv_text(path))))
    if not rows:
        raise ValidationError("任务文件是空的")
    names = {k.strip(): k for k in rows[0]}
    code_col = names.get("村代码")
    name_col = names.get("村名") or names.get("村名称") or (names.get("村") if code_col else None)
    village_col = code_col or names.get("村")
    target_col = names.get("任务人数") or names.get("征缴任务") or names.get("目标人数")
    group_col = names.get("村民小组") or names.get("组")
    if not village_col or not target_col:
        raise ValidationError("任务文件需要“村”和“任务人数”两列")
    loaded = 0
    with tx(ws.conn):
        for line_no, row in enumerate(rows, start=2):
            try:
                target = int(clean_text(row[target_col]))
            except ValueError:
                raise ValidationError(f"第 {line_no} 行：任务人数不是整数") from None
            set_target(ws, village=row[village_col], target=target,
                       group=row[group_col] if group_col else "", campaign_year=campaign_year,
                       source=Path(path).name)
            if name_col and (row[name_col] or "").strip():
                set_village_name(ws, village=row[village_col], name=row[name_col])
            loaded += 1
    return {"loaded": loaded}


@requires_role("township", "设置奖励标准")
def set_incentive(ws: Workspace, *, reward_fen_per_person: int,
                  deadline: date | None) -> dict[str, Any]:
    """奖励标准: yuan per enrolled person for villages that met their target by the deadline."""
    if reward_fen_per_person < 0:
        raise ValidationError("奖励标准不能为负数")
    with tx(ws.conn):
        set_setting(ws, REWARD_SETTING, reward_fen_per_person)
        set_setting(ws, DEADLINE_SETTING, deadline.isoformat() if deadline else "")
    return {"reward_fen_per_person": reward_fen_per_person,
            "deadline": deadline.isoformat() if deadline else None}


def _targets(ws: Workspace, year: int) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for village, grp, target in ws.conn.execute(
            "SELECT village, grp, target FROM tw_targets WHERE campaign_year = ? ORDER BY id",
            (year,)):
        out[(village, grp)] = int(target)
    return out


def _cert_key(person_id: str, id_type: str, id_number: str) -> tuple[str, str]:
    """One person across households and villages: the certificate, else the person id."""
    return (id_type or "01", id_number) if id_number else ("person", person_id)


def _live_lines(led: Ledger, year: int) -> Iterator[tuple[Any, Any, str, Any]]:
    """(device, payment, 村民小组, line) of every live line of ``year``: payment not voided,
    line not refunded, enrolment not ended; devices in id order, payments as collected."""
    for dev in sorted(led.devices.values(), key=lambda d: (d.village, d.device_id)):
        for p in sorted(dev.live_payments(), key=lambda p: p.seq):
            if p.campaign_year != year:
                continue
            facts = dev.facts.get(p.payment_id)
            for line in p.lines:
                if line.line_id in p.refunded_lines:
                    continue
                enrolment = dev.state.enrolments.get((line.person_id, p.campaign_year))
                if enrolment is not None and enrolment.line_id == line.line_id \
                        and enrolment.ended is not None:
                    continue  # 终止参保 (a fully subsidised enrolment ended)
                yield dev, p, facts.group if facts else "", line


@requires_role("township", "查看征缴进度")
def progress(ws: Workspace, *, campaign_year: int | None = None) -> dict[str, Any]:
    """Per village and group: roster, enrolled, subsidised, target, completion, amount."""
    led = load_ledger(ws, roster=True)
    year = _year(ws, campaign_year, led)
    empty = {"roster": 0, "enrolled": 0, "subsidised": 0, "amount_fen": 0}
    groups: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict(empty))
    roster = led.roster or RosterView()
    for person in roster.persons.values():
        hh = roster.households.get(person.household_id or "")
        if person.status == "active" and hh is not None:
            groups[(hh.village, hh.group)]["roster"] += 1
    enrolled_on: dict[str, list[str]] = defaultdict(list)
    valid: dict[str, int] = defaultdict(int)  # paid offline, not refunded, not zero-amount
    seen: set[tuple[str, str]] = set()
    for dev, p, group, line in _live_lines(led, year):
        key = _cert_key(line.person_id, line.id_type, line.id_number)
        if key in seen:
            continue  # the same person in another household or village: counted once
        seen.add(key)
        g = groups[(dev.village, group)]
        g["enrolled"] += 1
        g["subsidised"] += line.subsidy_fen > 0
        g["amount_fen"] += line.payable_fen
        valid[dev.village] += line.payable_fen > 0
        enrolled_on[dev.village].append(p.business_date)
    targets = _targets(ws, year)
    reward = int(get_setting(ws, REWARD_SETTING) or 0)
    deadline_text = get_setting(ws, DEADLINE_SETTING) or ""
    villages: dict[str, dict[str, Any]] = {}
    names = village_namer(ws)
    # 一组, 二组 … 十组, 十一组 as the villages number them, not in the order of their text.
    for (village, grp), g in sorted(groups.items(),
                                    key=lambda item: (item[0][0], group_order(item[0][1]))):
        v = villages.setdefault(village, {"village": village, "name": names.label(village),
                                          **empty, "groups": []})
        target = targets.get((village, grp))
        v["groups"].append({"group": grp, **g, "target": target,
                            "completion": round(g["enrolled"] / target, 4) if target else None})
        for k in empty:
            v[k] += g[k]
    for village, v in villages.items():
        group_targets = [g["target"] for g in v["groups"] if g["target"] is not None]
        target = targets.get((village, ""), sum(group_targets) if group_targets else None)
        v["target"] = target
        v["completion"] = round(v["enrolled"] / target, 4) if target else None
        days = sorted(enrolled_on[village])
        reached = days[target - 1] if target and len(days) >= target else None
        v["target_reached_on"] = reached
        v["on_time"] = bool(reached and (not deadline_text or reached <= deadline_text))
        v["reward_fen"] = valid[village] * reward if v["on_time"] else 0
    rows = list(villages.values())
    totals = {k: sum(v[k] for v in rows) for k in (*empty, "reward_fen")}
    names = campaign_names(ws, year)
    return {"campaign_year": year, "benefit_year": names.benefit_year,
            "year_label": names.year_label, "label": names.label,
            "period_label": names.period_label,
            "villages": rows, "totals": totals,
            "reward_fen_per_person": reward, "deadline": deadline_text or None}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@requires_role("township", "导出征缴进度")
def export_progress(ws: Workspace, out: Path, *,
                    campaign_year: int | None = None) -> dict[str, Any]:
    """导出征缴进度: .xlsx (a sheet per level) or .pdf (a printable table)."""
    data = progress(ws, campaign_year=campaign_year)
    out = Path(out)
    header = ["村", "村民小组", "花名册人数", "已参保", "资助参保", "征缴任务", "完成率", "金额（元）"]
    lines = []
    for v in data["villages"]:
        for g in v["groups"]:
            lines.append([v["name"], g["group"] or "—", g["roster"], g["enrolled"],
                          g["subsidised"], g["target"] if g["target"] is not None else "—",
                          _pct(g["completion"]), format_fen(g["amount_fen"])])
    summary = [[v["name"], v["roster"], v["enrolled"], v["subsidised"],
                v["target"] if v["target"] is not None else "—", _pct(v["completion"]),
                format_fen(v["amount_fen"]), "是" if v["on_time"] else "否",
                format_fen(v["reward_fen"])] for v in data["villages"]]
    if out.suffix.lower() == ".xlsx":
        write_xlsx(out, [
            ("各村", ["村", "花名册人数", "已参保", "资助参保", "征缴任务", "完成率", "金额（元）",
                     "按期完成", "奖励（元）"], summary),
            ("村民小组", header, lines)])
    elif out.suffix.lower() == ".pdf":
        # The title names the benefit year; the line under it the collection period.
        period = f"{data['period_label']}    " if data["period_label"] else ""
        report = Report(f"{data['year_label']}城乡居民医保征缴进度表",
                        [f"{period}乡镇：{village_label(ws, ws.meta('village'))}    制表：{ws.user}"])
        report.table([Column("村", 14), Column("花名册", 9, "right", "count"),
                      Column("已参保", 9, "right", "count"),
                      Column("资助", 8, "right", "count"), Column("任务", 8, "right"),
                      Column("完成率", 9, "right"), Column("金额（元）", 14, "right"),
                      Column("奖励（元）", 12, "right")],
                     [Row((r[0], str(r[1]), str(r[2]), str(r[3]), str(r[4]), r[5], r[6], r[8]),
                          (r[1], r[2], r[3])) for r in summary], heading="各村进度")
        report.table([Column(h, w, "left" if i < 2 else "right") for i, (h, w) in
                      enumerate(zip(header, (12, 10, 9, 9, 8, 8, 9, 13), strict=True))],
                     [Row(tuple(str(c) for c in r)) for r in lines], heading="村民小组进度")
        write_atomic(out, report.render())
    else:
        raise ValidationError("导出文件应以 .xlsx 或 .pdf 结尾")
    return {"file": str(out), "villages": len(summary), "groups": len(lines)}


@requires_role("township", "设置村名")
def set_village_name(ws: Workspace, *, village: str, name: str) -> dict[str, str]:
    """村名 for a village code, shown in every report instead of the 10-digit code (a setting:
    names are labels, not records; the targets file's 村名 column sets them too)."""
    village, name = (village or "").strip(), (name or "").strip()
    if not village or not name:
        raise ValidationError("请填写村代码和村名")
    with tx(ws.conn):
        names = dict(get_setting(ws, NAMES_SETTING) or {})
        names[village] = name
        set_setting(ws, NAMES_SETTING, names)
    return {"village": village, "name": name}


@requires_role("township", "查看征缴进度")
def township_coverage(ws: Workspace, *, campaign_year: int | None = None) -> Coverage:
    """征缴进度表 across the township's villages, each person counted once
    (``app.services.views.coverage``): 应参保 from the villages' rosters, 线下 and 资助 from
    their live payment lines, 线上 from the county's online-payment list held here."""
    led = load_ledger(ws, roster=True)
    year = _year(ws, campaign_year, led)
    lines = [OfflineLine(_cert_key(line.person_id, line.id_type, line.id_number), dev.village,
                         group, line.name, mask_id_number(line.id_number), line.category,
                         line.price_fen, line.subsidy_fen, line.payable_fen, p.business_date)
             for dev, p, group, line in _live_lines(led, year)]
    roster = led.roster or RosterView()
    entries = []
    for pid, person in roster.persons.items():
        hh = roster.households.get(person.household_id or "")
        if person.status == "active" and hh is not None:
            entries.append(RosterEntry(_cert_key(pid, *person.cert), hh.village, hh.group))
    names = campaign_names(ws, year)
    online = online_payments(ws, year, names.benefit_year)
    targets = _targets(ws, year)
    village_targets: dict[str, int] = {}
    for (village, grp), target in targets.items():
        if not grp:
            village_targets[village] = target
    for (village, grp), target in targets.items():
        if grp and (village, "") not in targets:
            village_targets[village] = village_targets.get(village, 0) + target
    known = village_namer(ws)
    township = known.label(ws.meta("village"))
    return build_coverage(
        lines=lines, roster=entries, online=online, targets=village_targets,
        names=known.names, rates=policy_rates(ws, year), channels=funding_channels(ws),
        year_label=names.year_label, period_label=names.period_label or "", unit=township,
        maker=ws.user)


@requires_role("township", "导出征缴进度")
def export_township_report(ws: Workspace, out: Path, *, report: str = "coverage",
                           campaign_year: int | None = None) -> dict[str, Any]:
    """征缴进度表 or 资助参保人员名册 of every village as .pdf or .xlsx."""
    return write_report(township_coverage(ws, campaign_year=campaign_year), out, report)


@requires_role("township", "查看征缴进度")
def township_report_pdf(ws: Workspace, report: str = "coverage") -> bytes:
    """The PDF bytes, for the 报表 page."""
    return render_report(township_coverage(ws), report)
