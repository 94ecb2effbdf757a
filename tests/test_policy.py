from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import PolicyError, ValidationError
from app.domain.policy import (
    NEWBORN_MONTHS_DEFAULT,
    Policy,
    Rules,
    Subsidy,
    Tier,
    benefit_year_label,
    campaign_label,
    collection_period_label,
    load_policy_file,
    parse_policy,
)

DATA = Path(__file__).parent / "data"


def two_tier_dict() -> dict[str, Any]:
    return json.loads((DATA / "policy-two-tier.json").read_text(encoding="utf-8"))


def problems_of(data: object) -> list[str]:
    with pytest.raises(PolicyError) as info:
        parse_policy(data)
    assert info.value.problems == info.value.details["problems"]
    return info.value.problems


def test_sample_policy_parses() -> None:
    policy = load_policy_file(DATA / "policy-single.json")
    assert policy.schema == "yibao.policy/1"
    assert policy.region == "示例县"
    assert policy.insurance_type == "390"
    assert (policy.campaign_year, policy.benefit_year) == (2020, 2021)
    assert (policy.collection_start, policy.collection_end) == (date(2020, 9, 1), date(2020, 12, 31))
    assert policy.tiers == (Tier("std", "个人缴费标准", 28000, 28000),)
    assert [s.category for s in policy.subsidies] == [
        "特困", "孤儿", "建档立卡", "低保", "重点优抚", "残疾",
    ]
    assert policy.subsidy_for("低保") == Subsidy("低保", "最低生活保障对象", "fixed", 10000)
    assert policy.subsidy_for("特困") == Subsidy("特困", "特困供养人员", "full")
    assert policy.rules == Rules(True, True, 3, date(2021, 1, 1))


def test_two_tier_policy_parses() -> None:
    policy = load_policy_file(DATA / "policy-two-tier.json")
    assert policy.tier("1") == Tier("1", "一档", 38000, 50000)
    assert policy.tier("2") == Tier("2", "二档", 64000, 64000)
    assert policy.subsidy_for("监测对象") == Subsidy(
        "监测对象", "返贫致贫人口及防止返贫监测对象", "tier_percent", None, "1", Decimal(50)
    )
    assert policy.subsidy_for("五保") is None


def test_unknown_tier_is_a_validation_error() -> None:
    policy = parse_policy(two_tier_dict())
    with pytest.raises(ValidationError) as info:
        policy.tier("3")
    assert "未知档次" in info.value.message


def test_collection_window_is_inclusive() -> None:
    policy = parse_policy(two_tier_dict())
    assert policy.in_collection_window(date(2026, 9, 1))
    assert policy.in_collection_window(date(2026, 12, 31))
    assert not policy.in_collection_window(date(2026, 8, 31))
    assert not policy.in_collection_window(date(2027, 1, 1))


@pytest.mark.parametrize("name", ["policy-single.json", "policy-two-tier.json"])
def test_to_dict_round_trips(name: str) -> None:
    policy = load_policy_file(DATA / name)
    as_dict = policy.to_dict()
    assert parse_policy(as_dict) == policy
    # The dict is plain JSON: no Decimal, no date.
    assert parse_policy(json.loads(json.dumps(as_dict))) == policy


def test_fractional_percent_round_trips_as_string() -> None:
    data = two_tier_dict()
    data["subsidies"][3]["percent"] = "33.50"
    policy = parse_policy(data)
    assert policy.subsidy_for("监测对象").percent == Decimal("33.5")
    assert policy.to_dict()["subsidies"][3]["percent"] == "33.5"
    assert parse_policy(policy.to_dict()) == policy


