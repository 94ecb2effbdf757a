"""征缴进度表 (coverage by village and group, with rewards and penalties) and
资助参保人员名册 (subsidised people by category and funding channel): PDF and spreadsheet tables.

The services build a :class:`Coverage` (village and township alike); this module only lays it
out, on the page engine of ``receipts.paging`` (CJK font embedded) for PDF, and as plain
header + rows tables that ``app.sheets.writer.write_xlsx`` writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.domain.money import format_fen
from receipts.paging import Column, Report, Row

NO_CHANNEL = "—"  # the funding channel when no county category list names one


@dataclass(frozen=True)
class CoverageLine:
    """One village (or one 村民小组 of it): each person counted once."""

    name: str  # the village's name (its code only when no name is known)
    group: str
    expected: int  # 应参保
    offline: int  # 线下 (collected by the clerk, no subsidy)
    online: int  # 线上 (paid through the county's online channels)
    subsidised: int  # 资助 (collected with a subsidy)
    target: int | None = None
    offline_valid: int = 0  # paid offline, not refunded, not zero-amount, by the deadline
    entered: int = 0  # enrolments entered by the clerk by the deadline
    covered_by_deadline: int = 0
    reward_fen: int = 0
    entry_fen: int = 0
    penalty_fen: int = 0

    @property
    def covered(self) -> int:
        return self.offline + self.online + self.subsidised

    @property
    def uncovered(self) -> int:
        return max(0, self.expected - self.covered)

    @property
    def completion(self) -> float | None:
        return self.covered / self.expected if self.expected else None

    @property
    def shortfall(self) -> int:
        return max(0, self.target - self.covered_by_deadline) if self.target else 0

    @property
    def net_fen(self) -> int:
        return self.reward_fen + self.entry_fen - self.penalty_fen


@dataclass(frozen=True)
class SubsidisedPerson:
    village: str
    group: str
    name: str
    id_masked: str
    category: str
    channel: str
    price_fen: int
    subsidy_fen: int
    payable_fen: int


@dataclass(frozen=True)
class Coverage:
    year_label: str
    period_label: str
    unit: str  # 村 or 乡镇 name shown under the title
    maker: str
    villages: tuple[CoverageLine, ...]
    groups: tuple[CoverageLine, ...]
    rates: dict[str, int] = field(default_factory=dict)  # the policy's rewards, fen per person
    deadline: str | None = None
    subsidised_people: tuple[SubsidisedPerson, ...] = ()
    duplicates: int = 0  # lines of a person already counted (another household or village)

    def totals(self) -> CoverageLine:
        vs = self.villages
        return CoverageLine(
            "合计", "", sum(v.expected for v in vs), sum(v.offline for v in vs),
            sum(v.online for v in vs), sum(v.subsidised for v in vs),
            sum(v.target for v in vs if v.target) if any(v.target for v in vs) else None,
            sum(v.offline_valid for v in vs), sum(v.entered for v in vs),
            sum(v.covered_by_deadline for v in vs), sum(v.reward_fen for v in vs),
            sum(v.entry_fen for v in vs), sum(v.penalty_fen for v in vs))

    def as_dict(self) -> dict[str, Any]:
        def line(v: CoverageLine) -> dict[str, Any]:
            return {"village": v.name, "group": v.group, "expected": v.expected,
                    "covered": v.covered, "offline": v.offline, "online": v.online,
                    "subsidised": v.subsidised, "uncovered": v.uncovered,
                    "completion": None if v.completion is None else round(v.completion, 4),
                    "target": v.target, "offline_valid": v.offline_valid,
                    "entered": v.entered, "covered_by_deadline": v.covered_by_deadline,
                    "shortfall": v.shortfall, "reward_fen": v.reward_fen,
                    "entry_fen": v.entry_fen, "penalty_fen": v.penalty_fen,
                    "net_fen": v.net_fen}
        return {"year_label": self.year_label, "period_label": self.period_label,
                "unit": self.unit, "villages": [line(v) for v in self.villages],
                "groups": [line(g) for g in self.groups], "totals": line(self.totals()),
                "rates": self.rates, "deadline": self.deadline, "duplicates": self.duplicates,
                "subsidised_people": len(self.subsidised_people)}


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _opt(value: int | None) -> str:
    return "—" if value is None else str(value)


PROGRESS_HEADER = ["村", "村民小组", "应参保", "已参保", "线下", "线上", "资助", "未参保", "完成率"]
REWARD_HEADER = ["村", "征缴任务", "截止日前参保", "差额人数", "线下有效缴费人数", "录入人数",
                 "线下缴费奖励（元）", "录入奖励（元）", "未完成扣减（元）", "奖惩合计（元）"]
ROSTER_HEADER = ["村", "村民小组", "姓名", "证件号码", "资助类别", "资金渠道", "缴费标准（元）",
                 "资助金额（元）", "个人缴费（元）"]


def _progress_cells(v: CoverageLine) -> list[Any]:
    return [v.name, v.group or "—", v.expected, v.covered, v.offline, v.online, v.subsidised,
            v.uncovered, _pct(v.completion)]


def _reward_cells(v: CoverageLine) -> list[Any]:
    return [v.name, _opt(v.target), v.covered_by_deadline, v.shortfall, v.offline_valid,
            v.entered, format_fen(v.reward_fen), format_fen(v.entry_fen),
            format_fen(v.penalty_fen), format_fen(v.net_fen)]


def coverage_tables(cov: Coverage) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The 征缴进度表 as spreadsheet sheets: by village, by group, rewards and penalties."""
    total = cov.totals()
    villages = [_progress_cells(v) for v in cov.villages] + [_progress_cells(total)]
    for row in villages:
        del row[1]
    return [("各村进度", [h for h in PROGRESS_HEADER if h != "村民小组"], villages),
            ("村民小组", PROGRESS_HEADER, [_progress_cells(g) for g in cov.groups]),
            ("奖惩", REWARD_HEADER, [_reward_cells(v) for v in cov.villages]
             + [_reward_cells(total)])]


