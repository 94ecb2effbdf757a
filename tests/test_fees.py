from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain import fees
from app.domain.errors import ValidationError
from app.domain.fees import (
    CategoryHolding,
    FeeInput,
    FeeLine,
    compute_fee,
    compute_household,
    is_newborn_enrolment,
    newborn_benefit_year,
    newborn_coverage_start,
    newborn_deadline,
    subsidy_amount_fen,
)
from app.domain.policy import Policy, load_policy_file, parse_policy

DATA = Path(__file__).parent / "data"
ON = date(2026, 10, 15)


@pytest.fixture
def policy() -> Policy:
    return load_policy_file(DATA / "policy-two-tier.json")


def policy_with(**changes: Any) -> Policy:
    data = json.loads((DATA / "policy-two-tier.json").read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[last] = value
    return parse_policy(data)


def fee(policy: Policy, tier: str, *cats: str | CategoryHolding, nonlocal_: bool = False,
        on: date = ON) -> FeeLine:
    holdings = [c if isinstance(c, CategoryHolding) else CategoryHolding(c) for c in cats]
    return compute_fee(policy, tier, nonlocal_resident=nonlocal_, categories=holdings, on=on)


def test_local_and_nonlocal_prices_without_subsidy(policy: Policy) -> None:
    assert fee(policy, "1") == FeeLine("1", 38000, 0, None, 38000)
    assert fee(policy, "1", nonlocal_=True) == FeeLine("1", 50000, 0, None, 50000)
    assert fee(policy, "2") == FeeLine("2", 64000, 0, None, 64000)
    assert fee(policy, "2", nonlocal_=True) == FeeLine("2", 64000, 0, None, 64000)


def test_full_subsidy_covers_the_chosen_tier_price(policy: Policy) -> None:
    assert fee(policy, "1", "特困") == FeeLine("1", 38000, 38000, "特困", 0)
    assert fee(policy, "2", "孤儿") == FeeLine("2", 64000, 64000, "孤儿", 0)
    assert fee(policy, "1", "特困", nonlocal_=True) == FeeLine("1", 50000, 50000, "特困", 0)


def test_fixed_and_tier_percent_subsidies(policy: Policy) -> None:
    assert fee(policy, "1", "低保") == FeeLine("1", 38000, 15000, "低保", 23000)
    # 50 % of tier 1's LOCAL price, even when the person chose tier 2 or is non-local.
    assert fee(policy, "1", "监测对象") == FeeLine("1", 38000, 19000, "监测对象", 19000)
    assert fee(policy, "2", "监测对象") == FeeLine("2", 64000, 19000, "监测对象", 45000)
    assert fee(policy, "1", "监测对象", nonlocal_=True) == FeeLine(
        "1", 50000, 19000, "监测对象", 31000
    )


def test_two_categories_only_the_higher_subsidy_applies(policy: Policy) -> None:
    # 监测对象 19000 beats 低保 15000; they are not added together (不重复).
    assert fee(policy, "1", "低保", "监测对象") == FeeLine("1", 38000, 19000, "监测对象", 19000)
    assert fee(policy, "1", "残疾", "低保") == FeeLine("1", 38000, 15000, "低保", 23000)
    assert fee(policy, "1", "低保", "特困") == FeeLine("1", 38000, 38000, "特困", 0)


def test_ties_go_to_the_first_subsidy_in_policy_order(policy: Policy) -> None:
    # 特困 and 孤儿 are both full; 特困 comes first in the policy whatever the caller's order.
    assert fee(policy, "1", "孤儿", "特困").category == "特困"
    tied = policy_with(subsidies__4__amount_fen=15000)  # 残疾 now equals 低保
    assert fee(tied, "1", "残疾", "低保").category == "低保"


def test_subsidies_add_up_when_the_policy_says_so() -> None:
    summed = policy_with(rules__highest_single_subsidy=False)
    assert fee(summed, "2", "残疾", "低保") == FeeLine("2", 64000, 25000, "低保+残疾", 39000)
    # the sum is still capped at the price
    assert fee(summed, "1", "特困", "低保") == FeeLine("1", 38000, 38000, "特困+低保", 0)


def test_subsidy_larger_than_price_is_capped(policy: Policy) -> None:
    cheap = policy_with(tiers__0__local_fen=12000)
    line = fee(cheap, "1", "低保")
    assert line == FeeLine("1", 12000, 12000, "低保", 0)
    assert line.payable_fen == 0


def test_tier_percent_rounds_half_up_to_the_fen() -> None:
    # 33.5 % of 38001 fen = 12730.335 → 12730
    p = policy_with(tiers__0__local_fen=38001, subsidies__3__percent="33.5")
    assert fee(p, "1", "监测对象").subsidy_fen == 12730
    # 50 % of 38001 fen = 19000.5 → 19001 (half-up, not banker's rounding)
    p = policy_with(tiers__0__local_fen=38001)
    assert fee(p, "1", "监测对象").subsidy_fen == 19001
    # 12.5 % of 38004 = 4750.5 → 4751; 12.5 % of 38012 = 4751.5 → 4752
    p = policy_with(tiers__0__local_fen=38004, subsidies__3__percent="12.5")
    assert fee(p, "1", "监测对象").subsidy_fen == 4751
    p = policy_with(tiers__0__local_fen=38012, subsidies__3__percent="12.5")
    assert fee(p, "1", "监测对象").subsidy_fen == 4752
    # 33.33 % of 100 fen = 33.33 → 33
    p = policy_with(tiers__0__local_fen=100, subsidies__3__percent="33.33")
    assert fee(p, "1", "监测对象").subsidy_fen == 33


def test_category_outside_its_validity_window_is_ignored(policy: Policy) -> None:
    expired = CategoryHolding("低保", date(2025, 1, 1), date(2026, 6, 30))
    future = CategoryHolding("特困", valid_from=date(2026, 11, 1))
    current = CategoryHolding("残疾", valid_from=date(2026, 1, 1), valid_to=ON)  # inclusive
    assert fee(policy, "1", expired, future) == FeeLine("1", 38000, 0, None, 38000)
    assert fee(policy, "1", expired, future, current) == FeeLine("1", 38000, 10000, "残疾", 28000)
    assert fee(policy, "1", expired, future, current, on=date(2026, 11, 1)).category == "特困"
    assert fee(policy, "1", expired, on=date(2026, 6, 30)).category == "低保"


def test_unknown_categories_are_ignored(policy: Policy) -> None:
    assert fee(policy, "1", "计生特扶") == FeeLine("1", 38000, 0, None, 38000)


def test_unknown_tier_is_rejected(policy: Policy) -> None:
    with pytest.raises(ValidationError):
        fee(policy, "3")


def test_household_pays_one_tier(policy: Policy) -> None:
    members = [
        FeeInput(nonlocal_resident=False),
        FeeInput(nonlocal_resident=True, categories=(CategoryHolding("低保"),)),
        FeeInput(nonlocal_resident=False, categories=(CategoryHolding("特困"),)),
    ]
    lines = compute_household(policy, "1", members, ON)
    assert lines == [
        FeeLine("1", 38000, 0, None, 38000),
        FeeLine("1", 50000, 15000, "低保", 35000),
        FeeLine("1", 38000, 38000, "特困", 0),
    ]
    assert sum(line.payable_fen for line in lines) == 73000
    assert compute_household(policy, "2", [], ON) == []


def test_newborn_deadline_is_three_calendar_months(policy: Policy) -> None:
    assert policy.rules.newborn_months == 3
    assert newborn_deadline(policy, date(2026, 11, 10)) == date(2027, 2, 10)
    assert newborn_deadline(policy, date(2026, 10, 1)) == date(2027, 1, 1)
    assert newborn_deadline(policy_with(rules__newborn_months=6), date(2026, 1, 1)) == date(
        2026, 7, 1
    )


@pytest.mark.parametrize(("born", "deadline"), [
    (date(2026, 11, 30), date(2027, 2, 28)),
    (date(2024, 11, 30), date(2025, 2, 28)),
    (date(2023, 11, 30), date(2024, 2, 29)),  # 2024 is a leap year
    (date(2026, 11, 29), date(2027, 2, 28)),
    (date(2026, 11, 28), date(2027, 2, 28)),
    (date(2026, 12, 31), date(2027, 3, 31)),
    (date(2027, 3, 31), date(2027, 6, 30)),
    (date(2026, 9, 30), date(2026, 12, 30)),
])
def test_newborn_deadline_clamps_to_the_end_of_a_short_month(
    policy: Policy, born: date, deadline: date
) -> None:
    assert newborn_deadline(policy, born) == deadline


def test_newborn_deadline_from_a_legacy_days_policy() -> None:
    data = json.loads((DATA / "policy-two-tier.json").read_text(encoding="utf-8"))
    del data["rules"]["newborn_months"]
    data["rules"]["newborn_days"] = 90
    legacy = parse_policy(data)
    assert newborn_deadline(legacy, date(2026, 11, 30)) == date(2027, 2, 28)


def test_newborn_window_includes_both_ends(policy: Policy) -> None:
    born = date(2026, 11, 10)
    assert is_newborn_enrolment(policy, born, born)
    assert is_newborn_enrolment(policy, born, date(2027, 2, 10))
    assert not is_newborn_enrolment(policy, born, date(2027, 2, 11))
    assert not is_newborn_enrolment(policy, born, date(2026, 11, 9))


def test_newborn_is_covered_from_birth_in_the_birth_year() -> None:
    born = date(2026, 11, 10)
    assert newborn_benefit_year(born) == 2026
    assert newborn_coverage_start(born) == born
    assert newborn_benefit_year(date(2027, 1, 1)) == 2027


def test_fee_line_refuses_inconsistent_numbers() -> None:
    with pytest.raises(ValueError):
        FeeLine("1", 38000, 1000, "低保", 38000)
    with pytest.raises(ValueError):
        FeeLine("1", 38000, 40000, "低保", -2000)


# --- properties ---------------------------------------------------------------------------

CATEGORIES = ["特困", "孤儿", "低保", "监测对象", "残疾", "计生特扶"]
fen = st.integers(min_value=0, max_value=2_000_000)


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    n_tiers = draw(st.integers(1, 3))
    tiers = [
        {"code": str(i + 1), "name": f"{i + 1}档", "local_fen": draw(fen), "nonlocal_fen": draw(fen)}
        for i in range(n_tiers)
    ]
    subsidies = []
    for category in draw(st.lists(st.sampled_from(CATEGORIES[:-1]), unique=True)):
        kind = draw(st.sampled_from(["full", "fixed", "tier_percent"]))
        item: dict[str, Any] = {"category": category, "name": category, "kind": kind}
        if kind == "fixed":
            item["amount_fen"] = draw(fen)
        elif kind == "tier_percent":
            item["of_tier"] = str(draw(st.integers(1, n_tiers)))
            pct = draw(st.decimals(0, 100, places=2, allow_nan=False, allow_infinity=False))
            item["percent"] = str(pct)
        subsidies.append(item)
    return parse_policy({
        "schema": "yibao.policy/1",
        "region": "测试县",
        "insurance_type": "390",
        "campaign_year": 2026,
        "benefit_year": 2027,
        "collection": {"start": "2026-09-01", "end": "2026-12-31"},
        "tiers": tiers,
        "subsidies": subsidies,
        "rules": {
            "household_same_tier": True,
            "highest_single_subsidy": draw(st.booleans()),
            "newborn_months": 3,
            "refund_before": "2027-01-01",
        },
    })


days = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31))
holdings = st.builds(
    CategoryHolding,
    st.sampled_from(CATEGORIES),
    st.one_of(st.none(), days),
    st.one_of(st.none(), days),
)


