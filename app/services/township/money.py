"""Deposits (缴存) and non-cash receipts against bank credits (银行到账) at the township.

Collectors record their deposits with the slip number; the office enters the credits its bank
statement shows, by hand or from the statement's CSV. A match pairs one deposit with one credit
of the same amount; what is left unmatched on either side is listed, and a deposit without a
credit is a reconciliation problem (the money may never have reached the account).

Money a household paid by WeChat, bank transfer or otherwise never passes the collector's
hands: every such receipt must be matched the same way, to the credit whose reference is the
payment's transaction number (``method_ref``) and whose amount is the receipt's. Matching is
automatic when credits are recorded or imported and the pairing is unambiguous, or by hand
(``match_noncash``). A credit pays for one thing only: a deposit or one non-cash receipt.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

from app.domain import events as ev
from app.domain.errors import NotFound, Refused, ValidationError
from app.domain.ledger_views import TownshipNoncashMatched
from app.domain.money import format_fen, parse_yuan
from app.domain.roster import METHODS
from app.domain.text import clean_text
from app.services.base.common import iso, new_id, utc_now
from app.services.base.roles import requires_role
from app.services.base.workspace import Workspace
from app.services.township.ledger import DeviceLedger, Ledger, load_ledger
from app.services.township.textfile import read_csv_text
from app.services.views.villages import village_namer
from db.connection import tx

_COLUMNS = {
    "date": ("交易日期", "日期", "记账日期", "date"),
    "amount": ("贷方金额", "收入金额", "金额", "amount"),
    "ref": ("交易流水号", "流水号", "凭证号", "ref"),
    "payer": ("对方户名", "付款人", "户名", "payer"),
    "memo": ("摘要", "附言", "备注", "memo"),
}


def _credit(ws: Workspace, *, amount_fen: int, credit_date: date, bank_ref: str, payer: str,
            memo: str, source: str) -> dict[str, Any]:
    ref = clean_text(bank_ref)
    if not ref:
        raise ValidationError("请填写银行流水号")
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise ValidationError("到账金额必须大于 0")
    if ws.conn.execute("SELECT 1 FROM tw_bank_credits WHERE bank_ref = ?", (ref,)).fetchone():
        raise Refused(f"银行流水号 {ref} 已经登记过")
    credit_id = new_id()
    values = {"credit_id": credit_id, "bank_ref": ref, "amount_fen": amount_fen,
              "credit_date": credit_date.isoformat(), "payer": clean_text(payer),
              "memo": clean_text(memo), "source": source}
    ws.conn.execute(
        "INSERT INTO tw_bank_credits (id, bank_ref, amount_fen, credit_date, payer, memo, "
        "source, at, actor) VALUES (?,?,?,?,?,?,?,?,?)",
        (credit_id, ref, amount_fen, values["credit_date"], values["payer"], values["memo"],
         source, iso(utc_now()), ws.user))
    ws.record("township.bank_credit_recorded", values)
    return values


@requires_role("township", "登记银行到账")
def add_bank_credit(ws: Workspace, *, amount_fen: int, credit_date: date, bank_ref: str,
                    payer: str = "", memo: str = "") -> dict[str, Any]:
    """登记银行到账: one credit line of the township account, typed in."""
    with tx(ws.conn):
        values = _credit(ws, amount_fen=amount_fen, credit_date=credit_date, bank_ref=bank_ref,
                         payer=payer, memo=memo, source="manual")
        values["noncash_matched"] = _auto_noncash(ws, {values["credit_id"]})
    return values


@requires_role("township", "导入银行对账单")
def import_bank_statement(ws: Workspace, path: Path) -> dict[str, Any]:
    """导入银行对账单 CSV: credits only (debits and blank amounts are ignored); a line already
    imported (same 流水号) is skipped, so the same statement may be imported again."""
    rows = list(csv.reader(io.StringIO(read_csv_text(path))))
    if not rows:
        raise ValidationError("对账单是空的")
    header = [h.strip() for h in rows[0]]
    where: dict[str, int] = {}
    for key, names in _COLUMNS.items():
        found = next((header.index(n) for n in names if n in header), None)
        if found is not None:
            where[key] = found
    missing = [_COLUMNS[k][0] for k in ("date", "amount", "ref") if k not in where]
    if missing:
        raise ValidationError("对账单缺少列：" + "、".join(missing))
    problems: list[str] = []
    added = skipped = 0
    new_credits: set[str] = set()
    with tx(ws.conn):
        for line_no, row in enumerate(rows[1:], start=2):
            cell = {k: (clean_text(row[i]) if i < len(row) else "") for k, i in where.items()}
            if not cell["amount"]:
                continue
            try:
                amount = parse_yuan(cell["amount"])
                day = date.fromisoformat(cell["date"].replace("/", "-"))
            except (ValidationError, ValueError):
                problems.append(f"第 {line_no} 行：日期或金额格式不正确")
                continue
            if ws.conn.execute("SELECT 1 FROM tw_bank_credits WHERE bank_ref = ?",
                               (cell["ref"],)).fetchone():
                skipped += 1
                continue
            try:
                credit = _credit(ws, amount_fen=amount, credit_date=day, bank_ref=cell["ref"],
                                 payer=cell.get("payer", ""), memo=cell.get("memo", ""),
                                 source=Path(path).name)
            except ValidationError as exc:
                problems.append(f"第 {line_no} 行：{exc.message}")
                continue
            new_credits.add(credit["credit_id"])
            added += 1
        matched = _auto_noncash(ws, new_credits) if new_credits else []
    return {"added": added, "skipped": skipped, "problems": problems,
            "noncash_matched": len(matched)}


def _deposits(led: Ledger) -> list[dict[str, Any]]:
    return [{"deposit_id": d.deposit_id, "device_id": dev.device_id, "village": dev.village,
             "collector": act.actor, "slip_no": d.slip_no, "amount_fen": d.amount_fen,
             "deposit_date": d.deposit_date}
            for dev in led.devices.values() for act, d in dev.deposits]


def _deposit(ws: Workspace, deposit_id: str) -> dict[str, Any]:
    for d in _deposits(load_ledger(ws)):
        if d["deposit_id"] == deposit_id:
            return d
    raise NotFound(f"找不到缴存记录 {deposit_id}（村里的数据是否已经收到？）")


def _claimed(ws: Workspace, credit_id: str) -> str | None:
    """What a credit was already matched to (a deposit or a non-cash receipt), if anything."""
    if ws.conn.execute("SELECT 1 FROM tw_deposit_matches WHERE credit_id = ?",
                       (credit_id,)).fetchone():
        return "另一笔缴存"
    if ws.conn.execute("SELECT 1 FROM tw_noncash_matches WHERE credit_id = ?",
                       (credit_id,)).fetchone():
        return "一笔非现金收款"
    return None


@requires_role("township", "核对缴存")
def match_deposit(ws: Workspace, *, deposit_id: str, credit_id: str) -> dict[str, Any]:
    """核对缴存: this collector's deposit is this credit on the bank statement."""
    deposit = _deposit(ws, deposit_id)
    with tx(ws.conn):
        credit = ws.conn.execute("SELECT amount_fen, bank_ref FROM tw_bank_credits WHERE id = ?",
                                 (credit_id,)).fetchone()
        if credit is None:
            raise NotFound("找不到这笔银行到账")
        claimed = _claimed(ws, credit_id)
        if claimed:
            raise Refused(f"银行流水 {credit[1]} 已与{claimed}核对，一笔到账只能核对一次")
        if ws.conn.execute("SELECT 1 FROM tw_deposit_matches WHERE device_id = ? AND "
                           "deposit_id = ?", (deposit["device_id"], deposit_id)).fetchone():
            raise Refused(f"缴款单 {deposit['slip_no']} 已经核对过")
        if int(credit[0]) != int(deposit["amount_fen"]):
            raise Refused(f"金额不符：缴款单 {deposit['slip_no']} "
                          f"{format_fen(int(deposit['amount_fen']), symbol=True)}，银行到账 "
                          f"{format_fen(int(credit[0]), symbol=True)}")
        ws.conn.execute("INSERT INTO tw_deposit_matches (credit_id, device_id, deposit_id, at, "
                        "actor) VALUES (?,?,?,?,?)",
                        (credit_id, deposit["device_id"], deposit_id, iso(utc_now()), ws.user))
        ws.record("township.deposit_matched", {"credit_id": credit_id, "bank_ref": credit[1],
                                               "device_id": deposit["device_id"],
                                               "deposit_id": deposit_id,
                                               "slip_no": deposit["slip_no"],
                                               "amount_fen": int(credit[0])})
    return {"deposit_id": deposit_id, "credit_id": credit_id, "slip_no": deposit["slip_no"],
            "bank_ref": credit[1], "amount_fen": int(credit[0])}


