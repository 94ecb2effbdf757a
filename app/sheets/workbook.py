"""What both .xlsx readers (python-calamine and openpyxl) share once a workbook's parts have
passed the hostile-file checks: which sheet holds the roster, and each vertically merged
range's value copied down its rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from app.sheets.assemble import assemble
from app.sheets.columns import ROSTER, Layout
from app.sheets.header import find_header
from app.sheets.table import HEADER_SCAN_ROWS, Merge, ReadLimits, Table, check_row


@dataclass(frozen=True, slots=True)
class SheetPart:
    name: str
    part: str
    visible: bool


# A sheet's rows from row 1, as one reader gives them; closing the iterator releases what the
# reader holds open for it.
SheetRows = Callable[[SheetPart], Iterator[Sequence[object]]]


def read_sheets(
    sheets: list[SheetPart],
    active: str | None,
    merges_by_part: dict[str, list[Merge]],
    rows_of: SheetRows,
    *,
    epoch_1904: bool,
    limits: ReadLimits,
    progress: Callable[[int], None] | None,
    warnings: list[str],
    layout: Layout = ROSTER,
) -> Table:
    """The roster from the sheet that best names its columns."""
    # Probe the sheet Excel opens on first, then the others: a template often keeps code
    # lists on a second sheet, and a clerk may have left the roster on any tab.
    visible = [s for s in sheets if s.visible] or sheets
    order = sorted(visible, key=lambda s: s.name != active)
    best: tuple[int, SheetPart] | None = None
    if len(order) > 1:
        for sheet in order:
            rows = filled_rows(rows_of(sheet), merges_by_part[sheet.part])
            try:
                head = list(islice(rows, HEADER_SCAN_ROWS))
            finally:
                rows.close()  # releases the open zip member at once
            for number, values in enumerate(head, 1):
                check_row(number, values, limits)
            found = find_header(head, layout)
            if found is not None and (best is None or found[1].score > best[0]):
                best = (found[1].score, sheet)
    chosen = best[1] if best is not None else order[0]
    if len(visible) > 1:
        warnings.append(f"工作簿有 {len(visible)} 个工作表，已读取「{chosen.name}」。")
    merges = merges_by_part[chosen.part]
    return assemble(
        filled_rows(rows_of(chosen), merges),
        fmt="xlsx",
        encoding=None,
        epoch_1904=epoch_1904,
        merges=merges,
        limits=limits,
        progress=progress,
        warnings=warnings,
        layout=layout,
    )


def filled_rows(
    rows: Iterable[Sequence[object]], merges: list[Merge]
) -> Iterator[Sequence[object]]:
    """Sheet rows from row 1, with each vertically merged range's value copied down its column.

    Excel stores a merged range's value only in its top-left cell; a household number merged
    over its members' rows must reach every member. Only the first column of a range is
    filled, so a title or header merged across columns is not duplicated sideways.
    """
    starts: dict[int, list[tuple[int, int]]] = {}
    for m in merges:
        if m.max_row > m.min_row:
            starts.setdefault(m.min_row, []).append((m.min_col - 1, m.max_row))
    if not starts:
        yield from rows
        return
    active: list[tuple[int, int, object]] = []  # (column, last row, value) of open ranges
    expires = 0  # the first row after which some open range has ended
    for number, values in enumerate(rows, 1):
        if active:
            if number > expires:
                active = [a for a in active if a[1] >= number]
                expires = min((a[1] for a in active), default=0)
            filled: list[object] | None = None
            n = len(values)
            for col, _last, value in active:
                if col < n and values[col] is not None and values[col] != "":
                    continue
                if filled is None:
                    filled = list(values)
                if col >= len(filled):
                    filled.extend([None] * (col + 1 - len(filled)))
                filled[col] = value
            if filled is not None:
                values = filled
        began = starts.get(number)
        if began:
            for col, last in began:
                value = values[col] if col < len(values) else None
                if value is not None and value != "":
                    active.append((col, last, value))
                    expires = min(expires, last) if expires else last
        yield values
