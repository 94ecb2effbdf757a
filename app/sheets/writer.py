"""Spreadsheet exports (.xlsx and .csv) that are safe to open in Excel.

Exported cells hold names, notes and numbers typed by other people, so any text Excel could
take for a formula is neutralised (OWASP "CSV injection"): a cell starting with ``=``, ``+``,
``-`` or ``@`` (also after leading whitespace), a tab or a carriage return gets a leading
single quote. In .xlsx, digit strings such as ID and household numbers are written as text
cells with the text format ``@`` so that Excel never turns them into 3.40422E+17.

Both writers are atomic: the file appears complete under its name or not at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import ALL_TEMP_FILES, WorksheetWriter

from app.domain.errors import YibaoError
from app.domain.text import clean_text

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

__all__ = ["neutralise", "write_csv", "write_xlsx"]

Sheet = tuple[str, Sequence[str], Iterable[Sequence[object]]]
"""(sheet title, header labels, rows) for :func:`write_xlsx`."""

_FORMULA_STARTS = ("=", "+", "-", "@")
_CONTROL_STARTS = ("\t", "\r")

# Text Excel would turn into a number or date if the clerk so much as edits the cell:
# ID numbers (with a trailing X), household and phone numbers, receipt numbers with leading
# zeros, dates typed as text.
_NUMBER_LIKE = re.compile(r"[0-9][0-9Xx.,:/ -]*", re.ASCII)
# Digits beyond this lose precision in an Excel number (15 significant digits).
_EXACT_DIGITS = 10**15
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")

# Rows looked at to size columns: enough to be representative, few enough to keep the
# rest of the export streaming.
_WIDTH_SAMPLE_ROWS = 200
_MIN_WIDTH = 6
_MAX_WIDTH = 60


def neutralise(text: str) -> str:
    """``text`` with a leading ``'`` if a spreadsheet could read it as a formula."""
    if text.startswith(_CONTROL_STARTS) or text.lstrip().startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def write_xlsx(path: Path, sheets: list[Sheet]) -> None:
    """Write ``sheets`` as one .xlsx workbook at ``path``, atomically.

    Each sheet gets a bold, frozen header row and column widths sized for Chinese text.
    Integers (amounts in fen) stay numbers; strings stay text; dates become Excel dates.
    Raises :class:`YibaoError` if the file cannot be written.
    """
    path = Path(path)
    wb = Workbook(write_only=True)
    header_font = Font(bold=True)
    used_titles: set[str] = set()
    saved = False
    try:
        for title, header, rows in sheets:
            ws = wb.create_sheet(_sheet_title(title, used_titles))
            rows = iter(rows)
            sample = list(islice(rows, _WIDTH_SAMPLE_ROWS))
            for index, width in enumerate(_column_widths(header, sample), 1):
                ws.column_dimensions[get_column_letter(index)].width = width
            ws.freeze_panes = "A2"
            # Column widths and panes go out with the top of the sheet XML, written here.
            _spool_beside(ws, path)
            header_cells = []
            for label in header:
                cell = WriteOnlyCell(ws, value=_safe(str(label)))
                cell.font = header_font
                header_cells.append(cell)
            ws.append(header_cells)
            for row in chain(sample, rows):
                ws.append([_xlsx_value(ws, value) for value in row])
        with _atomic_file(path) as fh:
            wb.save(fh)
        saved = True
    finally:
        if not saved:
            _discard_spools(wb)


def _spool_beside(ws: WriteOnlyWorksheet, path: Path) -> None:
    """Make openpyxl spool this sheet's XML next to the export, not in the system temp folder.

    Write-only mode streams each sheet into a temporary file before zipping it. In %TEMP% a
    crash would leave names and ID numbers in clear where nobody looks (DESIGN §4); beside
    the export it holds nothing the export does not, and is deleted when the workbook is
    saved. openpyxl has no public option for this, hence the private hooks.
    """
    try:
        fd, spool = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".xml")
    except OSError as exc:
        raise _write_error(path, exc) from exc
    os.close(fd)
    ALL_TEMP_FILES.append(spool)  # openpyxl deletes it after zipping, or at exit
    ws._writer = WorksheetWriter(ws, out=spool)
    ws._writer.write_top()