@requires_role("township", "核对缴存")
def deposit_matching(ws: Workspace) -> dict[str, Any]:
    """Both sides: every deposit with its credit (or none), and the credits nobody claimed."""
    matches = {(d, dep): c for c, d, dep in ws.conn.execute(
        "SELECT credit_id, device_id, deposit_id FROM tw_deposit_matches")}
    credits = {r[0]: {"credit_id": r[0], "bank_ref": r[1], "amount_fen": r[2],
                      "credit_date": r[3], "payer": r[4], "memo": r[5]}
               for r in ws.conn.execute("SELECT id, bank_ref, amount_fen, credit_date, payer, "
                                        "memo FROM tw_bank_credits ORDER BY credit_date, bank_ref")}
    deposits = []
    names = village_namer(ws)
    for d in _deposits(load_ledger(ws)):
        credit_id = matches.get((d["device_id"], d["deposit_id"]))
        deposits.append({**d, "village_name": names.label(d["village"]), "credit_id": credit_id,
                         "bank_ref": credits[credit_id]["bank_ref"] if credit_id else None})
    claimed = set(matches.values()) | {c for (c,) in ws.conn.execute(
        "SELECT credit_id FROM tw_noncash_matches")}
    return {"deposits": deposits,
            "unmatched_deposits": [d for d in deposits if d["credit_id"] is None],
            "unmatched_credits": [c for c in credits.values() if c["credit_id"] not in claimed],
            "credits": list(credits.values())}