def test_broken_policy_names_every_problem_with_its_path() -> None:
    data = two_tier_dict()
    data["schema"] = "yibao.policy/2"
    data["benefit_year"] = 2026
    data["collection"] = {"start": "2026/09/01", "end": "2026-02-30"}
    data["tiers"][0]["local_fen"] = -1
    data["tiers"][1]["nonlocal_fen"] = 640.0
    data["tiers"][1]["code"] = "1"
    data["subsidies"][3]["of_tier"] = "x"
    data["subsidies"][3]["percent"] = 150
    data["subsidies"][4]["category"] = "低保"
    data["subsidies"][2]["kind"] = "half"
    del data["subsidies"][1]["name"]
    data["rules"]["newborn_months"] = 13
    data["rules"]["highest_single_subsidy"] = "yes"
    data["regoin"] = "typo"

    problems = problems_of(data)
    assert sorted(problems) == sorted([
        "schema: 应为 yibao.policy/1",
        "benefit_year: 待遇年度必须晚于征缴年度（campaign_year）",
        "collection.start: 日期格式应为 YYYY-MM-DD",
        "collection.end: 不是有效日期：2026-02-30",
        "tiers[0].local_fen: 必须是非负整数（分）",
        "tiers[1].nonlocal_fen: 必须是非负整数（分）",
        "tiers[1].code: 档次代码 '1' 重复",
        "subsidies[1].name: 缺少此字段",
        "subsidies[2].kind: 应为 full、fixed 或 tier_percent 之一",
        "subsidies[3].of_tier: 档次 'x' 不存在",
        "subsidies[3].percent: 应为 0 到 100 之间的数（整数或小数字符串，如 \"50\" 或 \"33.5\"）",
        "subsidies[4].category: 资助类别 '低保' 重复",
        "rules.newborn_months: 应为 1 到 12 之间的整数（月）",
        "rules.highest_single_subsidy: 应为 true 或 false",
        "regoin: 未知字段",
    ])


def test_boolean_is_not_a_fen_amount() -> None:
    data = two_tier_dict()
    data["tiers"][0]["local_fen"] = True
    data["subsidies"][2]["amount_fen"] = False
    assert problems_of(data) == [
        "tiers[0].local_fen: 必须是非负整数（分）",
        "subsidies[2].amount_fen: 必须是非负整数（分）",
    ]


def test_missing_top_level_keys_are_named() -> None:
    problems = problems_of({"schema": "yibao.policy/1"})
    assert problems == [
        f"{key}: 缺少此字段"
        for key in (
            "region", "insurance_type", "campaign_year", "benefit_year",
            "collection", "tiers", "subsidies", "rules",
        )
    ]


def test_empty_nested_objects_name_their_missing_keys() -> None:
    data = two_tier_dict()
    data["collection"] = {}
    data["rules"] = {}
    data["tiers"] = []
    problems = problems_of(data)
    assert "collection.start: 缺少此字段" in problems
    assert "collection.end: 缺少此字段" in problems
    assert "rules.refund_before: 缺少此字段" in problems
    assert "rules.household_same_tier: 缺少此字段" in problems
    assert "tiers: 至少需要一个档次" in problems
    # of_tier "1" no longer exists once the tiers are gone.
    assert "subsidies[3].of_tier: 档次 '1' 不存在" in problems


def test_end_before_start_and_refund_deadline() -> None:
    data = two_tier_dict()
    data["collection"] = {"start": "2026-12-31", "end": "2026-09-01"}
    data["rules"]["refund_before"] = "2026-01-01"
    assert problems_of(data) == [
        "collection.end: 结束日期早于开始日期",
        "rules.refund_before: 退费截止日期应晚于征缴开始日期",
    ]


def test_kind_specific_fields() -> None:
    data = two_tier_dict()
    data["subsidies"][0]["amount_fen"] = 100  # full + amount is ambiguous
    del data["subsidies"][2]["amount_fen"]  # fixed without an amount
    del data["subsidies"][3]["percent"]  # tier_percent without a percent
    assert problems_of(data) == [
        "subsidies[0].amount_fen: full 类型的资助不应填写此字段",
        "subsidies[2].amount_fen: 缺少此字段",
        "subsidies[3].percent: 缺少此字段",
    ]


