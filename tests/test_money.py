"""Money: parsing typed amounts, formatting fen, and Chinese financial capitals (大写金额)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import ValidationError
from app.domain.money import MAX_FEN, fen_to_capitals, format_fen, parse_yuan

CAPITALS = [
    (0, "零元整"),
    (5, "伍分"),  # 0.05: no leading 零元
    (50, "伍角整"),  # 0.50
    (55, "伍角伍分"),
    (105, "壹元零伍分"),
    (1000, "壹拾元整"),  # 10.00
    (1010, "壹拾元零壹角整"),
    (10010, "壹佰元零壹角整"),  # 100.10
    (10015, "壹佰元零壹角伍分"),
    (10005, "壹佰元零伍分"),
    (10150, "壹佰零壹元伍角整"),
    (38000, "叁佰捌拾元整"),
    (61000, "陆佰壹拾元整"),
    (100500, "壹仟零伍元整"),  # 1,005.00
    (102000, "壹仟零贰拾元整"),  # 1,020.00
    (100005, "壹仟元零伍分"),
    (1000000, "壹万元整"),  # 10,000.00
    (1010000, "壹万零壹佰元整"),
    (10000100, "壹拾万零壹元整"),
    (100000000, "壹佰万元整"),  # 1,000,000.00
    (10000000000, "壹亿元整"),  # 100,000,000.00
    (10005000009, "壹亿零伍万元零玖分"),  # 1,0005,0000.09
    (10000000100, "壹亿零壹元整"),  # 1,0000,0001.00: an empty 万 section is not written
    (11000000000, "壹亿壹仟万元整"),
    (123456789012, "壹拾贰亿叁仟肆佰伍拾陆万柒仟捌佰玖拾元零壹角贰分"),
    (10**12 - 1, "玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    (MAX_FEN, "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
]


@pytest.mark.parametrize(("fen", "expected"), CAPITALS)
def test_capitals_table(fen: int, expected: str) -> None:
    assert fen_to_capitals(fen) == expected


def test_capitals_reject_negative_and_too_large() -> None:
    with pytest.raises(ValueError):
        fen_to_capitals(-1)
    with pytest.raises(ValueError):
        fen_to_capitals(MAX_FEN + 1)  # 万亿 yuan has no unit in the capitals


@given(st.integers(min_value=0, max_value=MAX_FEN))
def test_capitals_are_well_formed(fen: int) -> None:
    text = fen_to_capitals(fen)
    assert "零零" not in text
    assert text.endswith(("整", "分"))
    assert text.endswith("分") == (fen % 10 != 0)
    # 整 only after 元 or 角.
    if text.endswith("整"):
        assert text[-2] in "元角"
    if fen >= 100:
        assert "元" in text
        assert not text.startswith("零")
    elif fen:
        assert "元" not in text and not text.startswith("零")


PARSED = [
    ("1,020.00", 102000),
    ("¥12.5", 1250),
    ("12", 1200),
    ("0.05", 5),
    ("  380  ", 38000),
    ("￥1,020", 102000),
    ("１２．５", 1250),  # full-width digits from a Chinese input method
    ("610元", 61000),
    ("1,000,000.01", 100000001),
    ("999,999,999,999.99", MAX_FEN),
]


@pytest.mark.parametrize(("text", "fen"), PARSED)
def test_parse_yuan(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    ("text", "message_part"),
    [
        ("-1", "负数"),
        ("¥-12.00", "负数"),
        ("1.234", "两位小数"),
        ("1.230", "两位小数"),
        ("", "请输入金额"),
        ("abc", "格式不正确"),
        ("1,02", "格式不正确"),
        ("12,34.00", "格式不正确"),
        ("1e3", "格式不正确"),
        ("NaN", "格式不正确"),
        (".5", "格式不正确"),
        ("12.", "格式不正确"),
        ("١٢", "格式不正确"),  # Arabic-Indic digits are not accepted
        ("1,000,000,000,000", "过大"),
    ],
)
def test_parse_yuan_rejects(text: str, message_part: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_yuan(text)
    assert message_part in caught.value.message


@pytest.mark.parametrize(
    ("fen", "plain", "with_symbol"),
    [
        (0, "0.00", "¥0.00"),
        (5, "0.05", "¥0.05"),
        (102000, "1,020.00", "¥1,020.00"),
        (100000000, "1,000,000.00", "¥1,000,000.00"),
        (-15000, "-150.00", "-¥150.00"),
    ],
)
def test_format_fen(fen: int, plain: str, with_symbol: str) -> None:
    assert format_fen(fen) == plain
    assert format_fen(fen, symbol=True) == with_symbol


def test_format_fen_refuses_floats() -> None:
    with pytest.raises(TypeError):
        format_fen(1.5)  # type: ignore[arg-type]


@given(st.integers(min_value=0, max_value=MAX_FEN), st.booleans())
def test_format_then_parse_round_trips(fen: int, symbol: bool) -> None:
    assert parse_yuan(format_fen(fen, symbol=symbol)) == fen