@requires_role("township", "核对缴存")
def auto_match(ws: Workspace) -> dict[str, Any]:
    """Match what is unambiguous: same amount and the slip number in the credit's reference
    or memo, else the only credit of that amount on the deposit date."""
    state = deposit_matching(ws)
    free = list(state["unmatched_credits"])
    matched = []
    for d in state["unmatched_deposits"]:
        same = [c for c in free if c["amount_fen"] == d["amount_fen"]]
        named = [c for c in same if d["slip_no"] and (d["slip_no"] in c["memo"]
                                                      or d["slip_no"] in c["bank_ref"])]
        dated = [c for c in same if c["credit_date"] == d["deposit_date"]]
        pick = named[0] if len(named) == 1 else dated[0] if len(dated) == 1 and not named \
            else None
        if pick is None:
            continue
        matched.append(match_deposit(ws, deposit_id=d["deposit_id"],
                                     credit_id=pick["credit_id"]))
        free.remove(pick)
    with tx(ws.conn):
        noncash = _auto_noncash(ws, None)
    left = deposit_matching(ws)
    return {"matched": matched, "unmatched_deposits": len(left["unmatched_deposits"]),
            "unmatched_credits": len(left["unmatched_credits"]), "noncash_matched": noncash,
            "unmatched_noncash": sum(1 for r in noncash_receipts(ws) if r["credit_id"] is None)}


# --- non-cash receipts ----------------------------------------------------------------------


def _noncash(led: Ledger) -> list[tuple[DeviceLedger, Any]]:
    """Every live receipt paid otherwise than in cash, in the villages' journal order."""
    return [(dev, p) for dev, p in led.live_payments()
            if p.method != "cash" and p.amount_fen > 0]


def _noncash_row(dev: DeviceLedger, p: Any, credit: dict[str, Any] | None) -> dict[str, Any]:
    facts = dev.facts.get(p.payment_id)
    return {"device_id": dev.device_id, "payment_id": p.payment_id, "village": dev.village,
            "collector": p.collector, "receipt": facts.label if facts else None,
            "method": p.method, "method_name": METHODS.get(p.method, p.method),
            "method_ref": facts.method_ref if facts else None, "amount_fen": p.amount_fen,
            "business_date": p.business_date,
            "credit_id": credit["credit_id"] if credit else None,
            "bank_ref": credit["bank_ref"] if credit else None}


def _credits(ws: Workspace) -> dict[str, dict[str, Any]]:
    return {r[0]: {"credit_id": r[0], "bank_ref": r[1], "amount_fen": r[2],
                   "credit_date": r[3], "payer": r[4], "memo": r[5]}
            for r in ws.conn.execute("SELECT id, bank_ref, amount_fen, credit_date, payer, "
                                     "memo FROM tw_bank_credits ORDER BY credit_date, bank_ref")}


@requires_role("township", "核对非现金收款")
def noncash_receipts(ws: Workspace) -> list[dict[str, Any]]:
    """Every live non-cash receipt of the villages with the bank credit it was matched to."""
    credits = _credits(ws)
    matches = {(d, pid): c for c, d, pid in ws.conn.execute(
        "SELECT credit_id, device_id, payment_id FROM tw_noncash_matches")}
    return [_noncash_row(dev, p, credits.get(matches.get((dev.device_id, p.payment_id), "")))
            for dev, p in _noncash(load_ledger(ws))]


