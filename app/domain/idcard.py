"""Resident ID numbers (公民身份号码, GB 11643-1999).

Layout of the 18 characters: 6-digit area code (行政区划代码), birth date YYYYMMDD,
3-digit sequence (顺序码, odd = male), and a check character (校验码) computed with
ISO 7064 MOD 11-2.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from operator import mul

from app.domain.errors import InvalidIdNumber, ValidationError

ID_LENGTH = 18

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"  # indexed by the weighted sum mod 11
_DIGIT_ZERO_SUM = ord("0") * sum(_WEIGHTS)

# Province-level codes (省级行政区划代码). 83 is used by 台湾居民居住证 and 91 by the
# newer 外国人永久居留身份证, both of which follow the same 18-character layout.
PROVINCE_CODES: frozenset[str] = frozenset(
    [str(n) for n in range(11, 16)]
    + ["21", "22", "23"]
    + [str(n) for n in range(31, 38)]
    + [str(n) for n in range(41, 47)]
    + [str(n) for n in range(50, 55)]
    + [str(n) for n in range(61, 66)]
    + ["71", "81", "82", "83", "91"]
)

# The oldest living people registered in the 1980s were born in the 1880s; the GB example
# 440524188001010014 must stay valid, so the bound is 1880 rather than 1890.
EARLIEST_BIRTH = date(1880, 1, 1)


@dataclass(frozen=True)
class IdNumber:
    """A parsed, valid resident ID number (居民身份证号码)."""

    number: str
    area_code: str
    birth_date: date
    sex: int  # 1 男, 2 女 (GB/T 2261.1)


def check_character(first17: str) -> str:
    """The check character (校验码) for the first 17 digits, ISO 7064 MOD 11-2."""
    if len(first17) != 17 or not _ascii_digits(first17):
        raise ValueError("check_character needs exactly 17 ASCII digits")
    # In C, over the digits' bytes (each the digit's value + 48), not a generator or an int()
    # per digit: it runs for every row of an import.
    total = sum(map(mul, first17.encode("ascii"), _WEIGHTS)) - _DIGIT_ZERO_SUM
    return _CHECK_CHARS[total % 11]


def _ascii_digits(text: str) -> bool:
    # isdigit() alone accepts other scripts' digits (and ², ①); isascii() keeps 0-9 only.
    return text.isascii() and text.isdigit()


def _normalise(text: str) -> str:
    # NFKC turns full-width digits and Ｘ (typed with a Chinese IME) into ASCII.
    return unicodedata.normalize("NFKC", text).strip().upper()


def parse_id_number(text: str, *, today: date | None = None) -> IdNumber:
    """Parse and validate an 18-character ID number, or raise :class:`InvalidIdNumber`.

    Surrounding whitespace is ignored; a lower-case ``x`` is accepted and stored upper-case.
    """
    if not isinstance(text, str):
        raise InvalidIdNumber("身份证号应为文本")
    number = _normalise(text)
    if not number:
        raise InvalidIdNumber("请填写身份证号")
    if len(number) != ID_LENGTH:
        raise InvalidIdNumber(f"身份证号应为18位，当前为{len(number)}位")
    first17, last = number[:17], number[17]
    if not _ascii_digits(first17) or last not in _CHECK_CHARS:
        raise InvalidIdNumber("身份证号含有非法字符：前17位应为数字，最后一位应为数字或X")

    if number[:2] not in PROVINCE_CODES:
        raise InvalidIdNumber(f"身份证号的地区码无效：{number[:2]} 不是省级行政区划代码")

    digits = number[6:14]
    try:
        birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise InvalidIdNumber(f"身份证号中的出生日期无效：{digits}") from None
    today = today or date.today()
    if birth > today:
        raise InvalidIdNumber(f"身份证号中的出生日期 {birth.isoformat()} 晚于今天")
    if birth < EARLIEST_BIRTH:
        raise InvalidIdNumber(
            f"身份证号中的出生日期 {birth.isoformat()} 早于{EARLIEST_BIRTH.year}年"
        )

    expected = check_character(first17)
    if last != expected:
        raise InvalidIdNumber(f"身份证号校验码错误，应为{expected}")

    sex = 1 if int(number[16]) % 2 == 1 else 2
    return IdNumber(number=number, area_code=number[:6], birth_date=birth, sex=sex)


def is_valid_id_number(text: str, *, today: date | None = None) -> bool:
    """True when :func:`parse_id_number` accepts ``text``."""
    try:
        parse_id_number(text, today=today)
    except InvalidIdNumber:
        return False
    return True


def make_id_number(area_code: str, birth_date: date, sequence: int) -> str:
    """Build a valid number; ``sequence`` 0..999, odd means male. For demo data and tests."""
    if len(area_code) != 6 or not _ascii_digits(area_code):
        raise ValidationError("地区码应为6位数字")
    if not 0 <= sequence <= 999:
        raise ValidationError("顺序码应在 0 到 999 之间")
    first17 = f"{area_code}{birth_date:%Y%m%d}{sequence:03d}"
    if len(first17) != 17:  # years before 1000 would not fit the layout
        raise ValidationError("出生日期超出身份证号可表示的范围")
    return first17 + check_character(first17)


def mask_id_number(number: str, keep_start: int = 6) -> str:
    """Hide the middle of an ID number for display (6) or logs (4).

    ``340422199001010211`` → ``340422********0211``. Other certificate numbers (e.g. 出生医学证明
    ``P340000123``) keep two characters at each end.
    """
    if len(number) == ID_LENGTH:
        if not 0 <= keep_start <= ID_LENGTH - 4:
            raise ValueError("keep_start out of range")
        return number[:keep_start] + "*" * (ID_LENGTH - 4 - keep_start) + number[-4:]
    if len(number) <= 4:
        # Nothing would remain hidden if both ends were kept.
        return "*" * len(number)
    return number[:2] + "*" * (len(number) - 4) + number[-2:]


def mask_name(name: str) -> str:
    """王建国 → 王*国, 张伟 → 张*, 欧阳娜娜 → 欧**娜, a single character → *."""
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def sex_and_birth_agree(id: IdNumber, sex: int | None, birth_date: date | None) -> list[str]:
    """Cross-check recorded sex and birth date against the ID number; ``None`` skips a check.

    Returns Chinese problem strings, empty when everything agrees.
    """
    problems: list[str] = []
    if sex is not None and sex != id.sex:
        problems.append("性别与身份证号不符")
    if birth_date is not None and birth_date != id.birth_date:
        problems.append("出生日期与身份证号不符")
    return problems