def _discard_spools(wb: Workbook) -> None:
    for ws in wb.worksheets:
        writer = ws._writer
        if writer is None:
            continue
        if not ws.closed:
            # Finish the XML stream first: left to the garbage collector, openpyxl's
            # generator would write to a file that is already closed.
            ws.close()
        with suppress(FileNotFoundError, ValueError):
            writer.cleanup()


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write a CSV file at ``path``, atomically.

    UTF-8 with a BOM and CRLF line ends, which is what Excel needs to show Chinese text
    correctly on a double click. CSV carries no cell types: Excel still shows an 18-digit
    number as 3.40422E+17 when it opens a CSV, so exports meant for people should be .xlsx.
    """
    with _atomic_file(Path(path)) as fh:
        text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow([_safe(str(label)) for label in header])
        writer.writerows([_csv_value(value) for value in row] for row in rows)
        text.flush()
        text.detach()  # the atomic writer still owns and closes the binary file


def _xlsx_value(ws: WriteOnlyWorksheet, value: object) -> object:
    # Text first: it is most of an export, and this runs once per cell.
    if type(value) is str:
        text = _safe(value)
        if "0" <= text[:1] <= "9" and _NUMBER_LIKE.fullmatch(text):
            return _text_cell(ws, text)
        return text
    if value is None or isinstance(value, bool | float | Decimal):
        return value
    if isinstance(value, int):
        if abs(value) < _EXACT_DIGITS:
            return value
        return _text_cell(ws, str(value))
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return _xlsx_value(ws, str(value))


def _text_cell(ws: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=text)
    cell.number_format = "@"
    return cell


def _safe(text: str) -> str:
    """A text cell as exported: cleaned first (control, bidi and zero-width characters out, a
    database from before the rule may hold them), then neutralised, so that ``"\x01=…"``
    cannot hide a formula from the check."""
    return neutralise(clean_text(text, multiline=True))


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return _safe(str(value))


def _sheet_title(title: str, used: set[str]) -> str:
    """A title Excel accepts: no []:*?/\\, at most 31 characters, unique in the workbook."""
    base = _BAD_TITLE.sub("_", title).strip("'") or "Sheet"
    candidate = base[:31]
    counter = 2
    while candidate.casefold() in used:
        suffix = f" ({counter})"
        candidate = base[: 31 - len(suffix)] + suffix
        counter += 1
    used.add(candidate.casefold())
    return candidate


def _display_width(text: str) -> int:
    # A CJK character is as wide as two Latin ones in Excel's default fonts.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _column_widths(header: Sequence[str], sample: list[Sequence[object]]) -> list[float]:
    widths = [_display_width(str(label)) for label in header]
    for row in sample:
        for index, value in enumerate(row):
            if value is None:
                continue
            if index >= len(widths):
                widths.append(0)
            if isinstance(value, dt.datetime):
                shown = 19
            elif isinstance(value, dt.date):
                shown = 10
            else:
                shown = _display_width(str(value))
            widths[index] = max(widths[index], shown)
    return [min(max(w + 2, _MIN_WIDTH), _MAX_WIDTH) for w in widths]


@contextmanager
def _atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A binary file that replaces ``path`` only once fully written and synced to disk.

    The temporary file sits in the destination folder so that ``os.replace`` is a rename on
    the same file system; a crash leaves either the old file or the new one, never half.
    """
    try:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _write_error(path, exc) from exc
    tmp = Path(tmp_name)
    done = False
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        done = True
    except OSError as exc:
        raise _write_error(path, exc) from exc
    finally:
        if not done:
            with suppress(FileNotFoundError):
                tmp.unlink()
    _sync_directory(path.parent)


def _sync_directory(folder: Path) -> None:
    # Makes the rename itself durable; Windows cannot open a directory for fsync.
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_error(path: Path, exc: OSError) -> YibaoError:
    if isinstance(exc, PermissionError):
        return YibaoError(
            f"无法写入 {path.name}：没有权限，或文件正在被 Excel/WPS 打开。请关闭该文件后重试。"
        )
    return YibaoError(f"无法写入 {path.name}：{exc.strerror or exc}")
