"""`yibao export tax --layout FILE --out F`: the collected payments in a tax bureau's layout.

A county's tax bureau (税务代征) takes residents' premiums as a batch file in its own template.
The template is described by a small JSON layout file (``yibao.tax-layout/1``, see
docs/examples/tax-layout-example.json and docs/DOMAIN.md): which columns, in which order,
what each holds (a field of the payment line, or a constant), code tables that turn our codes
into the bureau's (payment method, certificate type, sex …), the date format and the unit of
amounts. One row per payment line; voided payments are never exported; refunded lines are
marked (``"refunded": "mark"``, the default) or left out (``"exclude"``); lines of zero
(fully subsidised, no receipt) are left out unless ``"zero_amount": "include"``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from app.domain.errors import Refused, ValidationError
from app.domain.money import format_fen
from app.services.base.common import BUSINESS_TZ
from app.services.base.roles import any_role
from app.services.base.workspace import Workspace
from app.services.village.campaigns import active_campaign, campaign_by_id
from app.sheets.writer import write_csv, write_xlsx

SCHEMA = "yibao.tax-layout/1"

# field → what it holds (docs/DOMAIN.md lists them for a county's clerk)
FIELDS: dict[str, str] = {
    "business_date": "收款日期（日期）", "collected_at": "收款时间（北京时间，日期时间）",
    "receipt_series": "票据字轨", "receipt_number": "票号（含前导零）", "receipt": "字轨和票号",
    "campaign_year": "征缴年度", "benefit_year": "待遇年度（缴费所属年度）",
    "insurance_type": "险种代码（390）", "region": "政策地区",
    "village": "村", "group": "村民小组", "household_no": "户号", "head_name": "户主",
    "phone": "联系电话", "name": "姓名", "id_type": "证件类型代码", "id_number": "证件号码",
    "sex": "性别代码（1 男 2 女）", "birth_date": "出生日期（日期）",
    "residence": "户籍（local 本地 / nonlocal 外地）", "tier": "档次代码", "tier_name": "档次名称",
    "price": "缴费标准（金额）", "subsidy": "资助金额（金额）", "category": "资助类别",
    "payable": "个人缴费金额（金额）", "method": "缴费方式代码（cash/wechat/bank/other）",
    "method_ref": "交易参考号", "collector": "收款员", "status": "状态（valid 有效 / refunded 已退费）",
    "refund_reason": "退费原因代码", "refund_date": "退费日期（日期）", "payment_id": "收款编号",
    "line_id": "明细编号",
}
_DATES = {"business_date", "birth_date", "refund_date"}
_AMOUNTS = {"price", "subsidy", "payable"}
_TOP = {"schema", "name", "sheet", "date_format", "datetime_format", "amount_unit",
        "refunded", "zero_amount", "columns", "codes", "note"}
_COLUMN = {"header", "field", "value", "codes", "date_format", "default"}


class LayoutError(ValidationError):
    code = "bad_layout"


def _problems_message(source: str, problems: list[str]) -> str:
    shown = "；".join(problems[:6]) + ("…" if len(problems) > 6 else "")
    return f"报税格式文件 {source} 有 {len(problems)} 处错误：{shown}"


def _check_format(fmt: object, path: str, problems: list[str]) -> None:
    if not isinstance(fmt, str) or "%" not in fmt:
        problems.append(f"{path}: 应为日期格式，例如 \"%Y%m%d\" 或 \"%Y-%m-%d\"")
        return
    try:
        datetime(2026, 1, 2, 3, 4, 5).strftime(fmt)
    except ValueError as exc:
        problems.append(f"{path}: 日期格式无效（{exc}）")


def parse_layout(data: object, source: str = "") -> dict[str, Any]:
    """Check a layout (every problem named by its path, in Chinese) and fill defaults."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise LayoutError(_problems_message(source, ["应为 JSON 对象 {…}"]))
    for key in sorted(set(data) - _TOP):
        problems.append(f"{key}: 未知的设置项（可用：{'、'.join(sorted(_TOP))}）")
    if data.get("schema") != SCHEMA:
        problems.append(f"schema: 应为 \"{SCHEMA}\"")
    layout = {"name": data.get("name", ""), "sheet": data.get("sheet") or "缴费明细",
              "date_format": data.get("date_format", "%Y-%m-%d"),
              "datetime_format": data.get("datetime_format", "%Y-%m-%d %H:%M:%S"),
              "amount_unit": data.get("amount_unit", "yuan"),
              "refunded": data.get("refunded", "mark"),
              "zero_amount": data.get("zero_amount", "exclude"), "columns": []}
    for key in ("name", "sheet"):
        if not isinstance(layout[key], str):
            problems.append(f"{key}: 应为文字")
    _check_format(layout["date_format"], "date_format", problems)
    _check_format(layout["datetime_format"], "datetime_format", problems)
    for key, allowed in (("amount_unit", ("yuan", "fen")), ("refunded", ("mark", "exclude")),
                         ("zero_amount", ("include", "exclude"))):
        if layout[key] not in allowed:
            problems.append(f"{key}: 应为 {' 或 '.join(allowed)}，不是 {layout[key]!r}")
    codes = data.get("codes", {})
    if not isinstance(codes, dict):
        problems.append("codes: 应为对象：代码表名 → {本系统代码: 税务代码}")
        codes = {}
    for name, table in codes.items():
        if not isinstance(table, dict) or not table:
            problems.append(f"codes.{name}: 应为非空对象 {{本系统代码: 税务代码}}")
        elif any(not isinstance(v, str | int) or isinstance(v, bool) for v in table.values()):
            problems.append(f"codes.{name}: 代码应为文字或整数")
    columns = data.get("columns")
    if not isinstance(columns, list) or not columns:
        problems.append("columns: 应为非空列表，每列一个 {\"header\": …, \"field\": …}")
        columns = []
    seen: set[str] = set()
    for i, col in enumerate(columns):
        path = f"columns[{i}]"
        if not isinstance(col, dict):
            problems.append(f"{path}: 应为对象")
            continue
        for key in sorted(set(col) - _COLUMN):
            problems.append(f"{path}.{key}: 未知的列设置（可用：{'、'.join(sorted(_COLUMN))}）")
        header = col.get("header")
        if not isinstance(header, str) or not header.strip():
            problems.append(f"{path}.header: 缺少列名")
        elif header in seen:
            problems.append(f"{path}.header: 列名“{header}”重复")
        else:
            seen.add(header)
        field, value = col.get("field"), col.get("value")
        if (field is None) == (value is None):
            problems.append(f"{path}: 须给出 field（取哪个数据）或 value（固定值）之一")
        elif field is not None and field not in FIELDS:
            problems.append(f"{path}.field: 未知字段“{field}”（可用：{'、'.join(FIELDS)}）")
        elif value is not None and (not isinstance(value, str | int) or isinstance(value, bool)):
            problems.append(f"{path}.value: 固定值应为文字或整数")
        table = col.get("codes")
        if table is not None:
            if isinstance(table, str):
                if table not in codes:
                    problems.append(f"{path}.codes: 没有名为“{table}”的代码表（codes 中定义）")
                table = codes.get(table)
            elif not isinstance(table, dict) or not table:
                problems.append(f"{path}.codes: 应为代码表名或 {{本系统代码: 税务代码}}")
                table = None
        if "date_format" in col:
            _check_format(col["date_format"], f"{path}.date_format", problems)
        layout["columns"].append({"header": header, "field": field, "value": value,
                                  "codes": table if isinstance(table, dict) else None,
                                  "date_format": col.get("date_format"),
                                  "default": col.get("default")})
    if problems:
        raise LayoutError(_problems_message(source, problems), details={"problems": problems})
    return layout


