"""Cell values as the text the clerk sees (or meant) in Excel: dates from serial numbers and
the many ways they are typed, codes and ID numbers stripped of a ``.0`` or reported when a
number format already lost their digits, formula errors reported."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from app.sheets.columns import ALL_LABELS
from app.sheets.table import CellProblem

# How a column's cells are read: as plain text unless KINDS makes them codes, ID numbers or
# dates.
PLAIN, _CODE, _ID, _DATE = 0, 1, 2, 3
KINDS = {
    "household_no": _CODE,
    "phone": _CODE,
    "id_number": _ID,
    "birth_date": _DATE,
    # The county's lists (COUNTY_COLUMNS).
    "year": _CODE,
    "paid_at": _DATE,
    "valid_from": _DATE,
    "valid_to": _DATE,
}

EXCEL_ERRORS = frozenset(
    {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
)
# str.strip() alone keeps zero-width spaces and BOMs pasted from web pages and WeChat.
STRIP = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\u200b\ufeff"
)
_TRAILING_POINT_ZERO = re.compile(r"([0-9]+)\.0+", re.ASCII)
_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]+", re.ASCII)
_DATE_TEXT = re.compile(
    r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?"
    r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?",
    re.ASCII,
)
_DATE_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})", re.ASCII)
_YEAR_MONTH = re.compile(r"[0-9]{4}\s*(?:[-/.年]\s*[0-9]{1,2}\s*月?)?", re.ASCII)
# A date column formatted as General, saved as CSV. Five digits only: 10000 is 1927-05-18, and
# shorter digit strings are more likely years or codes than days since 1900.
_SERIAL_TEXT = re.compile(r"[1-9][0-9]{4}(?:\.[0-9]+)?", re.ASCII)
_MAX_SERIAL = 2_958_465  # 9999-12-31

FLOAT_ID = "证件号码以数字格式保存，可能已丢失末位精度"
_FLOAT_CODE = "以数字格式保存，可能已丢失末位精度"
_INCOMPLETE_DATE = "日期不完整（缺少月或日）"


def add_problem(problems: list[CellProblem], key: str, reason: str) -> None:
    problems.append(CellProblem(ALL_LABELS[key], reason))


def _serial_date(serial: float, epoch_1904: bool) -> str | None:
    """Excel serial day number → ISO date, honouring Excel's fictitious 1900-02-29 (day 60)."""
    day = int(serial)
    if epoch_1904:
        base = dt.date(1904, 1, 1)
    elif day < 60:
        base = dt.date(1899, 12, 31)
    elif day == 60:
        return None
    else:
        base = dt.date(1899, 12, 30)
    return (base + dt.timedelta(days=day)).isoformat()


def _ymd(year: str, month: str, day: str) -> str | None:
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def _date_text(s: str, key: str, problems: list[CellProblem]) -> str:
    if len(s) == 10 and s[4] == "-" and s[7] == "-":
        try:
            return dt.date.fromisoformat(s).isoformat()
        except ValueError:
            pass
    m = _DATE_TEXT.fullmatch(s) or _DATE_COMPACT.fullmatch(s)
    if m is not None:
        iso = _ymd(*m.groups())
        if iso is not None:
            return iso
    elif _SERIAL_TEXT.fullmatch(s):
        # A date column formatted as General and then saved as CSV.
        iso = _serial_date(float(s), epoch_1904=False)
        if iso is not None:
            return iso
    elif _YEAR_MONTH.fullmatch(s):
        add_problem(problems, key, _INCOMPLETE_DATE)
        return s
    add_problem(problems, key, f"无法识别的日期「{s}」，请使用 YYYY-MM-DD 格式")
    return s


def _date_number(v: int | float, key: str, problems: list[CellProblem], epoch_1904: bool) -> str:
    # An int may have hundreds of digits and overflow a float: never convert one.
    whole = isinstance(v, int) or v.is_integer()
    raw = str(int(v)) if whole else str(v)
    if 1800 <= v <= 2100:
        add_problem(problems, key, _INCOMPLETE_DATE)
        return raw
    if 10_000_101 <= v <= 99_991_231 and whole:
        m = _DATE_COMPACT.fullmatch(raw)
        iso = _ymd(*m.groups()) if m else None
    elif 1 <= v <= _MAX_SERIAL:
        iso = _serial_date(v, epoch_1904)
        if iso is None:
            add_problem(problems, key, "日期 1900-02-29 不存在（Excel 的 1900 年闰年错误）")
            return raw
    else:
        iso = None
    if iso is None:
        add_problem(problems, key, f"无法识别的日期「{raw}」，请使用 YYYY-MM-DD 格式")
        return raw
    return iso


def _code_text(s: str, key: str, problems: list[CellProblem]) -> str:
    """Codes typed or exported as text: drop a ``.0`` left by a number-to-text export."""
    if "." in s or "e" in s or "E" in s:
        m = _TRAILING_POINT_ZERO.fullmatch(s)
        if m is not None:
            return m.group(1)
        if _SCIENTIFIC.fullmatch(s):
            # The digits are gone for good; keep the text so validation rejects it visibly.
            add_problem(problems, key, f"以科学计数法保存（{s}），精度已丢失，无法恢复原号码")
    return s


def convert(v: object, kind: int, key: str, problems: list[CellProblem], epoch_1904: bool) -> str:
    """A non-text cell value as the text the clerk sees (or meant) in Excel."""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int | float):
        if kind == _DATE:
            return _date_number(v, key, problems, epoch_1904)
        if isinstance(v, int):
            return str(v)
        if v.is_integer():
            text = str(int(v))
            # A double holds 15-16 significant digits: an 18-digit ID number typed into a
            # General cell has already lost its tail, and Excel shows it as 3.40422E+17.
            if kind == _ID:
                add_problem(problems, key, FLOAT_ID)
            elif kind == _CODE and abs(v) >= 1e15:
                add_problem(problems, key, _FLOAT_CODE)
            return text
        return str(v)
    if isinstance(v, dt.datetime):
        if kind == _DATE or v.time() == dt.time():
            return v.date().isoformat()
        return v.isoformat(sep=" ", timespec="seconds")
    if isinstance(v, dt.date):
        return v.isoformat()
    text = str(v).strip()
    if kind == _DATE:
        add_problem(problems, key, f"无法识别的日期「{text}」，请使用 YYYY-MM-DD 格式")
    return text


TEXT_FIXERS: dict[int, Callable[[str, str, list[CellProblem]], str]] = {
    _CODE: _code_text,
    _ID: _code_text,
    _DATE: _date_text,
}
