from __future__ import annotations

import pytest

from app.domain.pinyin import name_initials


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("王建国", "wjg"),
        ("欧阳娜娜", "oynn"),
        ("吕布", "lb"),
        ("张伟", "zw"),
        ("Tom李", "toml"),
        ("买买提·艾力", "mmtal"),  # the middle dot is dropped
        ("张3丰", "zf"),  # digits are dropped
        ("ＡＢ王", "abw"),  # full-width letters from an IME
        (" 王 五 ", "ww"),
        ("", ""),
    ],
)
def test_name_initials(name: str, initials: str) -> None:
    assert name_initials(name) == initials


def test_polyphonic_surname_is_deterministic() -> None:
    first = name_initials("单田芳")
    assert first in {"dtf", "stf"}  # 单 reads dan or shan; either is fine, but always the same
    assert all(name_initials("单田芳") == first for _ in range(5))