def load_layout(path: Path) -> dict[str, Any]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise LayoutError(f"无法读取报税格式文件 {path}：{exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise LayoutError(f"报税格式文件 {path} 不是 UTF-8 编码的 JSON") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise LayoutError(f"报税格式文件 {path} 不是有效的 JSON：第 {exc.lineno} 行第 "  # type: ignore[attr-defined]
                          f"{exc.colno} 列附近有错") from None
    return parse_layout(data, str(path))


def _lines(ws: Workspace, benefit_year: int) -> Iterator[dict[str, Any]]:
    ids = [cid for (cid,) in ws.conn.execute(
        "SELECT id FROM campaigns WHERE benefit_year = ?", (benefit_year,))]
    policies = {cid: campaign_by_id(ws, cid).policy for cid in ids}
    marks = ",".join("?" * len(ids))
    for r in ws.conn.execute(
            "SELECT p.id, p.campaign_id, p.business_date, p.collected_at, p.series, p.number, "
            "b.width, h.village, h.grp, h.household_no, h.head_name, h.phone, l.id, l.name, "
            "l.id_type, l.id_number, s.sex, s.birth_date, s.residence, l.tier_code, "
            "l.price_fen, l.subsidy_fen, l.category, l.payable_fen, p.method, p.method_ref, "
            "p.collector, f.reason, f.business_date "
            "FROM payment_lines l JOIN payments p ON p.id = l.payment_id "
            "JOIN households h ON h.id = p.household_id JOIN persons s ON s.id = l.person_id "
            "LEFT JOIN receipt_books b ON b.id = p.book_id "
            "LEFT JOIN refunds f ON f.payment_line_id = l.id "
            f"WHERE p.campaign_id IN ({marks}) AND NOT EXISTS (SELECT 1 FROM "
            "payment_cancellations c WHERE c.payment_id = p.id) "
            "ORDER BY p.collected_at, l.rowid", ids):
        policy = policies[r[1]]
        number = "" if r[5] is None else f"{r[5]:0{r[6] or 1}d}"
        yield {
            "payment_id": r[0], "business_date": date.fromisoformat(r[2]),
            "collected_at": datetime.fromisoformat(r[3]).astimezone(BUSINESS_TZ),
            "receipt_series": r[4] or "", "receipt_number": number,
            "receipt": f"{r[4]} {number}" if r[4] else "",
            "campaign_year": policy.campaign_year, "benefit_year": policy.benefit_year,
            "insurance_type": policy.insurance_type, "region": policy.region,
            "village": r[7] or "", "group": r[8] or "", "household_no": r[9],
            "head_name": r[10], "phone": r[11] or "", "line_id": r[12], "name": r[13],
            "id_type": r[14], "id_number": r[15], "sex": "" if r[16] is None else str(r[16]),
            "birth_date": date.fromisoformat(r[17]) if r[17] else None, "residence": r[18],
            "tier": r[19], "tier_name": policy.tier(r[19]).name
            if r[19] in {t.code for t in policy.tiers} else r[19],
            "price": r[20], "subsidy": r[21], "category": r[22] or "", "payable": r[23],
            "method": r[24], "method_ref": r[25] or "", "collector": r[26],
            "status": "refunded" if r[27] else "valid", "refund_reason": r[27] or "",
            "refund_date": date.fromisoformat(r[28]) if r[28] else None,
        }


