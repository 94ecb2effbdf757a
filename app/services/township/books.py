"""Receipt books at the township: received from the county, issued (领用), settled (核销).

验旧换新: a collector gets a new book only when every book issued to them before is settled,
unless the office records why it makes an exception. A book is settled when every number is
accounted for from the village's journal (used, voided, lost; the rest returned 缴销), no
number was skipped, every voided receipt's paper parts were seen at the office, and the
collector's cash has been deposited. Issuing and settling are journaled; pushed to the county
they become the collector's allocation and settlement notices (see server/relay.py), and
they travel by USB bundle the same way (township_bundles).

For the collector, ``allocation_problems`` compares the books registered on this device with
the allocations received, so a book typed in by hand that does not match is reported here as
well as at the township.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.domain import events as ev
from app.domain.bulk import collector_paused
from app.domain.errors import NotFound, Refused, ValidationError
from app.domain.ledger import number_ranges
from app.domain.ledger_views import TownshipBookIssued, TownshipBookSettled
from app.domain.money import format_fen
from app.domain.text import clean_text
from app.services.base.common import iso, new_id, utc_now
from app.services.base.roles import any_role, requires_role
from app.services.base.workspace import Workspace
from app.services.township.ledger import Ledger, book_figures, label, load_ledger
from app.services.views.villages import village_namer
from db.connection import tx

MAX_BOOK = 10_000


def _range(series: str, first: int, last: int, width: int | None) -> tuple[str, int]:
    series = clean_text(series)
    if not series or len(series) > 20:
        raise ValidationError("请填写票据字轨（例如：皖医保）")
    if first < 0 or last < first:
        raise ValidationError("票号范围无效：末号必须不小于起始号")
    if last - first >= MAX_BOOK:
        raise ValidationError("一本票据不能超过 10000 张，请检查票号范围")
    width = width or max(len(str(last)), 8)
    if not len(str(last)) <= width <= 20:
        raise ValidationError(f"票号位数 {width} 放不下末号 {last}")
    return series, width


@requires_role("township", "登记票据入库")
def receive_books(ws: Workspace, *, series: str, first: int, last: int,
                  width: int | None = None) -> dict[str, Any]:
    """登记从县里领到的票据（入库）: one series and a continuous number range."""
    series, width = _range(series, first, last, width)
    stock_id = new_id()
    with tx(ws.conn):
        overlap = ws.conn.execute("SELECT first_no, last_no FROM tw_stock WHERE series = ? AND "
                                  "first_no <= ? AND last_no >= ?", (series, last, first)).fetchone()
        if overlap:
            raise Refused(f"票号与已入库的 {series} {overlap[0]}–{overlap[1]} 重叠")
        ws.conn.execute("INSERT INTO tw_stock (id, series, first_no, last_no, width, received_at, "
                        "actor) VALUES (?,?,?,?,?,?,?)",
                        (stock_id, series, first, last, width, iso(utc_now()), ws.user))
        ws.record("township.book_received", {"stock_id": stock_id, "series": series,
                                             "first": first, "last": last, "width": width})
    return {"stock_id": stock_id, "series": series, "first": first, "last": last,
            "width": width}


def _unsettled(ws: Workspace, village: str, collector: str) -> list[tuple[str, int, int]]:
    return ws.conn.execute(
        "SELECT series, first_no, last_no FROM tw_issues i WHERE village = ? AND collector = ? "
        "AND NOT EXISTS (SELECT 1 FROM tw_settlements s WHERE s.issue_id = i.id) "
        "ORDER BY issued_at", (village, collector)).fetchall()


@requires_role("township", "发放票据")
def issue_book(ws: Workspace, *, series: str, first: int, last: int, village: str,
               collector: str, override_reason: str | None = None) -> dict[str, Any]:
    """领用: hand a range from stock to one collector of one village (验旧换新 enforced)."""
    village, collector = clean_text(village), clean_text(collector)
    if not village or not collector:
        raise ValidationError("请填写村代码和收款员姓名")
    override = clean_text(override_reason) or None
    series = clean_text(series)
    with tx(ws.conn):
        stock = ws.conn.execute("SELECT id, width FROM tw_stock WHERE series = ? AND "
                                "first_no <= ? AND last_no >= ?", (series, first, last)).fetchone()
        if stock is None:
            raise Refused(f"票号 {series} {first}–{last} 不在已入库的票据范围内，请先登记入库")
        _range(series, first, last, int(stock[1]))
        overlap = ws.conn.execute(
            "SELECT village, collector, first_no, last_no FROM tw_issues WHERE series = ? AND "
            "first_no <= ? AND last_no >= ?", (series, last, first)).fetchone()
        if overlap:
            raise Refused(f"票号与已发给 {overlap[0]} {overlap[1]} 的 {series} "
                          f"{overlap[2]}–{overlap[3]} 重叠")
        open_books = _unsettled(ws, village, collector)
        if open_books and override is None:
            s, a, b = open_books[0]
            raise Refused(f"验旧换新：{collector} 上一本票据 {s} {a}–{b} 尚未核销，不能领新票；"
                          "如确需发放，请填写原因")
        issue_id = new_id()
        ws.conn.execute(
            "INSERT INTO tw_issues (id, stock_id, series, first_no, last_no, width, village, "
            "collector, override_reason, issued_at, actor) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (issue_id, stock[0], series, first, last, int(stock[1]), village, collector,
             override, iso(utc_now()), ws.user))
        ws.record(TownshipBookIssued.TYPE, ev.payload_of(TownshipBookIssued(
            allocation_id=issue_id, series=series, first=first, last=last, village=village,
            collector=collector, width=int(stock[1]), override_reason=override)))
    return {"allocation_id": issue_id, "series": series, "first": first, "last": last,
            "width": int(stock[1]), "village": village,
            "village_name": village_namer(ws).label(village), "collector": collector,
            "override_reason": override}


@requires_role("township", "确认作废票据")
def confirm_void(ws: Workspace, *, series: str, number: int, note: str = "") -> dict[str, Any]:
    """作废票据联次已收回: the office has seen all parts of a voided receipt."""
    led = load_ledger(ws)
    key = (clean_text(series), int(number))
    if not any(state in ("voided", "skipped") for _dev, state in led.number_states(key)):
        raise Refused(f"票据 {label(led, key)} 在村里的记录中不是作废票据")
    with tx(ws.conn):
        if ws.conn.execute("SELECT 1 FROM tw_void_checks WHERE series = ? AND number = ?",
                           key).fetchone():
            raise Refused(f"作废票据 {label(led, key)} 已经确认过")
        ws.conn.execute("INSERT INTO tw_void_checks (series, number, note, at, actor) "
                        "VALUES (?,?,?,?,?)", (*key, clean_text(note), iso(utc_now()),
                                               ws.user))
        ws.record("township.void_confirmed", {"series": key[0], "number": key[1],
                                              "note": clean_text(note)})
    return {"receipt": label(led, key), "confirmed": True}


def collector_on_hand(led: Ledger, village: str, collector: str) -> int:
    """现金在手 of one collector, as the village's cash position counts it: cash collected on
    live receipts − refunds paid from cash − deposits."""
    on_hand = 0
    for dev in led.devices.values():
        if dev.village != village:
            continue
        on_hand += sum(p.amount_fen for p in dev.live_payments()
                       if p.method == "cash" and p.collector == collector)
        on_hand -= sum(r.amount_fen for r in dev.state.refunds.values() if r.paid_by == "cash"
                       and dev.refund_acts[r.refund_id].actor == collector)
        on_hand -= sum(d.amount_fen for act, d in dev.deposits if act.actor == collector)
    return on_hand


def _issue_row(ws: Workspace, allocation_id: str) -> tuple:
    row = ws.conn.execute(
        "SELECT id, series, first_no, last_no, village, collector, override_reason, issued_at "
        "FROM tw_issues WHERE id = ?", (allocation_id,)).fetchone()
    if row is None:
        raise NotFound(f"找不到领用记录 {allocation_id}")
    return row


def _spans(led: Ledger, series: str, numbers: list[tuple[int, int]]) -> str:
    return "、".join(label(led, (series, a)) + ("" if a == b else f"–{b}") for a, b in numbers)


@requires_role("township", "核销票据")
def settlement_check(ws: Workspace, allocation_id: str) -> dict[str, Any]:
    """What settling a book would record, and what still stands in the way.

    Every number of the book must be accounted for by the journal of the village it was
    issued to: issued, voided or reported lost, the rest (above the highest number used) being
    the blank forms handed back (缴销). A number below the highest used that the village's
    journal does not account for (跳号), or one another village's device used, blocks the
    settlement, and is named.
    """
    issue = _issue_row(ws, allocation_id)
    with collector_paused():
        led = load_ledger(ws)
    series, first, last, village, collector = issue[1], issue[2], issue[3], issue[4], issue[5]
    fig = book_figures(led, series, first, last, village=village)
    names = village_namer(ws)
    place = names.label(village)
    confirmed = {n for (n,) in ws.conn.execute(
        "SELECT number FROM tw_void_checks WHERE series = ?", (series,))}
    blockers = []
    if fig["gaps"]:
        blockers.append(f"票号 {_spans(led, series, fig['gaps'])} 在 {place} 的日志中没有开具、"
                        "作废或遗失的记录（跳号），核销前每个票号都须有着落")
    if fig["elsewhere"]:
        others: dict[str, list[int]] = {}
        for n, other in fig["elsewhere"]:
            others.setdefault(other, []).append(n)
        for other, numbers in others.items():
            blockers.append(f"票号 {_spans(led, series, number_ranges(numbers))} 是 {names.label(other)} 的设备使用的，"
                            f"不在领用村 {place} 的日志中")
    unconfirmed = [n for n in fig["voided_numbers"] if n not in confirmed]
    if unconfirmed:
        blockers.append("作废票据联次未确认收回：" + "、".join(
            label(led, (series, n)) for n in unconfirmed[:10]))
    on_hand = collector_on_hand(led, village, collector)
    if on_hand > 0:
        blockers.append(f"{collector} 尚有现金 {format_fen(on_hand, symbol=True)} 未缴存")
    settled = ws.conn.execute("SELECT at FROM tw_settlements WHERE issue_id = ?",
                              (allocation_id,)).fetchone()
    return {"allocation_id": allocation_id, "village": village, "village_name": place,
            "collector": collector, **{k: v for k, v in fig.items() if k not in ("gaps", "voided_numbers", "elsewhere")},
            "gaps": [list(g) for g in fig["gaps"]], "unconfirmed_voids": unconfirmed,
            "elsewhere": [list(e) for e in fig["elsewhere"]],
            "on_hand_fen": on_hand, "blockers": blockers,
            "settled_at": settled[0] if settled else None}


@requires_role("township", "核销票据")
def settle_book(ws: Workspace, allocation_id: str, *, note: str = "",
                now: datetime | None = None) -> dict[str, Any]:
    """结报核销: the book is written off; unused numbers count as returned (缴销). From the
    settlement on, any use of the book a village's journal brings is a problem (核销后仍有使用)."""
    check = settlement_check(ws, allocation_id)
    if check["settled_at"]:
        raise Refused(f"票据 {check['series']} {check['first']}–{check['last']} 已于 "
                      f"{check['settled_at'][:10]} 核销")
    if check["blockers"]:
        raise Refused("不能核销：" + "；".join(check["blockers"]),
                      details={"blockers": check["blockers"]})
    at = iso(now or utc_now())
    with tx(ws.conn):
        ws.conn.execute(
            "INSERT INTO tw_settlements (issue_id, issued, voided, returned, lost, amount_fen, "
            "note, at, actor) VALUES (?,?,?,?,?,?,?,?,?)",
            (allocation_id, check["issued"], check["voided"], check["unused"], check["lost"],
             check["amount_fen"], clean_text(note), at, ws.user))
        # Stamped with the settlement's own time, so the county's notice to the village
        # (settled_at = the event's time) and the township's record say the same instant.
        ws.record("township.book_settled", ev.payload_of(TownshipBookSettled(
            allocation_id=allocation_id, series=check["series"], first=check["first"],
            last=check["last"], village=check["village"], collector=check["collector"],
            issued=check["issued"], voided=check["voided"], returned=check["unused"],
            lost=check["lost"], amount_fen=check["amount_fen"])), at=at)
    return {**check, "settled_at": at, "blockers": []}


