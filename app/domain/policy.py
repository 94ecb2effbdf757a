"""The campaign policy file (征缴政策), schema ``yibao.policy/1``.

A policy fixes, for one collection campaign (征缴期), the tiers (档次) and their local and
non-local prices, the subsidies (资助参保) by person category, and a few rules. Every amount
is integer fen (分).

A campaign is named for the user by its benefit year (待遇年度), never by the calendar year the
money is collected in: "2027年度", with the collection period beside it where there is room,
"2027年度（征缴期 2026-09-01至2026-12-31）". :func:`benefit_year_label`,
:func:`collection_period_label` and :func:`campaign_label` (and the :class:`Policy` methods of
the same names) are the one place that spelling lives.

The newborn enrolment window (新生儿参保期限) is ``rules.newborn_months`` calendar months from
the birth date (default 3). Files written before it was counted in months say
``newborn_days`` instead; they still load, as ``ceil(days / 31)`` months (90 → 3, 180 → 6,
366 → 12). When a file gives both, ``newborn_months`` wins. :meth:`Policy.to_dict` always
writes ``newborn_months``.

The issuing unit printed on receipts (收款单位) is the optional top-level ``issuer``, e.g.
"寿县医疗保障局". A file without it still loads, with a warning (:meth:`Policy.warnings`):
the receipt then names the county's 医疗保障局 when ``region`` is a county-level name (ends
in 县, 区, 市 or 旗), and otherwise leaves the line blank beside the stamp; a township or a
village has no 医疗保障局, so none is made up from a region like "寿县寿春镇".

The file format, its checks and the policy's questions (which price, which subsidy, which
window) are one module, a little over 500 lines: the schema is read in one place.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from app.domain.errors import PolicyError, ValidationError

SCHEMA = "yibao.policy/1"
SUBSIDY_KINDS = ("full", "fixed", "tier_percent")

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PERCENT_RE = re.compile(r"^\d+(\.\d+)?$")
_MIN_YEAR, _MAX_YEAR = 1990, 2100
_MAX_NEWBORN_DAYS = 366  # legacy rules.newborn_days
_MAX_NEWBORN_MONTHS = 12
NEWBORN_MONTHS_DEFAULT = 3
# A region ending in one of these names a county-level government, which has a 医疗保障局.
_COUNTY_SUFFIXES = ("县", "区", "市", "旗")


def benefit_year_label(benefit_year: int) -> str:
    """How a campaign is named for the user: its benefit year (待遇年度), e.g. "2027年度"."""
    return f"{benefit_year}年度"


def collection_period_label(start: date, end: date) -> str:
    """The collection period (征缴期) beside the year: "征缴期 2026-09-01至2026-12-31"."""
    return f"征缴期 {start.isoformat()}至{end.isoformat()}"


def campaign_label(benefit_year: int, start: date | None = None, end: date | None = None) -> str:
    """The year with its collection period when known:
    "2027年度（征缴期 2026-09-01至2026-12-31）", else just "2027年度"."""
    year = benefit_year_label(benefit_year)
    if start is None or end is None:
        return year
    return f"{year}（{collection_period_label(start, end)}）"


@dataclass(frozen=True)
class Tier:
    """A contribution tier (缴费档次) with its local and non-local price in fen."""

    code: str
    name: str
    local_fen: int
    nonlocal_fen: int

    def price_fen(self, *, nonlocal_resident: bool) -> int:
        """The price for a local (本地户籍) or non-local (持居住证) resident."""
        return self.nonlocal_fen if nonlocal_resident else self.local_fen


@dataclass(frozen=True)
class Subsidy:
    """A subsidy (资助参保) for one person category.

    ``kind`` is ``full`` (全额资助: the chosen tier's price), ``fixed`` (定额: ``amount_fen``)
    or ``tier_percent`` (按档次比例: ``percent`` of tier ``of_tier``'s local price).
    """

    category: str
    name: str
    kind: str
    amount_fen: int | None = None
    of_tier: str | None = None
    percent: Decimal | None = None


@dataclass(frozen=True)
class Rules:
    """Campaign rules: same tier per household (同户同档), only the highest single subsidy
    (就高不就低, 不重复), newborn enrolment window (新生儿参保期限) in calendar months from the
    birth date, refund deadline (退费截止), and the void window (作废期限): a receipt may be
    voided up to ``void_days`` days after its business day (0 = that day only)."""

    household_same_tier: bool
    highest_single_subsidy: bool
    newborn_months: int
    refund_before: date
    void_days: int = 0


@dataclass(frozen=True)
class Rewards:
    """奖惩 (``rewards``): fen per valid offline paid enrolment (线下有效缴费, not refunded,
    not zero-amount), per enrolment entered (录入), and per person short of the target
    (未完成任务), counted up to ``deadline`` (inclusive) when it is set."""

    offline_valid_fen_per_person: int = 0
    entry_fen_per_person: int = 0
    shortfall_fen_per_person: int = 0
    deadline: date | None = None


@dataclass(frozen=True)
class Policy:
    """One campaign's policy; build it with :func:`parse_policy`."""

    schema: str
    region: str
    insurance_type: str
    campaign_year: int
    benefit_year: int
    collection_start: date
    collection_end: date
    tiers: tuple[Tier, ...]
    subsidies: tuple[Subsidy, ...]
    rules: Rules
    rewards: Rewards | None = None
    issuer: str = ""  # 收款单位 as the policy names it; "" when the file does not

    def issuing_unit(self) -> str:
        """收款单位 on receipts: the policy's ``issuer``, else the county's 医疗保障局 when
        ``region`` names a county, else "" (the stamp names the unit; nothing is invented)."""
        if self.issuer:
            return self.issuer
        return f"{self.region}医疗保障局" if self.region.endswith(_COUNTY_SUFFIXES) else ""

    def warnings(self) -> tuple[str, ...]:
        """What a loaded file lacks that receipts need: said when it is loaded."""
        if self.issuer:
            return ()
        fallback = self.issuing_unit()
        then = (f"收据上暂印“{fallback}”" if fallback else
                f"地区“{self.region}”不是县级名称，收据的收款单位一栏将留空")
        return (f"政策文件没有填写收款单位（issuer）：{then}。请县医保局在政策文件中填写 "
                "issuer，如“寿县医疗保障局”",)

    def tier(self, code: str) -> Tier:
        """The tier with ``code``; raises :class:`ValidationError` (未知档次) otherwise."""
        for tier in self.tiers:
            if tier.code == code:
                return tier
        raise ValidationError(f"未知档次：{code}")

    def subsidy_for(self, category: str) -> Subsidy | None:
        """The subsidy for a person category, or ``None`` when the policy has none."""
        for subsidy in self.subsidies:
            if subsidy.category == category:
                return subsidy
        return None

    def in_collection_window(self, d: date) -> bool:
        """Whether ``d`` lies in the collection period (征缴期), both ends inclusive."""
        return self.collection_start <= d <= self.collection_end

    def year_label(self) -> str:
        """The campaign's name for the user: its benefit year, "2027年度"."""
        return benefit_year_label(self.benefit_year)

    def period_label(self) -> str:
        """Its collection period: "征缴期 2026-09-01至2026-12-31"."""
        return collection_period_label(self.collection_start, self.collection_end)

    def label(self) -> str:
        """Year and period together: "2027年度（征缴期 2026-09-01至2026-12-31）"."""
        return campaign_label(self.benefit_year, self.collection_start, self.collection_end)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict in the file layout; ``parse_policy(p.to_dict()) == p``."""
        return {
            "schema": self.schema,
            "region": self.region,
            "insurance_type": self.insurance_type,
            "campaign_year": self.campaign_year,
            "benefit_year": self.benefit_year,
            "collection": {
                "start": self.collection_start.isoformat(),
                "end": self.collection_end.isoformat(),
            },
            "tiers": [
                {
                    "code": t.code,
                    "name": t.name,
                    "local_fen": t.local_fen,
                    "nonlocal_fen": t.nonlocal_fen,
                }
                for t in self.tiers
            ],
            "subsidies": [_subsidy_to_dict(s) for s in self.subsidies],
            "rules": {
                "household_same_tier": self.rules.household_same_tier,
                "highest_single_subsidy": self.rules.highest_single_subsidy,
                "newborn_months": self.rules.newborn_months,
                "refund_before": self.rules.refund_before.isoformat(),
                # Written only when set, so a policy without it keeps its hash.
                **({"void_days": self.rules.void_days} if self.rules.void_days else {}),
            },
            # Written only when set, so a policy without it keeps its hash.
            **({"rewards": _rewards_to_dict(self.rewards)} if self.rewards else {}),
            **({"issuer": self.issuer} if self.issuer else {}),
        }


def _rewards_to_dict(r: Rewards) -> dict[str, Any]:
    out: dict[str, Any] = {"offline_valid_fen_per_person": r.offline_valid_fen_per_person,
                           "entry_fen_per_person": r.entry_fen_per_person,
                           "shortfall_fen_per_person": r.shortfall_fen_per_person}
    if r.deadline is not None:
        out["deadline"] = r.deadline.isoformat()
    return out


def _subsidy_to_dict(s: Subsidy) -> dict[str, Any]:
    out: dict[str, Any] = {"category": s.category, "name": s.name, "kind": s.kind}
    if s.amount_fen is not None:
        out["amount_fen"] = s.amount_fen
    if s.of_tier is not None:
        out["of_tier"] = s.of_tier
    if s.percent is not None:
        # Integral percentages stay JSON numbers; others become strings so no float appears.
        if s.percent == s.percent.to_integral_value():
            out["percent"] = int(s.percent)
        else:
            out["percent"] = format(s.percent.normalize(), "f")
    return out


# --- validation -------------------------------------------------------------------------

_MISSING: Any = object()


class _Checker:
    """Collects "path: reason" problems so one PolicyError can name all of them."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, path: str, reason: str) -> None:
        self.problems.append(f"{path}: {reason}")

    def obj(self, value: object, path: str, allowed: tuple[str, ...]) -> Any:
        if not isinstance(value, dict):
            self.add(path, "应为 JSON 对象")
            return _MISSING
        for key in value:
            # Keys starting with "_" are free for comments; anything else unknown is most
            # likely a typo that would otherwise be silently ignored.
            if not isinstance(key, str) or (key not in allowed and not key.startswith("_")):
                self.add(_join(path, str(key)), "未知字段")
        return value

    def field(self, obj: dict, key: str, path: str, check: Callable[[Any, str], Any]) -> Any:
        p = _join(path, key)
        if key not in obj:
            self.add(p, "缺少此字段")
            return _MISSING
        return check(obj[key], p)

    def text(self, value: object, path: str) -> Any:
        if not isinstance(value, str) or not value.strip():
            self.add(path, "应为非空字符串")
            return _MISSING
        return value.strip()

    def fen(self, value: object, path: str) -> Any:
        # bool is a subclass of int; True must not pass for 1 fen.
        if type(value) is not int or value < 0:
            self.add(path, "必须是非负整数（分）")
            return _MISSING
        return value

    def year(self, value: object, path: str) -> Any:
        if type(value) is not int or not _MIN_YEAR <= value <= _MAX_YEAR:
            self.add(path, f"应为 {_MIN_YEAR} 到 {_MAX_YEAR} 之间的整数年份")
            return _MISSING
        return value

    def day(self, value: object, path: str) -> Any:
        if not isinstance(value, str) or not _DATE_RE.match(value):
            self.add(path, "日期格式应为 YYYY-MM-DD")
            return _MISSING
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.add(path, f"不是有效日期：{value}")
            return _MISSING

    def flag(self, value: object, path: str) -> Any:
        if not isinstance(value, bool):
            self.add(path, "应为 true 或 false")
            return _MISSING
        return value

    def newborn_months(self, value: object, path: str) -> Any:
        if type(value) is not int or not 1 <= value <= _MAX_NEWBORN_MONTHS:
            self.add(path, f"应为 1 到 {_MAX_NEWBORN_MONTHS} 之间的整数（月）")
            return _MISSING
        return value

    def newborn_days(self, value: object, path: str) -> Any:
        """The legacy day count, as calendar months: ceil(days / 31), at least 1."""
        if type(value) is not int or not 1 <= value <= _MAX_NEWBORN_DAYS:
            self.add(path, f"应为 1 到 {_MAX_NEWBORN_DAYS} 之间的整数（天）")
            return _MISSING
        return max(1, -(-value // 31))

    def percent(self, value: object, path: str) -> Any:
        result: Decimal | None = None
        if type(value) is int:
            result = Decimal(value)
        elif isinstance(value, Decimal) and value.is_finite():
            result = value  # load_policy_file reads JSON decimals as Decimal, never float
        elif isinstance(value, str) and _PERCENT_RE.match(value.strip()):
            try:
                result = Decimal(value.strip())
            except InvalidOperation:  # pragma: no cover - the regex already guarantees it
                result = None
        if result is None or not 0 <= result <= 100:
            self.add(path, "应为 0 到 100 之间的数（整数或小数字符串，如 \"50\" 或 \"33.5\"）")
            return _MISSING
        return result


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _ok(*values: Any) -> bool:
    return all(v is not _MISSING for v in values)


_TOP_KEYS = (
    "schema",
    "region",
    "insurance_type",
    "campaign_year",
    "benefit_year",
    "collection",
    "tiers",
    "subsidies",
    "rules",
    "rewards",
    "issuer",
)
_REWARD_KEYS = ("offline_valid_fen_per_person", "entry_fen_per_person",
                "shortfall_fen_per_person", "deadline")
_TIER_KEYS = ("code", "name", "local_fen", "nonlocal_fen")
_SUBSIDY_KEYS = ("category", "name", "kind", "amount_fen", "of_tier", "percent")
_RULE_KEYS = ("household_same_tier", "highest_single_subsidy", "newborn_months", "newborn_days",
              "refund_before", "void_days")
_MAX_VOID_DAYS = 31
_KIND_FIELDS = {"full": (), "fixed": ("amount_fen",), "tier_percent": ("of_tier", "percent")}


def parse_policy(data: object) -> Policy:
    """Validate a decoded policy document and build a :class:`Policy`.

    Every problem is collected first; then one :class:`PolicyError` is raised whose
    ``problems`` are "path: reason" strings such as ``tiers[0].local_fen: 必须是非负整数（分）``.
    """
    c = _Checker()
    if not isinstance(data, dict):
        raise PolicyError("政策文件有误，共 1 处问题", ["(根): 应为 JSON 对象"])
    root = c.obj(data, "", _TOP_KEYS)

    schema = c.field(root, "schema", "", lambda v, p: v)
    if schema is not _MISSING and schema != SCHEMA:
        c.add("schema", f"应为 {SCHEMA}")
        schema = _MISSING
    region = c.field(root, "region", "", c.text)
    insurance_type = c.field(root, "insurance_type", "", c.text)
    issuer = c.text(root["issuer"], "issuer") if "issuer" in root else ""
    campaign_year = c.field(root, "campaign_year", "", c.year)
    benefit_year = c.field(root, "benefit_year", "", c.year)
    if _ok(campaign_year, benefit_year) and benefit_year <= campaign_year:
        c.add("benefit_year", "待遇年度必须晚于征缴年度（campaign_year）")

    start = end = _MISSING
    collection = c.field(root, "collection", "", lambda v, p: c.obj(v, p, ("start", "end")))
    if isinstance(collection, dict):
        start = c.field(collection, "start", "collection", c.day)
        end = c.field(collection, "end", "collection", c.day)
        if _ok(start, end) and end < start:
            c.add("collection.end", "结束日期早于开始日期")

    tiers, tier_codes = _parse_tiers(c, root)
    subsidies = _parse_subsidies(c, root, tier_codes)

    rules = _MISSING
    rules_obj = c.field(root, "rules", "", lambda v, p: c.obj(v, p, _RULE_KEYS))
    if isinstance(rules_obj, dict):
        same_tier = c.field(rules_obj, "household_same_tier", "rules", c.flag)
        highest = c.field(rules_obj, "highest_single_subsidy", "rules", c.flag)
        newborn = _newborn_months(c, rules_obj)
        refund_before = c.field(rules_obj, "refund_before", "rules", c.day)
        if _ok(refund_before, start) and refund_before <= start:
            c.add("rules.refund_before", "退费截止日期应晚于征缴开始日期")
        void_days = rules_obj.get("void_days", 0)
        if type(void_days) is not int or not 0 <= void_days <= _MAX_VOID_DAYS:
            c.add("rules.void_days", f"应为 0 到 {_MAX_VOID_DAYS} 之间的整数（天）")
        elif _ok(same_tier, highest, newborn, refund_before):
            rules = Rules(same_tier, highest, newborn, refund_before, void_days)

    rewards = _parse_rewards(c, root)
    if c.problems:
        raise PolicyError(f"政策文件有误，共 {len(c.problems)} 处问题", c.problems)
    return Policy(
        schema=schema,
        region=region,
        insurance_type=insurance_type,
        campaign_year=campaign_year,
        benefit_year=benefit_year,
        collection_start=start,
        collection_end=end,
        tiers=tuple(tiers),
        subsidies=tuple(subsidies),
        rules=rules,
        rewards=rewards,
        issuer=issuer,
    )


def _parse_rewards(c: _Checker, root: dict) -> Rewards | None:
    """The optional ``rewards`` block (奖惩): each rate in fen, the deadline a date."""
    if "rewards" not in root:
        return None
    obj = c.obj(root["rewards"], "rewards", _REWARD_KEYS)
    if obj is _MISSING:
        return None
    rates = [c.fen(obj.get(k, 0), f"rewards.{k}") for k in _REWARD_KEYS[:3]]
    deadline = c.day(obj["deadline"], "rewards.deadline") if "deadline" in obj else None
    if not _ok(*rates, deadline):
        return None
    return Rewards(*rates, deadline=deadline)


def _newborn_months(c: _Checker, rules: dict) -> Any:
    """``newborn_months``; else the legacy ``newborn_days`` converted; else the default."""
    if "newborn_months" in rules:  # wins over newborn_days, which is then not read
        return c.field(rules, "newborn_months", "rules", c.newborn_months)
    if "newborn_days" in rules:
        return c.field(rules, "newborn_days", "rules", c.newborn_days)
    return NEWBORN_MONTHS_DEFAULT


def _parse_tiers(c: _Checker, root: dict) -> tuple[list[Tier], set[str] | None]:
    """The valid tiers, and every code seen (``None`` when the list itself is unusable), so
    one bad price does not also make each subsidy referring to that tier fail."""
    items = c.field(root, "tiers", "", _list_checker(c))
    if items is _MISSING:
        return [], None
    if not items:
        c.add("tiers", "至少需要一个档次")
    tiers: list[Tier] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        path = f"tiers[{i}]"
        obj = c.obj(item, path, _TIER_KEYS)
        if obj is _MISSING:
            continue
        code = c.field(obj, "code", path, c.text)
        if code is not _MISSING:
            if code in seen:
                c.add(f"{path}.code", f"档次代码 '{code}' 重复")
            seen.add(code)
        name = c.field(obj, "name", path, c.text)
        local = c.field(obj, "local_fen", path, c.fen)
        nonlocal_ = c.field(obj, "nonlocal_fen", path, c.fen)
        if _ok(code, name, local, nonlocal_):
            tiers.append(Tier(code, name, local, nonlocal_))
    return tiers, seen


def _parse_subsidies(c: _Checker, root: dict, tier_codes: set[str] | None) -> list[Subsidy]:
    items = c.field(root, "subsidies", "", _list_checker(c))
    if items is _MISSING:
        return []
    subsidies: list[Subsidy] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        path = f"subsidies[{i}]"
        obj = c.obj(item, path, _SUBSIDY_KEYS)
        if obj is _MISSING:
            continue
        category = c.field(obj, "category", path, c.text)
        if category is not _MISSING:
            if category in seen:
                c.add(f"{path}.category", f"资助类别 '{category}' 重复")
            seen.add(category)
        name = c.field(obj, "name", path, c.text)
        kind = c.field(obj, "kind", path, lambda v, p: v)
        if kind is not _MISSING and kind not in SUBSIDY_KINDS:
            c.add(f"{path}.kind", "应为 full、fixed 或 tier_percent 之一")
            kind = _MISSING

        amount = of_tier = percent = None
        if kind is not _MISSING:
            needed = _KIND_FIELDS[kind]
            for extra in ("amount_fen", "of_tier", "percent"):
                # A stray amount on a "full" subsidy is ambiguous: which one did they mean?
                if extra not in needed and obj.get(extra) is not None:
                    c.add(f"{path}.{extra}", f"{kind} 类型的资助不应填写此字段")
            if kind == "fixed":
                amount = c.field(obj, "amount_fen", path, c.fen)
            elif kind == "tier_percent":
                of_tier = c.field(obj, "of_tier", path, c.text)
                known = tier_codes if tier_codes is not None else {of_tier}
                if of_tier is not _MISSING and of_tier not in known:
                    c.add(f"{path}.of_tier", f"档次 '{of_tier}' 不存在")
                    of_tier = _MISSING
                percent = c.field(obj, "percent", path, c.percent)
        if _ok(category, name, kind, amount, of_tier, percent):
            subsidies.append(Subsidy(category, name, kind, amount, of_tier, percent))
    return subsidies


def _list_checker(c: _Checker) -> Callable[[Any, str], Any]:
    def check(value: object, path: str) -> Any:
        if not isinstance(value, list):
            c.add(path, "应为数组")
            return _MISSING
        return value

    return check


# --- file loading -----------------------------------------------------------------------


def load_policy_file(path: str | os.PathLike[str]) -> Policy:
    """Read a UTF-8 JSON policy file (a BOM from Windows Notepad is tolerated)."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
    except UnicodeDecodeError:
        raise PolicyError("政策文件不是 UTF-8 编码", [f"{path}: 文件不是 UTF-8 编码"]) from None
    except OSError as exc:
        raise PolicyError("无法读取政策文件", [f"{path}: {exc.strerror or exc}"]) from None

    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                duplicates.append(key)
            out[key] = value
        return out

    def no_constants(name: str) -> Any:
        raise ValueError(f"不允许 {name}")

    try:
        # Decimals, never floats: a fen amount like 380.5 must be rejected, not rounded.
        data = json.loads(
            text, parse_float=Decimal, parse_constant=no_constants, object_pairs_hook=pairs
        )
    except json.JSONDecodeError as exc:
        raise PolicyError(
            "政策文件不是有效的 JSON",
            [f"第 {exc.lineno} 行第 {exc.colno} 列: JSON 格式错误（{exc.msg}）"],
        ) from None
    except ValueError as exc:
        raise PolicyError("政策文件不是有效的 JSON", [f"(根): {exc}"]) from None
    if duplicates:
        raise PolicyError(
            "政策文件中有重复的字段",
            [f"{key}: 字段重复出现" for key in dict.fromkeys(duplicates)],
        )
    return parse_policy(data)
