"""Fees: tier price (缴费标准), subsidy (资助), and what the person pays (个人应缴).

All amounts are integer fen. Payable = price − effective subsidy, where the effective subsidy
is capped at the price, so a payable is never negative.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.domain.policy import Policy, Subsidy


@dataclass(frozen=True)
class CategoryHolding:
    """A person's membership of a subsidy category (资助类别), valid between two dates
    inclusive; ``None`` leaves that end open."""

    category: str
    valid_from: date | None = None
    valid_to: date | None = None

    def valid_on(self, d: date) -> bool:
        if self.valid_from is not None and d < self.valid_from:
            return False
        return self.valid_to is None or d <= self.valid_to


@dataclass(frozen=True)
class FeeLine:
    """One person's fee: price, effective subsidy, the category that earned it, payable."""

    tier_code: str
    price_fen: int
    subsidy_fen: int
    category: str | None
    payable_fen: int

    def __post_init__(self) -> None:
        # A line that does not add up must never reach a receipt.
        if not 0 <= self.subsidy_fen <= self.price_fen:
            raise ValueError("subsidy_fen must lie between 0 and price_fen")
        if self.price_fen - self.subsidy_fen != self.payable_fen:
            raise ValueError("payable_fen must equal price_fen - subsidy_fen")


@dataclass(frozen=True)
class FeeInput:
    """What the fee of one household member depends on."""

    nonlocal_resident: bool
    categories: tuple[CategoryHolding, ...] = ()


def _percent_of(amount_fen: int, percent: Decimal) -> int:
    """``percent`` % of ``amount_fen``, rounded half-up to the fen, exactly."""
    num, den = percent.as_integer_ratio()
    den *= 100
    quotient, remainder = divmod(amount_fen * num, den)
    return quotient + 1 if 2 * remainder >= den else quotient


def subsidy_amount_fen(policy: Policy, subsidy: Subsidy, *, price_fen: int) -> int:
    """The nominal amount of ``subsidy`` for a person whose tier price is ``price_fen``
    (before capping at the price)."""
    if subsidy.kind == "full":
        return price_fen
    if subsidy.kind == "fixed":
        assert subsidy.amount_fen is not None
        return subsidy.amount_fen
    if subsidy.kind == "tier_percent":
        assert subsidy.of_tier is not None and subsidy.percent is not None
        return _percent_of(policy.tier(subsidy.of_tier).local_fen, subsidy.percent)
    raise ValueError(f"unknown subsidy kind {subsidy.kind!r}")


def compute_fee(
    policy: Policy,
    tier_code: str,
    *,
    nonlocal_resident: bool,
    categories: Sequence[CategoryHolding],
    on: date,
) -> FeeLine:
    """One person's fee in tier ``tier_code`` on date ``on``.

    Only categories valid on ``on`` and known to the policy count. With
    ``rules.highest_single_subsidy`` the single highest subsidy applies (就高不就低, 不重复;
    ties go to the first in policy order); otherwise the subsidies add up. Either way the
    subsidy is capped at the price.
    """
    tier = policy.tier(tier_code)
    price = tier.price_fen(nonlocal_resident=nonlocal_resident)

    held = {h.category for h in categories if h.valid_on(on)}
    # Policy order, not the caller's, so ties and joined names are deterministic.
    candidates = [
        (s.category, subsidy_amount_fen(policy, s, price_fen=price))
        for s in policy.subsidies
        if s.category in held
    ]

    if not candidates:
        return FeeLine(tier.code, price, 0, None, price)
    if policy.rules.highest_single_subsidy:
        category, amount = max(candidates, key=lambda c: c[1])  # max keeps the first tie
    else:
        category = "+".join(c for c, _ in candidates)
        amount = sum(a for _, a in candidates)
    subsidy = min(amount, price)
    return FeeLine(tier.code, price, subsidy, category, price - subsidy)


def compute_household(
    policy: Policy, tier_code: str, members: Sequence[FeeInput], on: date
) -> list[FeeLine]:
    """Fees for a household paying together; one tier for all members (同户同档)."""
    return [
        compute_fee(
            policy,
            tier_code,
            nonlocal_resident=m.nonlocal_resident,
            categories=m.categories,
            on=on,
        )
        for m in members
    ]


def add_calendar_months(d: date, months: int) -> date:
    """``d`` moved by ``months`` calendar months; a day the target month lacks becomes its
    last day (2026-11-30 + 3 → 2027-02-28; 2023-11-30 + 3 → 2024-02-29)."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def newborn_deadline(policy: Policy, birth_date: date) -> date:
    """The last day a newborn may enrol (新生儿参保期限), inclusive: the birth date plus
    ``rules.newborn_months`` calendar months, clamped to the end of a shorter month
    (born 2026-11-10, 3 months → 2027-02-10; born 2026-11-30 → 2027-02-28)."""
    return add_calendar_months(birth_date, policy.rules.newborn_months)


def is_newborn_enrolment(policy: Policy, birth_date: date, on: date) -> bool:
    """Whether enrolling on ``on`` falls in the newborn window: from the birth date to
    :func:`newborn_deadline`, both inclusive."""
    return birth_date <= on <= newborn_deadline(policy, birth_date)


def newborn_benefit_year(birth_date: date) -> int:
    """The benefit year a newborn enrolled in its window is covered for: the birth year
    (自出生之日起, 当年), at that year's price; later years are collected as usual."""
    return birth_date.year


def newborn_coverage_start(birth_date: date) -> date:
    """A newborn enrolled in its window is covered from the birth date (自出生之日起)."""
    return birth_date