@requires_role("township", "查看票据领用")
def issued_books(ws: Workspace) -> list[dict[str, Any]]:
    """Every book issued, with its figures and whether it is settled: the village's live
    figures while it is open; once settled, the figures it was settled with. A settled book
    the village's journal changed afterwards (核销后仍有使用, also a reconciliation problem)
    says so (``changed_after_settlement``) and shows the figures now (``now``)."""
    with collector_paused():
        led = load_ledger(ws)
        names = village_namer(ws)
        out = []
        for row in ws.conn.execute(
                "SELECT i.id, i.series, i.first_no, i.last_no, i.village, i.collector, "
                "i.override_reason, i.issued_at, s.at, s.issued, s.voided, s.lost, s.returned, "
                "s.amount_fen FROM tw_issues i LEFT JOIN tw_settlements s "
                "ON s.issue_id = i.id ORDER BY i.issued_at").fetchall():
            fig = book_figures(led, row[1], row[2], row[3], village=row[4])
            live = {k: fig[k] for k in _BOOK_FIGURES}
            settled = None if row[8] is None else dict(zip(_BOOK_FIGURES, row[9:14],
                                                           strict=True))
            out.append({"allocation_id": row[0], "series": row[1], "first": row[2],
                        "last": row[3], "village": row[4],
                        "village_name": names.label(row[4]), "collector": row[5],
                        "override_reason": row[6], "issued_at": row[7], "settled_at": row[8],
                        **(settled or live),
                        "changed_after_settlement": settled is not None and settled != live,
                        "now": live,
                        "range": f"{label(led, (row[1], row[2]))}–{row[3]}"})
    return out


