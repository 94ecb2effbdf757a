"""Reading a checked .xlsx with python-calamine, about twenty times faster than openpyxl.

Calamine is used only where it gives exactly what openpyxl gives, and only behind the checks
in :mod:`.xlsx`, which stay in front of it: calamine inflates the whole sheet into one dense
grid (rows × columns) before anything can be looked at, so a tiny file naming a cell at
XFD1048576 would have it allocate half a terabyte and abort the process. The sheet XML is
therefore first streamed by ``xlsx._scan_sheet``, which lets calamine read a sheet only when
every cell is written ``<c r="A1"…`` with its reference within the row and column limits, and
refuses a document type or entity declaration in any part.

The other readings are openpyxl's, for what calamine cannot read or reads differently:

* a file calamine refuses (``CalamineError``: a part it cannot parse);
* a sheet with cells written otherwise (no ``r`` reference, attributes in another order, a
  namespace prefix, comments or CDATA), or a reference beyond the limits, which openpyxl
  streams row by row and refuses as it goes;
* formula error cells (``t="e"``), which calamine reads as empty where openpyxl gives the
  ``#N/A`` the clerk sees;
* integers of 10^15 or more and numbers too large for a float: calamine reads every number
  as a float, so an 18-digit ID number stored as an exact integer (as some programs write
  it) would lose its last digits, and whether it was exact is told only by its text. Below
  10^15 an integral float is what Excel writes as plain digits, read by openpyxl as an
  ``int``: it becomes one here too. (A number written with a decimal point, ``12.0``, which
  openpyxl keeps as a float, thus loses the "saved as a number" note in an ID column, where a
  number that small is refused as an ID anyway.)

Dates and times come as ``date``/``datetime``/``time`` objects as with openpyxl (a
date-formatted cell is a ``date`` rather than a midnight ``datetime``, which reads the same),
in the workbook's own epoch; blank cells come as ``""`` rather than ``None`` and rows as one
rectangle, both of which the assembly treats alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import BinaryIO

from python_calamine import CalamineError, CalamineWorkbook

from app.sheets.columns import ROSTER, Layout
from app.sheets.table import Merge, ReadLimits, Table
from app.sheets.workbook import SheetPart, read_sheets

# Integers below this are written by Excel as plain digits (15 significant digits is all it
# keeps) and are exact in a float.
_EXACT_BELOW = 1e15


class Unfaithful(Exception):
    """Calamine cannot give this workbook exactly as openpyxl would: read it with openpyxl."""


def read_calamine(
    fh: BinaryIO,
    sheets: list[SheetPart],
    active: str | None,
    merges_by_part: dict[str, list[Merge]],
    *,
    epoch_1904: bool,
    limits: ReadLimits,
    progress: Callable[[int], None] | None,
    warnings: list[str],
    layout: Layout = ROSTER,
) -> Table:
    """The roster read by calamine; raises :class:`Unfaithful` for openpyxl to read it."""
    try:
        book = CalamineWorkbook.from_filelike(fh)
    except (CalamineError, ValueError, OverflowError) as exc:
        raise Unfaithful from exc
    loaded: dict[str, list[list[object]]] = {}

    def rows_of(sheet: SheetPart) -> Iterator[Sequence[object]]:
        if sheet.name not in loaded:
            try:
                rows = book.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)
            except (CalamineError, ValueError, OverflowError) as exc:
                raise Unfaithful from exc
            loaded.clear()  # one sheet held at a time: the probed ones are not needed again
            loaded[sheet.name] = _as_openpyxl_reads(rows)
        return iter(loaded[sheet.name])

    try:
        return read_sheets(sheets, active, merges_by_part, rows_of, epoch_1904=epoch_1904,
                           limits=limits, progress=progress, warnings=list(warnings),
                           layout=layout)
    finally:
        book.close()


def _as_openpyxl_reads(rows: list[list[object]]) -> list[list[object]]:
    """Integral floats as the ints openpyxl reads, or :class:`Unfaithful` (see the module)."""
    for row in rows:
        if float in map(type, row):  # most rows hold text and dates only: one C-level pass
            for i, v in enumerate(row):
                if type(v) is float:
                    if v.is_integer() and -_EXACT_BELOW < v < _EXACT_BELOW:
                        row[i] = int(v)
                    elif v.is_integer() or not math.isfinite(v):
                        raise Unfaithful
    return rows