@requires_role("township", "核对非现金收款")
def match_noncash(ws: Workspace, *, credit_id: str, device_id: str,
                  payment_id: str) -> dict[str, Any]:
    """核对非现金收款: this village's WeChat/bank receipt is this credit on the statement."""
    led = load_ledger(ws)
    with tx(ws.conn):
        return _match_noncash(ws, led, credit_id=credit_id, device_id=device_id,
                              payment_id=payment_id)


def _match_noncash(ws: Workspace, led: Ledger, *, credit_id: str, device_id: str,
                   payment_id: str) -> dict[str, Any]:
    credit = _credits(ws).get(credit_id)
    if credit is None:
        raise NotFound("找不到这笔银行到账")
    dev = led.devices.get(device_id)
    pay = dev.state.payments.get(payment_id) if dev is not None else None
    if dev is None or pay is None:
        raise NotFound(f"找不到收款 {payment_id}（村里的数据是否已经收到？）")
    row = _noncash_row(dev, pay, None)
    what = f"票据 {row['receipt']}"
    if pay.method == "cash":
        raise Refused(f"{what} 是现金收款：现金请缴存后核对缴款单")
    if pay.cancelled:
        raise Refused(f"{what} 已作废，无需核对")
    claimed = _claimed(ws, credit_id)
    if claimed:
        raise Refused(f"银行流水 {credit['bank_ref']} 已与{claimed}核对，一笔到账只能核对一次")
    if ws.conn.execute("SELECT 1 FROM tw_noncash_matches WHERE device_id = ? AND "
                       "payment_id = ?", (device_id, payment_id)).fetchone():
        raise Refused(f"{what} 的{row['method_name']}收款已经核对过")
    if credit["amount_fen"] != pay.amount_fen:
        raise Refused(f"金额不符：{what} {format_fen(pay.amount_fen, symbol=True)}，银行到账 "
                      f"{format_fen(credit['amount_fen'], symbol=True)}")
    ws.conn.execute("INSERT INTO tw_noncash_matches (credit_id, device_id, payment_id, "
                    "amount_fen, at, actor) VALUES (?,?,?,?,?,?)",
                    (credit_id, device_id, payment_id, pay.amount_fen, iso(utc_now()), ws.user))
    ws.record(TownshipNoncashMatched.TYPE, ev.payload_of(TownshipNoncashMatched(
        credit_id=credit_id, bank_ref=credit["bank_ref"], device_id=device_id,
        payment_id=payment_id, amount_fen=pay.amount_fen, method=pay.method,
        method_ref=row["method_ref"])))
    return {**row, "credit_id": credit_id, "bank_ref": credit["bank_ref"]}


def _auto_noncash(ws: Workspace, only: set[str] | None) -> list[dict[str, Any]]:
    """Match what is unambiguous, inside the caller's transaction: the credit's reference is
    the payment's transaction number (or its memo names it) and the amounts agree. ``only``:
    just these credits (those just recorded)."""
    matched_payments = {(d, pid) for d, pid in ws.conn.execute(
        "SELECT device_id, payment_id FROM tw_noncash_matches")}
    claimed = {c for (c,) in ws.conn.execute(
        "SELECT credit_id FROM tw_deposit_matches UNION SELECT credit_id FROM "
        "tw_noncash_matches")}
    free = [c for c in _credits(ws).values()
            if c["credit_id"] not in claimed and (only is None or c["credit_id"] in only)]
    if not free:
        return []
    led = load_ledger(ws)
    by_ref: dict[str, list[tuple[DeviceLedger, Any]]] = {}
    for dev, p in _noncash(led):
        facts = dev.facts.get(p.payment_id)
        ref = clean_text(facts.method_ref) if facts else ""
        if ref and (dev.device_id, p.payment_id) not in matched_payments:
            by_ref.setdefault(ref, []).append((dev, p))
    out = []
    taken: set[tuple[str, str]] = set()
    for credit in free:
        named = by_ref.get(credit["bank_ref"], [])
        if not named and credit["memo"]:
            named = [held for ref, pays in by_ref.items() if ref in credit["memo"]
                     for held in pays]
        same = [(dev, p) for dev, p in named if p.amount_fen == credit["amount_fen"]
                and (dev.device_id, p.payment_id) not in taken]
        if len(same) != 1:
            continue
        dev, p = same[0]
        out.append(_match_noncash(ws, led, credit_id=credit["credit_id"],
                                  device_id=dev.device_id, payment_id=p.payment_id))
        taken.add((dev.device_id, p.payment_id))
    return out