_BOOK_FIGURES = ("issued", "voided", "lost", "unused", "amount_fen")


@requires_role("township", "查看票据库存")
def stock(ws: Workspace) -> list[dict[str, Any]]:
    return [{"stock_id": r[0], "series": r[1], "first": r[2], "last": r[3], "width": r[4],
             "received_at": r[5]} for r in ws.conn.execute(
        "SELECT id, series, first_no, last_no, width, received_at FROM tw_stock "
        "ORDER BY received_at")]


@any_role
def allocation_problems(ws: Workspace) -> list[str]:
    """Collector side: books registered here that differ from what the township allocated."""
    allocations = ws.conn.execute("SELECT series, first_no, last_no, collector FROM "
                                  "book_allocations").fetchall()
    if not allocations:
        return []
    registered = ws.conn.execute("SELECT series, first_no, last_no, collector FROM "
                                 "receipt_books").fetchall()
    problems = [f"票据 {s} {a}–{b}（{c}）是手工登记的，与财政所的领用记录不符"
                for s, a, b, c in registered if (s, a, b, c) not in set(allocations)]
    problems += [f"财政所发放的票据 {s} {a}–{b}（{c}）未在本机登记或登记的号段不同"
                 for s, a, b, c in allocations if (s, a, b, c) not in set(registered)]
    return problems
