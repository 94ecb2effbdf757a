"""Roster columns: canonical keys, their Chinese labels, and the header spellings we accept.

Village spreadsheets are typed by hand from many templates, so one field appears under several
headers (身份证号, 证件号码, 公民身份号码 …). Everything downstream speaks only the canonical keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Column:
    """One roster field: ``key`` used in code, ``label`` shown to the clerk, accepted headers."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("household_no", "户号", ("家庭编号", "户编号", "户口编号", "household", "household_no")),
    Column("group", "村民小组", ("组", "小组", "组别", "group")),
    Column("head_name", "户主姓名", ("户主", "head")),
    Column("name", "姓名", ("name", "参保人姓名")),
    Column("relation", "与户主关系", ("关系", "relation")),
    Column("id_type", "证件类型", ("id_type",)),
    Column(
        "id_number",
        "证件号码",
        ("身份证号", "身份证号码", "公民身份号码", "身份证", "id_number", "id"),
    ),
    Column("sex", "性别", ("sex", "gender")),
    Column("birth_date", "出生日期", ("出生年月", "birth_date", "dob")),
    Column("ethnicity", "民族"),
    Column("residence", "户籍性质", ("户籍类型", "户口性质", "residence")),
    Column("categories", "人员类别", ("资助类别", "类别", "category", "categories")),
    Column("phone", "联系电话", ("电话", "手机", "手机号", "phone")),
    Column("note", "备注", ("note", "remark")),
    Column("status", "状态", ("人员状态", "参保状态", "status")),
)

LABELS: dict[str, str] = {c.key: c.label for c in COLUMNS}
"""Canonical key → Chinese label, in roster order."""

REQUIRED: tuple[str, ...] = ("household_no", "name", "id_number")
"""Columns without which a roster cannot be imported at all."""

# A header row must contain at least one of these, so that a title line which happens to
# contain "组" or "类别" is never mistaken for the header.
HEADER_ANCHORS: frozenset[str] = frozenset({"name", "id_number"})

# Hand-made templates decorate headers: "* 姓名" marks a required field, "证件\n号码" wraps in
# a narrow column, full-width spaces pad Chinese labels.
_DECORATION = re.compile(r"[\s\u3000*＊\u200b\ufeff]+")
_HINT = re.compile(r"[(（].*$")


def _fold(text: str) -> str:
    return _DECORATION.sub("", text).casefold()


_ALIASES: dict[str, str] = {}
for _column in COLUMNS:
    for _spelling in (_column.label, _column.key, *_column.aliases):
        _ALIASES[_fold(_spelling)] = _column.key


# The county's lists (online payments, the employee-insured, duplicate feedback, subsidy
# lists): one layout for all four, so that the kind can be told from the header it finds.
COUNTY_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("参保人姓名", "name")),
    Column("id_number", "证件号码",
           ("身份证号", "身份证号码", "公民身份号码", "身份证", "id_number")),
    Column("year", "年度", ("待遇年度", "参保年度", "缴费年度", "享受年度", "year")),
    Column("channel", "渠道", ("缴费渠道", "支付渠道", "缴费方式", "channel")),
    Column("amount", "金额", ("缴费金额", "金额（元）", "amount")),
    Column("paid_at", "时间", ("缴费时间", "缴费日期", "支付时间", "paid_at")),
    Column("place", "参保地", ("参保地区", "重复参保地", "已参保地", "place")),
    Column("remark", "说明", ("备注", "反馈说明", "情况说明", "remark")),
    Column("category", "类别", ("资助类别", "人员类别", "category")),
    Column("validity", "有效期", ("有效期限", "validity")),
    Column("valid_from", "有效期起", ("起始日期", "有效期开始", "开始日期", "valid_from")),
    Column("valid_to", "有效期止", ("截止日期", "有效期结束", "终止日期", "结束日期", "valid_to")),
    Column("fund", "资金渠道", ("资金来源", "资助资金渠道", "fund")),
    Column("department", "认定部门", ("部门", "来源部门", "department")),
    Column("village", "村", ("村代码", "所在村", "village")),
    Column("employer", "参保单位", ("单位", "工作单位", "employer")),
)


@dataclass(frozen=True)
class Layout:
    """What one kind of sheet holds: its columns, those it cannot do without, and the columns
    a header row must name one of. The roster's is the default everywhere."""

    columns: tuple[Column, ...]
    required: tuple[str, ...]
    anchors: frozenset[str] = HEADER_ANCHORS

    @property
    def labels(self) -> dict[str, str]:
        return {c.key: c.label for c in self.columns}

    def canonical_key(self, header: str) -> str | None:
        return _lookup(_aliases(self), header)


def _aliases(layout: Layout) -> dict[str, str]:
    found = _LAYOUT_ALIASES.get(layout)
    if found is None:
        found = {_fold(s): c.key for c in layout.columns for s in (c.label, c.key, *c.aliases)}
        _LAYOUT_ALIASES[layout] = found
    return found


_LAYOUT_ALIASES: dict[Layout, dict[str, str]] = {}
ROSTER = Layout(COLUMNS, REQUIRED)
COUNTY_LIST = Layout(COUNTY_COLUMNS, ("id_number",))
# Every label a cell problem may name, whichever layout was read.
ALL_LABELS: dict[str, str] = {**COUNTY_LIST.labels, **LABELS}


def _lookup(aliases: dict[str, str], header: str) -> str | None:
    folded = _fold(header)
    if not folded:
        return None
    key = aliases.get(folded)
    if key is None and ("(" in folded or "（" in folded):
        key = aliases.get(_HINT.sub("", folded))
    return key


def canonical_key(header: str) -> str | None:
    """The canonical key for a header cell, or ``None`` if it is not a roster column.

    Matching ignores whitespace (including full-width spaces and line breaks), ``*`` markers
    and letter case; a trailing hint in brackets ("出生日期(YYYY-MM-DD)", "证件号码（必填）")
    is ignored when the text before it is a known header.
    """
    return _lookup(_ALIASES, header)
