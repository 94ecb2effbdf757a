"""Money: integer fen (分) everywhere, typed text parsed with ``Decimal``, never floats.

Three conversions the rest of the app needs:

- ``parse_yuan`` — what a clerk types ("1,020.00", "¥12.5", "１２") → fen;
- ``format_fen`` — fen → "1,020.00" / "¥1,020.00" for screens, receipts and reports;
- ``fen_to_capitals`` — fen → Chinese financial capitals (大写金额, e.g. 壹仟零贰拾元整) as
  written on receipts, following 财政部《会计基础工作规范》第五十二条.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from app.domain.errors import ValidationError

# 万亿 yuan is the first amount the capitals cannot spell (units stop at 亿), so nothing at or
# above it is accepted anywhere; a premium ledger never gets near it.
MAX_FEN = 10**12 * 100 - 1

# [0-9], not \d: \d also matches other scripts' digits, which Decimal would quietly accept.
_AMOUNT = re.compile(r"(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.(?P<decimals>[0-9]+))?")

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_POSITIONS = ("", "拾", "佰", "仟")
_SECTIONS = ("", "万", "亿")


def parse_yuan(text: str) -> int:
    """Parse an amount in yuan typed by a user into fen.

    Accepts thousands separators ("1,020.00"), a leading ¥ or ￥, a trailing 元, surrounding
    spaces and full-width digits from a Chinese input method. Rejects negatives, more than two
    decimals (no fraction of a 分) and anything else with a ``ValidationError`` whose message
    can be shown to the clerk.
    """
    # NFKC turns full-width digits, commas, dots and ￥ into their ASCII forms (￥ → ¥).
    cleaned = unicodedata.normalize("NFKC", text).strip()
    cleaned = cleaned.removeprefix("¥").removesuffix("元").strip()
    if cleaned.startswith(("-", "−")):
        raise ValidationError(f"金额不能为负数：{text.strip()}")
    if not cleaned:
        raise ValidationError("请输入金额")
    match = _AMOUNT.fullmatch(cleaned)
    if match is None:
        raise ValidationError(f"金额格式不正确：{text.strip()}（示例：1,020.00）")
    if len(match["decimals"] or "") > 2:
        raise ValidationError(f"金额最多保留两位小数（到分）：{text.strip()}")
    fen = int(Decimal(cleaned.replace(",", "")) * 100)
    if fen > MAX_FEN:
        raise ValidationError(f"金额过大：{text.strip()}")
    return fen


def format_fen(fen: int, *, symbol: bool = False) -> str:
    """Format fen as yuan with thousands separators: 102000 → "1,020.00" (or "¥1,020.00").

    Negative amounts (refunds in reports) get a leading minus: "-¥150.00".
    """
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"fen must be an int, not {type(fen).__name__}")
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{'¥' if symbol else ''}{yuan:,}.{cents:02d}"


def fen_to_capitals(fen: int) -> str:
    """Spell an amount in Chinese financial capitals (大写金额) for a receipt.

    Follows 《会计基础工作规范》第五十二条: 整 after 元 or 角 when there is no 分; a run of zeros
    inside the number is written as a single 零; a zero 元 digit followed by 角 is written as
    零 (壹佰元零壹角整); below one yuan there is no leading 零元 (伍分). 0 → 零元整.
    Raises ``ValueError`` for negative amounts and for 万亿 yuan or more.
    """
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"fen must be an int, not {type(fen).__name__}")
    if fen < 0:
        raise ValueError("大写金额不能为负数")
    if fen > MAX_FEN:
        raise ValueError("金额超出大写金额的表示范围（不足万亿元）")
    if fen == 0:
        return "零元整"

    yuan, rest = divmod(fen, 100)
    jiao, cents = divmod(rest, 10)
    out = _integer_capitals(yuan)
    if yuan:
        out += "元"
    if jiao:
        # A zero in the 元 digit between two non-zero parts is read aloud, so it is written.
        if yuan and yuan % 10 == 0:
            out += "零"
        out += _DIGITS[jiao] + "角"
    elif yuan and cents:
        out += "零"
    if cents:
        out += _DIGITS[cents] + "分"
    else:
        out += "整"
    return out


def _integer_capitals(number: int) -> str:
    """Capitals for a whole number of yuan below 万亿, without the 元 ("" for 0)."""
    digits = str(number) if number else ""
    out: list[str] = []
    pending_zero = False
    section_has_digit = False
    for index, char in enumerate(digits):
        place = len(digits) - 1 - index  # 0 = units
        digit = int(char)
        if digit:
            if pending_zero:
                out.append("零")
                pending_zero = False
            out.append(_DIGITS[digit] + _POSITIONS[place % 4])
            section_has_digit = True
        elif out:
            pending_zero = True
        if place % 4 == 0 and place:
            # 万 / 亿 are written only when their four-digit section holds a digit:
            # 1,0000,0005 is 壹亿零伍, not 壹亿零万零伍.
            if section_has_digit:
                out.append(_SECTIONS[place // 4])
            section_has_digit = False
    return "".join(out)