@given(policies(), st.data(), st.booleans(), st.lists(holdings, max_size=5), days)
def test_payable_is_price_minus_subsidy_and_never_negative(
    policy: Policy, data: st.DataObject, nonlocal_: bool, cats: list[CategoryHolding], on: date
) -> None:
    tier = data.draw(st.sampled_from(policy.tiers))
    line = compute_fee(policy, tier.code, nonlocal_resident=nonlocal_, categories=cats, on=on)
    price = tier.nonlocal_fen if nonlocal_ else tier.local_fen
    assert line.price_fen == price
    assert line.payable_fen == line.price_fen - line.subsidy_fen
    assert 0 <= line.payable_fen <= line.price_fen

    applicable = [
        s for s in policy.subsidies if any(c.category == s.category and c.valid_on(on) for c in cats)
    ]
    amounts = [subsidy_amount_fen(policy, s, price_fen=price) for s in applicable]
    if not applicable:
        assert (line.subsidy_fen, line.category) == (0, None)
    elif policy.rules.highest_single_subsidy:
        assert line.subsidy_fen == min(price, max(amounts))
        assert line.category in {s.category for s in applicable}
    else:
        assert line.subsidy_fen == min(price, sum(amounts))
        assert line.category == "+".join(s.category for s in applicable)