@pytest.mark.parametrize("percent", [50.5, "-1", "abc", "1e2", True, "100.01", None])
def test_bad_percent_values(percent: object) -> None:
    data = two_tier_dict()
    data["subsidies"][3]["percent"] = percent
    assert [p.split(":")[0] for p in problems_of(data)] == ["subsidies[3].percent"]


@pytest.mark.parametrize(("percent", "expected"), [(0, 0), (100, 100), ("12.5", "12.5")])
def test_good_percent_values(percent: object, expected: object) -> None:
    data = two_tier_dict()
    data["subsidies"][3]["percent"] = percent
    assert parse_policy(data).subsidy_for("监测对象").percent == Decimal(str(expected))


def test_wrong_container_types() -> None:
    assert problems_of([1, 2]) == ["(根): 应为 JSON 对象"]
    data = two_tier_dict()
    data["tiers"] = {"code": "1"}
    data["subsidies"][0] = "特困"
    data["collection"] = "2026"
    assert problems_of(data) == [
        "collection: 应为 JSON 对象",
        "tiers: 应为数组",
        # no cascade: of_tier is not reported while the tier list itself is unreadable
        "subsidies[0]: 应为 JSON 对象",
    ]


def test_comment_keys_are_allowed() -> None:
    data = two_tier_dict()
    data["_comment"] = "2026年度征缴"
    data["tiers"][0]["_note"] = "一档"
    assert parse_policy(data) == parse_policy(two_tier_dict())


def test_text_fields_are_stripped() -> None:
    data = two_tier_dict()
    data["tiers"][0]["code"] = " 1 "
    assert parse_policy(data).tier("1").local_fen == 38000


def test_bad_json_reports_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{\n  "schema": "yibao.policy/1",\n  "region" "x"\n}', encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_policy_file(path)
    assert len(info.value.problems) == 1
    assert info.value.problems[0].startswith("第 3 行第 12 列: JSON 格式错误")


