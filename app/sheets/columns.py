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


def canonical_key(header: str) -> str | None:
    """The canonical key for a header cell, or ``None`` if it is not a roster column.

    Matching ignores whitespace (including full-width spaces and line breaks), ``*`` markers
    and letter case; a trailing hint in brackets ("出生日期(YYYY-MM-DD)", "证件号码（必填）")
    is ignored when the text before it is a known header.
    """
    folded = _fold(header)
    if not folded:
        return None
    key = _ALIASES.get(folded)
    if key is None and ("(" in folded or "（" in folded):
        key = _ALIASES.get(_HINT.sub("", folded))
    return key
