from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import InvalidIdNumber, ValidationError
from app.domain.idcard import (
    PROVINCE_CODES,
    IdNumber,
    check_character,
    is_valid_id_number,
    make_id_number,
    mask_id_number,
    mask_name,
    parse_id_number,
    sex_and_birth_agree,
)
from app.domain.roster import parse_id_type

TODAY = date(2026, 6, 1)


def test_gb_example_with_x_check_character() -> None:
    parsed = parse_id_number("11010519491231002X", today=TODAY)
    assert parsed == IdNumber(
        number="11010519491231002X",
        area_code="110105",
        birth_date=date(1949, 12, 31),
        sex=2,  # 17th digit 2 is even
    )


def test_gb_example_born_1880_is_valid() -> None:
    parsed = parse_id_number("440524188001010014", today=TODAY)
    assert parsed.birth_date == date(1880, 1, 1)
    assert parsed.sex == 1
    assert parsed.area_code == "440524"


def test_lower_case_x_and_whitespace_are_normalised() -> None:
    assert parse_id_number("  11010519491231002x\t", today=TODAY).number == "11010519491231002X"


def test_full_width_input_from_chinese_ime_is_accepted() -> None:
    assert parse_id_number("１１０１０５１９４９１２３１００２ｘ", today=TODAY).number == (
        "11010519491231002X"
    )


def test_wrong_check_character_names_the_expected_one() -> None:
    with pytest.raises(InvalidIdNumber) as info:
        parse_id_number("110105194912310021", today=TODAY)
    assert info.value.message == "身份证号校验码错误，应为X"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "请填写身份证号"),
        ("11010519491231002", "应为18位，当前为17位"),
        ("11010519491231002X1", "应为18位，当前为19位"),
        ("1101051949123100AX", "非法字符"),
        ("X10105194912310021", "非法字符"),
        ("11010519491231002Y", "非法字符"),
        ("991010194912310021", "地区码无效：99"),
        ("011010194912310021", "地区码无效：01"),
        ("110105194902300021", "出生日期无效：19490230"),
        ("110105194913010021", "出生日期无效：19491301"),
        (make_id_number("110105", date(2026, 6, 2), 21), "晚于今天"),
        (make_id_number("110105", date(1879, 12, 31), 21), "早于1880年"),
    ],
)
def test_each_failure_has_a_specific_message(text: str, fragment: str) -> None:
    with pytest.raises(InvalidIdNumber) as info:
        parse_id_number(text, today=TODAY)
    assert fragment in info.value.message
    assert not is_valid_id_number(text, today=TODAY)


def test_invalid_id_number_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        parse_id_number("123", today=TODAY)


def test_birth_on_today_is_accepted() -> None:
    assert is_valid_id_number(make_id_number("340422", TODAY, 21), today=TODAY)


def test_check_character_examples() -> None:
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"
    with pytest.raises(ValueError):
        check_character("1234")


def test_make_id_number_rejects_bad_arguments() -> None:
    with pytest.raises(ValidationError):
        make_id_number("1101", date(1990, 1, 1), 1)
    with pytest.raises(ValidationError):
        make_id_number("110105", date(1990, 1, 1), 1000)
    with pytest.raises(ValidationError):
        make_id_number("110105", date(1990, 1, 1), -1)


def test_mask_id_number() -> None:
    assert mask_id_number("340422199001010211") == "340422********0211"
    assert mask_id_number("340422199001010211", keep_start=4) == "3404**********0211"
    assert mask_id_number("P340000123") == "P3******23"
    assert mask_id_number("AB12") == "****"
    assert mask_id_number("") == ""


def test_mask_name() -> None:
    assert mask_name("王建国") == "王*国"
    assert mask_name("张伟") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_name("李") == "*"
    assert mask_name("") == ""


def test_sex_and_birth_cross_check() -> None:
    parsed = parse_id_number("11010519491231002X", today=TODAY)
    assert sex_and_birth_agree(parsed, 2, date(1949, 12, 31)) == []
    assert sex_and_birth_agree(parsed, None, None) == []
    assert sex_and_birth_agree(parsed, 1, date(1949, 12, 31)) == ["性别与身份证号不符"]
    assert sex_and_birth_agree(parsed, 1, date(1950, 1, 1)) == [
        "性别与身份证号不符",
        "出生日期与身份证号不符",
    ]


area_codes = st.builds(
    lambda province, rest: province + rest,
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.from_regex(r"\A[0-9]{4}\Z"),
)
birth_dates = st.dates(min_value=date(1880, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


@given(area_codes, birth_dates, sequences)
def test_made_numbers_validate_and_round_trip(area: str, born: date, seq: int) -> None:
    number = make_id_number(area, born, seq)
    parsed = parse_id_number(number, today=TODAY)
    assert parsed.number == number
    assert parsed.area_code == area
    assert parsed.birth_date == born
    assert parsed.sex == (1 if seq % 2 else 2)


@given(area_codes, birth_dates, sequences, st.integers(0, 17), st.integers(1, 10))
def test_any_single_character_change_is_detected(
    area: str, born: date, seq: int, position: int, shift: int
) -> None:
    number = make_id_number(area, born, seq)
    alphabet = "0123456789X" if position == 17 else "0123456789"
    current = alphabet.index(number[position])
    replacement = alphabet[(current + shift) % len(alphabet)]
    if replacement == number[position]:  # shift == len(alphabet) for digits: no change
        replacement = alphabet[(current + 1) % len(alphabet)]
    changed = number[:position] + replacement + number[position + 1 :]
    assert changed != number
    assert not is_valid_id_number(changed, today=TODAY)


@pytest.mark.parametrize("digit", ["٣", "३", "໓"])  # Arabic-Indic, Devanagari, Lao: NFKC keeps them
def test_digits_of_other_scripts_are_refused(digit: str) -> None:
    valid = "11010519491231002X"
    with pytest.raises(InvalidIdNumber, match="非法字符"):
        parse_id_number(valid[:3] + digit + valid[4:], today=TODAY)
    with pytest.raises(ValueError):
        check_character(valid[:3] + digit + valid[4:17])


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_character_is_iso_7064_mod_11_2(first17: str) -> None:
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    assert check_character(first17) == "10X98765432"[total % 11]


@pytest.mark.parametrize(("text", "code"), [
    ("", "01"), ("  ", "01"), ("01", "01"), ("居民身份证", "01"), ("身份证", "01"),
    ("居民身份证号码", "01"), (" 出生医学证明 ", "91"), ("91", "91"), ("港澳台居民居住证", "17"),
    ("07", "07"), ("其他", "99"),
])
def test_certificate_types_by_code_name_or_alias(text: str, code: str) -> None:
    assert parse_id_type(text) == code


@pytest.mark.parametrize("text", ["护照", "02", "身份"])
def test_an_unknown_certificate_type_is_refused_by_name(text: str) -> None:
    with pytest.raises(ValidationError, match=f"无法识别的证件类型：“{text}”"):
        parse_id_type(text)