@given(policies(), st.data(), st.booleans(), st.lists(holdings, max_size=4), holdings, days)
def test_adding_a_category_never_raises_the_payable(
    policy: Policy,
    data: st.DataObject,
    nonlocal_: bool,
    cats: list[CategoryHolding],
    extra: CategoryHolding,
    on: date,
) -> None:
    code = data.draw(st.sampled_from(policy.tiers)).code
    before = compute_fee(policy, code, nonlocal_resident=nonlocal_, categories=cats, on=on)
    after = compute_fee(policy, code, nonlocal_resident=nonlocal_, categories=[*cats, extra], on=on)
    assert after.payable_fen <= before.payable_fen


@given(st.integers(0, 10_000_000), st.decimals(0, 100, places=4))
def test_percent_rounding_matches_decimal_half_up(amount: int, pct: Decimal) -> None:
    with localcontext() as ctx:
        ctx.prec = 50
        expected = int((Decimal(amount) * pct / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert fees._percent_of(amount, pct) == expected


births = st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31))
month_counts = st.integers(1, 12)


@given(births, month_counts)
def test_newborn_deadline_lies_between_28_and_31_days_per_month(born: date, months: int) -> None:
    deadline = newborn_deadline(policy_with(rules__newborn_months=months), born)
    assert born + timedelta(days=28 * months) <= deadline <= born + timedelta(days=31 * months)
    # N calendar months on: N months later in the calendar, same day or the month's last.
    assert (deadline.year * 12 + deadline.month) - (born.year * 12 + born.month) == months
    assert deadline.day == born.day or (
        deadline.day < born.day and (deadline + timedelta(days=1)).day == 1
    )