def _cell(layout: dict[str, Any], col: dict[str, Any], line: dict[str, Any],
          row_no: int) -> Any:
    if col["value"] is not None:
        return col["value"]
    field = col["field"]
    value = line[field]
    if value is None:
        return ""
    if col["codes"] is not None:
        key = str(value)
        if key in col["codes"]:
            return col["codes"][key]
        if col["default"] is not None:
            return col["default"]
        raise Refused(f"第 {row_no} 条缴费明细（{line['name']}）列“{col['header']}”：代码表中没有"
                      f"“{key}”的代码；请在报税格式文件中补上，或给此列一个 default",
                      details={"row": row_no, "column": col["header"], "value": key})
    if field in _AMOUNTS:
        return value if layout["amount_unit"] == "fen" else format_fen(value)
    if field in _DATES:
        return value.strftime(col["date_format"] or layout["date_format"])
    if field == "collected_at":
        return value.strftime(col["date_format"] or layout["datetime_format"])
    return value


@any_role
def export_tax(ws: Workspace, layout_file: Path, out: Path, *,
               benefit_year: int | None = None) -> dict[str, Any]:
    """Write the collected payments of a benefit year (the active campaign's by default) in
    the layout ``layout_file`` describes, as .xlsx or .csv (by ``out``'s extension)."""
    layout = load_layout(layout_file)
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValidationError("导出文件名应以 .xlsx 或 .csv 结尾")
    year = benefit_year or active_campaign(ws).policy.benefit_year
    rows: list[Sequence[Any]] = []
    skipped = {"refunded": 0, "zero_amount": 0}
    marked, total = 0, 0
    for line in _lines(ws, year):
        if line["status"] == "refunded" and layout["refunded"] == "exclude":
            skipped["refunded"] += 1
            continue
        if line["payable"] == 0 and layout["zero_amount"] == "exclude":
            skipped["zero_amount"] += 1
            continue
        rows.append([_cell(layout, col, line, len(rows) + 1) for col in layout["columns"]])
        marked += line["status"] == "refunded"
        total += line["payable"]
    header = [col["header"] for col in layout["columns"]]
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsx":
        write_xlsx(out, [(layout["sheet"], header, rows)])
    else:
        write_csv(out, header, rows)
    return {"kind": "tax", "out": str(out), "layout": layout["name"], "benefit_year": year,
            "rows": len(rows), "refunded_marked": marked, "skipped": skipped,
            "total_fen": total}