def test_json_float_amount_is_rejected_not_rounded(tmp_path: Path) -> None:
    text = (DATA / "policy-two-tier.json").read_text(encoding="utf-8")
    path = tmp_path / "p.json"
    path.write_text(text.replace('"local_fen": 38000', '"local_fen": 380.00'), encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_policy_file(path)
    assert info.value.problems == ["tiers[0].local_fen: 必须是非负整数（分）"]


def test_json_decimal_percent_is_exact(tmp_path: Path) -> None:
    text = (DATA / "policy-two-tier.json").read_text(encoding="utf-8")
    path = tmp_path / "p.json"
    path.write_text(text.replace('"percent": 50', '"percent": 33.3'), encoding="utf-8")
    assert load_policy_file(path).subsidy_for("监测对象").percent == Decimal("33.3")


def test_duplicate_json_keys_are_reported(tmp_path: Path) -> None:
    text = (DATA / "policy-two-tier.json").read_text(encoding="utf-8")
    path = tmp_path / "p.json"
    path.write_text(
        text.replace('"local_fen": 38000', '"local_fen": 38000, "local_fen": 3800'),
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as info:
        load_policy_file(path)
    assert info.value.problems == ["local_fen: 字段重复出现"]


def test_bom_and_encoding(tmp_path: Path) -> None:
    text = (DATA / "policy-two-tier.json").read_text(encoding="utf-8")
    with_bom = tmp_path / "bom.json"
    with_bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_policy_file(with_bom) == parse_policy(two_tier_dict())

    gbk = tmp_path / "gbk.json"
    gbk.write_bytes(text.encode("gbk"))
    with pytest.raises(PolicyError) as info:
        load_policy_file(gbk)
    assert info.value.message == "政策文件不是 UTF-8 编码"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as info:
        load_policy_file(tmp_path / "nope.json")
    assert info.value.message == "无法读取政策文件"


def test_parse_does_not_mutate_input() -> None:
    data = two_tier_dict()
    before = copy.deepcopy(data)
    assert isinstance(parse_policy(data), Policy)
    assert data == before


# --- newborn window in calendar months ---------------------------------------------------


def legacy_dict(days: int) -> dict[str, Any]:
    data = two_tier_dict()
    del data["rules"]["newborn_months"]
    data["rules"]["newborn_days"] = days
    return data


def test_newborn_months_is_read_and_written() -> None:
    data = two_tier_dict()
    data["rules"]["newborn_months"] = 6
    policy = parse_policy(data)
    assert policy.rules.newborn_months == 6
    assert policy.to_dict()["rules"]["newborn_months"] == 6
    assert "newborn_days" not in policy.to_dict()["rules"]


def test_legacy_newborn_days_file_loads_as_months(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps(legacy_dict(90), ensure_ascii=False), encoding="utf-8")
    policy = load_policy_file(path)
    assert policy.rules.newborn_months == 3
    # Written back in months, and the round trip holds.
    assert policy.to_dict()["rules"]["newborn_months"] == 3
    assert "newborn_days" not in policy.to_dict()["rules"]
    assert parse_policy(policy.to_dict()) == policy
    # The same window as a file that says months.
    assert policy == parse_policy(two_tier_dict())


@pytest.mark.parametrize(("days", "months"), [
    (1, 1), (28, 1), (31, 1), (32, 2), (60, 2), (62, 2), (90, 3), (93, 3), (94, 4), (180, 6),
    (365, 12), (366, 12),
])
def test_legacy_days_convert_to_at_least_one_month(days: int, months: int) -> None:
    assert parse_policy(legacy_dict(days)).rules.newborn_months == months


@given(st.integers(1, 366))
def test_legacy_days_convert_within_bounds(days: int) -> None:
    months = parse_policy(legacy_dict(days)).rules.newborn_months
    assert 1 <= months <= 12
    assert 31 * (months - 1) < days <= 31 * months


def test_both_keys_the_months_win() -> None:
    data = two_tier_dict()
    data["rules"]["newborn_months"] = 2
    data["rules"]["newborn_days"] = 180
    assert parse_policy(data).rules.newborn_months == 2


def test_no_newborn_key_means_three_months() -> None:
    data = two_tier_dict()
    del data["rules"]["newborn_months"]
    assert NEWBORN_MONTHS_DEFAULT == 3
    assert parse_policy(data).rules.newborn_months == 3


@pytest.mark.parametrize("value", [0, 13, -1, "3", 3.0, True, None])
def test_newborn_months_out_of_bounds_is_named_in_chinese(value: object) -> None:
    data = two_tier_dict()
    data["rules"]["newborn_months"] = value
    assert problems_of(data) == ["rules.newborn_months: 应为 1 到 12 之间的整数（月）"]


@pytest.mark.parametrize("value", [0, 367, "90", True])
def test_legacy_newborn_days_out_of_bounds(value: object) -> None:
    assert problems_of(legacy_dict(value)) == [  # type: ignore[arg-type]
        "rules.newborn_days: 应为 1 到 366 之间的整数（天）"
    ]


@given(st.integers(1, 12))
def test_round_trip_for_every_month_count(months: int) -> None:
    data = two_tier_dict()
    data["rules"]["newborn_months"] = months
    policy = parse_policy(data)
    assert parse_policy(policy.to_dict()) == policy
    assert parse_policy(json.loads(json.dumps(policy.to_dict()))) == policy


# --- one name for a campaign's year -------------------------------------------------------


def test_campaign_is_named_by_its_benefit_year() -> None:
    policy = parse_policy(two_tier_dict())
    assert (policy.campaign_year, policy.benefit_year) == (2026, 2027)
    assert policy.year_label() == "2027年度"
    assert policy.period_label() == "征缴期 2026-09-01至2026-12-31"
    assert policy.label() == "2027年度（征缴期 2026-09-01至2026-12-31）"
    assert benefit_year_label(2027) == policy.year_label()
    assert collection_period_label(date(2026, 9, 1), date(2026, 12, 31)) == policy.period_label()
    assert campaign_label(2027, date(2026, 9, 1), date(2026, 12, 31)) == policy.label()
    assert campaign_label(2027) == "2027年度"