def _roster_cells(p: SubsidisedPerson) -> list[Any]:
    return [p.village, p.group or "—", p.name, p.id_masked, p.category, p.channel,
            format_fen(p.price_fen), format_fen(p.subsidy_fen), format_fen(p.payable_fen)]


def subsidised_tables(cov: Coverage) -> list[tuple[str, list[str], list[list[Any]]]]:
    """资助参保人员名册 as one sheet, ordered by category, channel and village."""
    return [("资助参保人员名册", ROSTER_HEADER,
             [_roster_cells(p) for p in _by_category(cov.subsidised_people)])]


def _by_category(people: Sequence[SubsidisedPerson]) -> list[SubsidisedPerson]:
    return sorted(people, key=lambda p: (p.category, p.channel, p.village, p.group, p.name))


def _info(cov: Coverage) -> list[str]:
    period = f"{cov.period_label}    " if cov.period_label else ""
    return [f"{period}单位：{cov.unit}    制表：{cov.maker}"]


def render_coverage(cov: Coverage) -> bytes:
    """征缴进度表: by village, by group, then rewards and penalties with the policy's rates."""
    report = Report(f"{cov.year_label}城乡居民医保征缴进度表", _info(cov))
    cols = [Column("村", 16), Column("应参保", 9, "right", "count"),
            Column("已参保", 9, "right", "count"), Column("线下", 8, "right", "count"),
            Column("线上", 8, "right", "count"), Column("资助", 8, "right", "count"),
            Column("未参保", 9, "right", "count"), Column("完成率", 9, "right")]

    def row(v: CoverageLine, label: str) -> Row:
        return Row((label, str(v.expected), str(v.covered), str(v.offline), str(v.online),
                    str(v.subsidised), str(v.uncovered), _pct(v.completion)),
                   (v.expected, v.covered, v.offline, v.online, v.subsidised, v.uncovered))

    report.table(cols, [row(v, v.name) for v in cov.villages], heading="各村进度")
    total = cov.totals()
    report.paragraph(f"合计完成率：{_pct(total.completion)}（每人只计一次：同一证件号码在多个户或村"
                     f"出现时按一人计{f'，本表合并重复 {cov.duplicates} 条' if cov.duplicates else ''}）",
                     size=9)
    rates = cov.rates
    deadline = cov.deadline or "未设定"
    report.heading("奖惩")
    report.paragraph(
        f"标准：线下有效缴费 {format_fen(rates.get('offline_valid_fen_per_person', 0))} 元/人，"
        f"录入 {format_fen(rates.get('entry_fen_per_person', 0))} 元/人，"
        f"未完成任务 {format_fen(rates.get('shortfall_fen_per_person', 0))} 元/人；"
        f"截止日期：{deadline}", size=9)
    report.table(
        [Column("村", 14), Column("任务", 7, "right"), Column("截止前参保", 9, "right", "count"),
         Column("差额", 7, "right", "count"), Column("有效缴费", 8, "right", "count"),
         Column("录入", 7, "right", "count"), Column("缴费奖励", 10, "right", "fen"),
         Column("录入奖励", 10, "right", "fen"), Column("扣减", 9, "right", "fen"),
         Column("合计（元）", 11, "right", "fen")],
        [Row((v.name, _opt(v.target), str(v.covered_by_deadline), str(v.shortfall),
              str(v.offline_valid), str(v.entered), format_fen(v.reward_fen),
              format_fen(v.entry_fen), format_fen(v.penalty_fen), format_fen(v.net_fen)),
             (v.covered_by_deadline, v.shortfall, v.offline_valid, v.entered, v.reward_fen,
              v.entry_fen, v.penalty_fen, v.net_fen)) for v in cov.villages])
    report.signatures(["制表人", "审核人", "负责人"])
    report.table([Column("村 / 村民小组", 16), *cols[1:]],
                 [row(g, f"{g.name} {g.group or '—'}") for g in cov.groups],
                 heading="村民小组进度")
    return report.render()


def render_subsidised(cov: Coverage) -> bytes:
    """资助参保人员名册: one table per category, each person with the funding channel."""
    report = Report(f"{cov.year_label}资助参保人员名册", _info(cov))
    people = _by_category(cov.subsidised_people)
    categories = sorted({p.category for p in people})
    if not categories:
        report.paragraph("（本年度还没有资助参保人员）")
    for category in categories:
        rows = [p for p in people if p.category == category]
        report.table(
            [Column("村", 14), Column("组", 8), Column("姓名", 10), Column("证件号码", 22),
             Column("资金渠道", 11), Column("标准", 9, "right", "fen"),
             Column("资助", 9, "right", "fen"), Column("个人缴", 9, "right", "fen")],
            [Row((p.village, p.group or "—", p.name, p.id_masked, p.channel,
                  format_fen(p.price_fen), format_fen(p.subsidy_fen), format_fen(p.payable_fen)),
                 (p.price_fen, p.subsidy_fen, p.payable_fen)) for p in rows],
            heading=f"{category}（{len(rows)} 人）")
    report.paragraph(f"资金渠道来自县里下发的资助类别名单；名单未注明渠道的显示“{NO_CHANNEL}”。",
                     size=9)
    report.signatures(["制表人", "审核人"])
    return report.render()
