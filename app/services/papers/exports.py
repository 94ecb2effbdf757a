"""Spreadsheets for the township: roster, payments, receipts, deposits, unpaid list.

The roster export uses the import's own column labels, so a file exported here imports into
a fresh database unchanged. Cells that a spreadsheet could run as a formula are neutralised,
and ID numbers stay text (never 3.40422E+17) by the writer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from app.domain.errors import ValidationError
from app.domain.money import format_fen
from app.domain.roster import ID_TYPES, METHODS, REFUND_REASONS, RELATIONS, STATUSES
from app.services.base.roles import any_role
from app.services.base.workspace import Workspace
from app.services.village.campaigns import active_campaign
from app.sheets.columns import LABELS
from app.sheets.writer import write_csv, write_xlsx

KINDS = ("roster", "payments", "receipts", "deposits", "unpaid")
_SEX = {1: "男", 2: "女"}
_RESIDENCE = {"local": "本地", "nonlocal": "外地"}


def _roster(ws: Workspace) -> tuple[list[str], Iterator[Sequence[Any]]]:
    keys = ["household_no", "group", "head_name", "name", "relation", "id_type", "id_number",
            "sex", "birth_date", "ethnicity", "residence", "categories", "phone", "note"]
    header = [LABELS[k] for k in keys] + ["状态"]

    def rows() -> Iterator[Sequence[Any]]:
        cats: dict[str, list[str]] = {}
        for pid, cat in ws.conn.execute("SELECT person_id, category FROM person_categories "
                                        "WHERE revoked_at IS NULL ORDER BY created_at"):
            cats.setdefault(pid, []).append(cat)
        for r in ws.conn.execute(
                "SELECT h.household_no, h.grp, h.head_name, p.name, p.relation, p.id_type, "
                "p.id_number, p.sex, p.birth_date, p.ethnicity, p.residence, p.id, p.phone, "
                "p.note, p.status FROM persons p JOIN households h ON h.id = p.household_id "
                "ORDER BY h.household_no, p.relation, p.birth_date"):
            yield (r[0], r[1], r[2], r[3], RELATIONS.get(r[4], r[4]), ID_TYPES.get(r[5], r[5]),
                   r[6], _SEX.get(r[7], ""), r[8] or "", r[9], _RESIDENCE[r[10]],
                   "、".join(cats.get(r[11], [])), r[12], r[13], STATUSES[r[14]])
    return header, rows()


def _payments(ws: Workspace) -> tuple[list[str], Iterator[Sequence[Any]]]:
    header = ["收款日期", "收款时间(UTC)", "票据字轨", "票号", "户号", "户主", "姓名", "证件号码",
              "档次", "缴费标准(元)", "资助(元)", "资助类别", "个人应缴(元)", "缴费方式", "参考号",
              "收款员", "状态", "退费原因"]

    def rows() -> Iterator[Sequence[Any]]:
        for r in ws.conn.execute(
                "SELECT p.business_date, p.collected_at, p.series, p.number, h.household_no, "
                "h.head_name, l.name, l.id_number, l.tier_code, l.price_fen, l.subsidy_fen, "
                "l.category, l.payable_fen, p.method, p.method_ref, p.collector, "
                "EXISTS (SELECT 1 FROM payment_cancellations c WHERE c.payment_id = p.id), "
                "(SELECT reason FROM refunds f WHERE f.payment_line_id = l.id) "
                "FROM payment_lines l JOIN payments p ON p.id = l.payment_id "
                "JOIN households h ON h.id = p.household_id ORDER BY p.collected_at, l.rowid"):
            state = "已作废" if r[16] else ("已退费" if r[17] else "有效")
            yield (r[0], r[1], r[2] or "", "" if r[3] is None else str(r[3]), r[4], r[5], r[6],
                   r[7], r[8], format_fen(r[9]), format_fen(r[10]), r[11] or "",
                   format_fen(r[12]), METHODS[r[13]], r[14] or "", r[15], state,
                   REFUND_REASONS.get(r[17], "") if r[17] else "")
    return header, rows()


def _receipts(ws: Workspace) -> tuple[list[str], Iterator[Sequence[Any]]]:
    header = ["字轨", "票号", "状态", "户号", "户主", "金额(元)", "原因", "时间(UTC)", "待打印"]

    def rows() -> Iterator[Sequence[Any]]:
        for r in ws.conn.execute(
                "SELECT n.series, n.number, b.width, n.state, v.reason, n.reason, h.household_no, "
                "h.head_name, p.amount_fen, n.at, EXISTS (SELECT 1 FROM receipt_prints x WHERE "
                "x.series = n.series AND x.number = n.number) FROM receipt_numbers n "
                "JOIN receipt_books b ON b.id = n.book_id "
                "LEFT JOIN receipt_voids v ON v.series = n.series AND v.number = n.number "
                "LEFT JOIN payments p ON p.id = n.payment_id "
                "LEFT JOIN households h ON h.id = p.household_id ORDER BY n.series, n.number"):
            state = {"issued": "已开具", "skipped": "作废（空白）", "lost": "遗失"}[r[3]]
            if r[4]:
                state = "已作废"
            yield (r[0], f"{r[1]:0{r[2]}d}", state, r[6] or "", r[7] or "",
                   format_fen(r[8]) if r[8] is not None else "", r[4] or r[5] or "", r[9],
                   "是" if r[3] == "issued" and not r[4] and not r[10] else "")
    return header, rows()


def _deposits(ws: Workspace) -> tuple[list[str], Iterator[Sequence[Any]]]:
    header = ["缴存日期", "缴款单号", "金额(元)", "登记人", "登记时间(UTC)"]
    return header, ((d, s, format_fen(a), who, at) for d, s, a, who, at in ws.conn.execute(
        "SELECT deposit_date, slip_no, amount_fen, actor, at FROM deposits ORDER BY deposit_date"))


def _unpaid(ws: Workspace) -> tuple[list[str], Iterator[Sequence[Any]]]:
    header = ["村民小组", "户号", "户主", "联系电话", "姓名", "证件号码", "资助类别"]
    year = active_campaign(ws).campaign_year

    def rows() -> Iterator[Sequence[Any]]:
        for r in ws.conn.execute(
                "SELECT h.grp, h.household_no, h.head_name, h.phone, p.name, p.id_number, "
                "(SELECT group_concat(category, '、') FROM person_categories c WHERE "
                " c.person_id = p.id AND c.revoked_at IS NULL) "
                "FROM persons p JOIN households h ON h.id = p.household_id "
                "WHERE p.status = 'active' AND NOT EXISTS (SELECT 1 FROM enrolments e "
                " JOIN campaigns c ON c.id = e.campaign_id WHERE e.person_id = p.id AND "
                " c.campaign_year = ? AND NOT EXISTS (SELECT 1 FROM enrolment_ends x WHERE "
                " x.enrolment_id = e.id)) AND NOT EXISTS (SELECT 1 FROM external_payments x "
                " WHERE x.id_number = p.id_number AND x.campaign_year = ?) "
                "ORDER BY h.grp, h.household_no, p.relation", (year, year)):
            yield (*r[:6], r[6] or "")
    return header, rows()


_BUILDERS = {"roster": (_roster, "花名册"), "payments": (_payments, "收款明细"),
             "receipts": (_receipts, "票据"), "deposits": (_deposits, "缴存"),
             "unpaid": (_unpaid, "未缴费名单")}


@any_role
def export(ws: Workspace, kind: str, out: Path) -> dict[str, Any]:
    """Write one export as .xlsx or .csv (by the file's extension)."""
    if kind not in _BUILDERS:
        raise ValidationError(f"导出类型应为：{'、'.join(KINDS)}")
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValidationError("导出文件名应以 .xlsx 或 .csv 结尾")
    builder, title = _BUILDERS[kind]
    header, rows = builder(ws)
    counted: list[int] = [0]

    def counting(it: Iterator[Sequence[Any]]) -> Iterator[Sequence[Any]]:
        for row in it:
            counted[0] += 1
            yield row

    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":
        write_xlsx(out, [(title, header, counting(rows))])
    else:
        write_csv(out, header, counting(rows))
    return {"kind": kind, "out": str(out), "rows": counted[0]}