@given(births, births, month_counts)
def test_newborn_deadline_is_monotone_in_the_birth_date(a: date, b: date, months: int) -> None:
    policy = policy_with(rules__newborn_months=months)
    early, late = sorted((a, b))
    assert newborn_deadline(policy, early) <= newborn_deadline(policy, late)


@given(births, month_counts)
def test_newborn_deadline_grows_with_the_month_count(born: date, months: int) -> None:
    shorter = newborn_deadline(policy_with(rules__newborn_months=months), born)
    if months < 12:
        longer = newborn_deadline(policy_with(rules__newborn_months=months + 1), born)
        assert shorter < longer


@given(births, month_counts, st.integers(-400, 400))
def test_newborn_window_is_birth_to_deadline(born: date, months: int, offset: int) -> None:
    policy = policy_with(rules__newborn_months=months)
    on = born + timedelta(days=offset)
    if offset < 0 or offset > 31 * months:
        assert not is_newborn_enrolment(policy, born, on)
    elif offset <= 28 * months:
        assert is_newborn_enrolment(policy, born, on)
    assert is_newborn_enrolment(policy, born, born)
    assert is_newborn_enrolment(policy, born, newborn_deadline(policy, born))
    assert not is_newborn_enrolment(policy, born, newborn_deadline(policy, born)
                                    + timedelta(days=1))
