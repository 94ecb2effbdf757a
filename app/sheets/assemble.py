"""From a sheet's raw rows to a ``Table``: the header found, every data row's roster cells
normalised, and one warning per kind of repair made."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import chain, islice
from operator import itemgetter
from typing import Literal

from openpyxl.utils import get_column_letter

from app.domain.errors import ValidationError
from app.domain.text import clean_text
from app.sheets.cells import (
    EXCEL_ERRORS,
    FLOAT_ID,
    KINDS,
    PLAIN,
    STRIP,
    TEXT_FIXERS,
    add_problem,
    convert,
)
from app.sheets.columns import ROSTER, Layout
from app.sheets.header import Header, find_header, header_end
from app.sheets.table import (
    HEADER_SCAN_ROWS,
    PROGRESS_EVERY,
    CellProblem,
    Merge,
    ReadLimits,
    Row,
    Table,
    check_row,
    too_long,
)


def assemble(
    rows: Iterable[Sequence[object]],
    *,
    fmt: Literal["xlsx", "csv"],
    encoding: str | None,
    epoch_1904: bool,
    merges: Sequence[Merge],
    limits: ReadLimits,
    progress: Callable[[int], None] | None,
    warnings: list[str],
    layout: Layout = ROSTER,
) -> Table:
    """Find the header, then turn every data row into normalised text cells: stripped, and
    cleaned of control and format characters (:func:`app.domain.text.clean_text`)."""
    numbered = enumerate(rows, 1)
    head = list(islice(numbered, HEADER_SCAN_ROWS))
    for number, values in head:
        check_row(number, values, limits)
    labels = layout.labels
    found = find_header([values for _, values in head], layout)
    if found is None:
        raise ValidationError(
            f"找不到表头：前 {HEADER_SCAN_ROWS} 行中没有「姓名」或「证件号码」列。"
            + ("请确认表头包含 户号、姓名、证件号码。" if layout is ROSTER else "")
        )
    index, header = found
    header_row = index + 1
    missing = [labels[key] for key in layout.required if key not in header.columns]
    if missing:
        raise ValidationError(
            f"缺少必需的列：{'、'.join(missing)}（表头在第 {header_row} 行）。"
            + ("请检查列名，例如「户号」「姓名」「证件号码」。" if layout is ROSTER else "")
        )
    if header_row > 1:
        warnings.append(f"表头在第 {header_row} 行，上面 {header_row - 1} 行（标题等）已跳过。")
    if header.unknown:
        names = "、".join(
            f"{text}（{get_column_letter(idx + 1)}列）" for idx, text in header.unknown
        )
        warnings.append(f"未识别的列已忽略：{names}。")
    for idx, text, key in header.duplicates:
        warnings.append(
            f"「{text}」（{get_column_letter(idx + 1)}列）与前面的列同为「{labels[key]}」，已忽略。"
        )
    first_data = header_end(header_row, header, merges) + 1

    columns = {c.key: header.columns[c.key] for c in layout.columns if c.key in header.columns}
    specs = tuple((key, KINDS.get(key, PLAIN)) for key in columns)
    # itemgetter pulls all roster cells of a row in one C call; the loop below is the hot
    # path of a 60,000-row import and runs once per cell.
    pick = itemgetter(*columns.values())
    width = max(columns.values()) + 1
    padding = (None,) * width
    # Cells the loop never looks at still need their length checked, unless the CSV reader's
    # field limit has done it already.
    unchecked = [] if fmt == "csv" else sorted(set(range(width)) - set(columns.values()))
    check_tail = fmt != "csv"
    name_headers = {labels.get("name"), "name", "参保人姓名"}
    max_chars = limits.max_cell_chars
    max_rows = limits.max_rows
    max_columns = limits.max_columns
    out: list[Row] = []
    skipped_unknown_only = repeated_headers = 0
    number = header_row
    for number, values in chain(head[index + 1 :], numbered):
        n = len(values)
        if number > HEADER_SCAN_ROWS:
            if number > max_rows or n > max_columns:
                check_row(number, values, limits)
            for i in unchecked:
                if i < n and type(values[i]) is str and len(values[i]) > max_chars:
                    raise too_long(number, limits)
            if check_tail and n > width:
                check_row(number, values[width:], limits)
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(number)
        if number < first_data or not n:
            continue
        if n < width:
            values = (*values, *padding[n:])
        cells: dict[str, str] = {}
        problems: list[CellProblem] = []
        for (key, kind), v in zip(specs, pick(values), strict=True):
            if type(v) is str:
                s = v.strip(STRIP)
                if s:
                    if len(s) > max_chars:
                        raise too_long(number, limits)
                    if s[0] == "#" and s in EXCEL_ERRORS:
                        add_problem(problems, key, f"单元格是公式错误值 {s}")
                    elif kind:
                        s = TEXT_FIXERS[kind](s, key, problems)
            elif v is None:
                s = ""
            else:
                s = convert(v, kind, key, problems, epoch_1904)
            # Cleaned here, once per cell, so a row's cells reach the roster checks as the
            # ledger stores text: a method call on printable text (the usual case, Chinese
            # included) instead of a function call per cell there.
            cells[key] = s if s.isprintable() else clean_text(s)
        if not any(cells.values()):
            if any(v is not None and str(v).strip(STRIP) for v in values):
                skipped_unknown_only += 1
            continue
        if (cells.get("name") in name_headers
                and layout.canonical_key(cells["id_number"]) == "id_number"):
            repeated_headers += 1
            continue
        out.append(Row(number, cells, problems))
    if progress is not None:
        progress(number)

    _summarise(out, fmt, first_data, header, merges, warnings, layout)
    if skipped_unknown_only:
        warnings.append(f"{skipped_unknown_only} 行只有未识别的列有内容（如序号），已跳过。")
    if repeated_headers:
        warnings.append(f"数据中有 {repeated_headers} 行重复的表头，已跳过。")
    if not out:
        warnings.append("表头下面没有数据行。")
    return Table(
        columns=columns,
        header_row=header_row,
        rows=out,
        warnings=warnings,
        encoding=encoding,
        format=fmt,
    )


def _summarise(
    rows: list[Row],
    fmt: str,
    first_data: int,
    header: Header,
    merges: Sequence[Merge],
    warnings: list[str],
    layout: Layout = ROSTER,
) -> None:
    """One warning per kind of repair, so that 3,000 float IDs make one line, not 3,000."""
    if rows:
        last = rows[-1].number
        by_column = {idx + 1: key for key, idx in header.columns.items()}
        filled: dict[str, int] = {}
        for m in merges:
            key = by_column.get(m.min_col)
            top = max(m.min_row, first_data - 1)
            if key is not None and min(m.max_row, last) > top:
                filled[key] = filled.get(key, 0) + min(m.max_row, last) - top
        if filled:
            parts = "、".join(
                f"{c.label} {filled[c.key]} 行" for c in layout.columns if filled.get(c.key)
            )
            warnings.append(f"合并单元格已按合并范围填到每一行：{parts}。")
    float_ids = sum(1 for r in rows for p in r.problems if p.reason == FLOAT_ID)
    if float_ids:
        warnings.append(
            f"{float_ids} 个证件号码以数字格式保存，末位可能已丢失。"
            "请在 Excel 中把证件号码列设为“文本”并重新录入这些号码。"
        )
    if fmt == "csv" and "household_no" in header.columns:
        blank = sum(1 for r in rows if not r.cells["household_no"])
        if blank:
            warnings.append(
                f"{blank} 行户号为空。如果原表格用合并单元格填写户号，"
                "请直接导入 .xlsx 文件（CSV 不保留合并单元格）。"
            )
