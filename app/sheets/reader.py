"""Read a roster spreadsheet (.xlsx or .csv) into normalised text cells.

This layer only reads and normalises: every cell comes out as a stripped ``str`` keyed by its
canonical column (see :mod:`.columns`). It never validates ID numbers or applies business rules;
it reports what it had to guess (``Table.warnings``) and what it could not read faithfully
(``Row.problems``) so that the import service can show both to the clerk.

Layouts handled: the header may sit below a title (searched in the first 20 rows), headers
are matched through aliases, and in .xlsx a value merged vertically over several rows (a
household number, group or head name spanning the household's members) is copied to every
row of its range, read from the sheet's real merged ranges. CSV keeps no merge information,
so blank household numbers there stay blank (with a warning) rather than being guessed.

Files come from village laptops and e-mail attachments, so a file is treated as hostile until
proven otherwise: size, rows, columns, cell length, decompressed size and compression ratio are
checked before anything expensive happens, and XML entity declarations are refused.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import posixpath
import re
import threading
import warnings as pywarnings
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from itertools import chain, islice
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import openpyxl
from defusedxml.ElementTree import fromstring as safe_fromstring
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.utils.exceptions import InvalidFileException

from app.domain.bulk import collector_paused
from app.domain.errors import ValidationError, YibaoError
from app.sheets.columns import (
    COLUMNS,
    HEADER_ANCHORS,
    LABELS,
    REQUIRED,
    canonical_key,
)

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

__all__ = [
    "DEFAULT_LIMITS",
    "CellProblem",
    "ReadLimits",
    "Row",
    "Table",
    "read_table",
]

MB = 1024 * 1024

# The header is looked for among the first rows only: titles, dates and notes above it are
# a few lines at most, and scanning further would risk taking a data row for the header.
HEADER_SCAN_ROWS = 20
PROGRESS_EVERY = 1000

NOT_A_SPREADSHEET = "不是可识别的电子表格文件 (.xlsx 或 .csv)"


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """Ceilings that make a hostile or broken file fail fast instead of exhausting memory."""

    max_bytes: int = 50 * MB
    max_rows: int = 200_000
    max_columns: int = 200
    max_cell_chars: int = 10_000
    max_uncompressed_bytes: int = 500 * MB
    max_compression_ratio: int = 200


DEFAULT_LIMITS = ReadLimits()


@dataclass(frozen=True, slots=True)
class CellProblem:
    """A cell that could not be read faithfully; ``column`` is the Chinese label."""

    column: str
    reason: str


@dataclass(frozen=True, slots=True)
class Row:
    """One data row. ``number`` is the row number the clerk sees in Excel (1-based; for a CSV
    file, the record number, which is what Excel shows when it opens the file).

    ``cells`` holds exactly the keys of :attr:`Table.columns`, each a stripped string
    ('' when empty); ``problems`` lists the cells that could not be read faithfully.
    """

    number: int
    cells: dict[str, str]
    problems: list[CellProblem] = field(default_factory=list)


@dataclass(frozen=True)
class Table:
    """A roster as read from a file.

    ``columns`` maps each canonical key found in the header to its 0-based position in the
    sheet; ``header_row`` is 1-based as shown in Excel. ``encoding`` is ``None`` for .xlsx.
    """

    columns: dict[str, int]
    header_row: int
    rows: list[Row]
    warnings: list[str]
    encoding: str | None
    format: Literal["xlsx", "csv"]


def read_table(
    path: Path,
    *,
    limits: ReadLimits = DEFAULT_LIMITS,
    progress: Callable[[int], None] | None = None,
) -> Table:
    """Read the roster in ``path`` (.xlsx or .csv, whatever its extension says).

    ``progress`` is called with the number of sheet rows read so far, about every 1,000 rows
    and once at the end. Raises :class:`ValidationError` with a message for the clerk when the
    file is not a spreadsheet, exceeds ``limits``, or lacks the required columns.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise ValidationError(f"无法打开文件：{exc.strerror or exc}") from exc
    if size == 0:
        raise ValidationError("文件是空的。")
    if size > limits.max_bytes:
        raise ValidationError(
            f"文件过大（{size / MB:.1f} MB），最大 {limits.max_bytes / MB:.0f} MB。"
            "请拆分后分批导入。"
        )
    suffix = path.suffix.lower()
    # Building 60,000 rows allocates a few hundred thousand dicts and lists, none in a cycle:
    # the collector would walk them again and again and add some 30 % to the read.
    with collector_paused():
        if head.startswith(b"PK\x03\x04"):
            return _read_xlsx(path, limits, progress, _extension_warning(suffix, "xlsx"))
        _reject_binary(head)
        return _read_csv(path, limits, progress, _extension_warning(suffix, "csv"))


# --------------------------------------------------------------------------- format sniffing

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "旧版 Excel (.xls)、WPS (.et) 或加密的 Excel 文件。旧版 .xls 请另存为 .xlsx；"
        "有密码的文件请先取消密码",
    ),
    (b"%PDF", "PDF 文档，无法从中读取表格数据"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"II*\x00", "TIFF 图片"),
    (b"MM\x00*", "TIFF 图片"),
    (b"Rar!", "RAR 压缩包，请先解压"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包，请先解压"),
    (b"\x1f\x8b", "gzip 压缩包，请先解压"),
    (b"PK\x05\x06", "空的 ZIP 压缩包"),
    (b"{\\rtf", "RTF 文档"),
)

# C0 controls other than tab, LF, CR (and the DOS EOF mark) never occur in a text export.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x19\x1b-\x1f]")


def _not_spreadsheet(looks_like: str) -> ValidationError:
    return ValidationError(f"{NOT_A_SPREADSHEET}：看起来是{looks_like}。")


def _reject_binary(head: bytes) -> None:
    for magic, looks_like in _SIGNATURES:
        if head.startswith(magic):
            raise _not_spreadsheet(looks_like)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] == b"<":
        # Many government systems hand out HTML or SpreadsheetML 2003 saved as ".xls".
        raise _not_spreadsheet(
            "网页 (HTML) 或 XML 格式的表格（有些系统导出的 .xls 其实是网页），"
            "请用 Excel 打开后另存为 .xlsx"
        )
    if len(_CONTROL_BYTES.findall(head)) > max(2, len(head) // 100):
        raise ValidationError(
            f"{NOT_A_SPREADSHEET}：内容是二进制数据，既不是 .xlsx 也不是文本表格。"
        )


def _extension_warning(suffix: str, actual: str) -> list[str]:
    if actual == "xlsx" and suffix in {".csv", ".txt"}:
        return [f"文件扩展名是 {suffix}，但内容是 .xlsx 工作簿，已按 .xlsx 读取。"]
    if actual == "csv" and suffix in {".xlsx", ".xlsm", ".xls"}:
        return [f"文件扩展名是 {suffix}，但内容是 CSV 文本，已按 CSV 读取。"]
    return []


# --------------------------------------------------------------------------- xlsx

_MAX_ZIP_MEMBERS = 10_000
_METADATA_MAX_BYTES = 16 * MB
_RATIO_MIN_BYTES = 1 * MB  # tiny parts compress absurdly well and are harmless
_MAX_MERGES = 500_000
_SCAN_CHUNK = 1 * MB
_SCAN_CARRY = 256

_OPENPYXL_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    InvalidFileException,
    ParseError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    EOFError,
    OSError,
    NotImplementedError,
    OverflowError,
    RuntimeError,  # zipfile: "File is encrypted, password required"
)


class _Merge(NamedTuple):
    """A merged range, 1-based and inclusive (a sheet may hold tens of thousands)."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int


@dataclass(frozen=True, slots=True)
class _SheetPart:
    name: str
    part: str
    visible: bool


def _read_xlsx(
    path: Path,
    limits: ReadLimits,
    progress: Callable[[int], None] | None,
    warnings: list[str],
) -> Table:
    if not openpyxl.DEFUSEDXML:
        # openpyxl silently falls back to the stdlib parser when defusedxml is missing or
        # OPENPYXL_DEFUSEDXML=False; reading untrusted XML that way is not acceptable.
        raise YibaoError("无法安全读取 .xlsx：缺少 defusedxml 组件或已被禁用，请联系技术支持。")
    try:
        with path.open("rb") as fh:
            with zipfile.ZipFile(fh) as zf:
                _check_zip(zf, limits)
                sheets, active = _workbook_sheets(zf)
                merges = {s.part: _scan_sheet(zf, s.part, limits) for s in sheets}
            fh.seek(0)
            with pywarnings.catch_warnings():
                # openpyxl warns about every unsupported extension and style quirk; the
                # clerk cannot act on those and the values are read correctly regardless.
                pywarnings.simplefilter("ignore")
                wb = openpyxl.load_workbook(fh, read_only=True, data_only=True, keep_links=False)
                try:
                    return _read_workbook(wb, sheets, active, merges, limits, progress, warnings)
                finally:
                    wb.close()
    except _OPENPYXL_ERRORS as exc:
        if _caused_by(exc, defusedxml.DefusedXmlException):
            raise ValidationError(
                "文件包含不安全的 XML 内容（实体或文档类型声明），已拒绝读取。"
                "请用 Excel 打开后另存为新的 .xlsx 文件。"
            ) from exc
        raise ValidationError(
            "文件已损坏或不是有效的 .xlsx 工作簿，无法读取。请用 Excel 打开后另存为新的 .xlsx 文件。",
            details={"cause": f"{type(exc).__name__}: {exc}"[:500]},
        ) from exc


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    # openpyxl re-raises parser errors as a generic ValueError "from" the original.
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _check_zip(zf: zipfile.ZipFile, limits: ReadLimits) -> None:
    """Reject zip bombs using the sizes in the central directory, before inflating anything.

    The declared sizes can be trusted as an upper bound: ``zipfile`` stops inflating a member
    at its declared size and then fails the CRC check.
    """
    infos = zf.infolist()
    if len(infos) > _MAX_ZIP_MEMBERS:
        raise ValidationError(f"文件结构异常（包含 {len(infos)} 个部件），已拒绝读取。")
    names = {info.filename for info in infos}
    _identify_zip(zf, names)
    total = 0
    limit_mb = limits.max_uncompressed_bytes / MB
    for info in infos:
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            raise ValidationError(
                f"文件解压后超过 {limit_mb:.0f} MB，疑似恶意构造的压缩文件（压缩炸弹），已拒绝读取。"
            )
        if (
            info.file_size > _RATIO_MIN_BYTES
            and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1)
        ):
            ratio = info.file_size / max(info.compress_size, 1)
            raise ValidationError(
                f"文件压缩比异常（约 {ratio:.0f} 倍，上限 {limits.max_compression_ratio} 倍），"
                "疑似恶意构造的压缩文件（压缩炸弹），已拒绝读取。"
            )


def _identify_zip(zf: zipfile.ZipFile, names: set[str]) -> None:
    if "xl/workbook.bin" in names:
        raise _not_spreadsheet("Excel 二进制工作簿 (.xlsb)，请另存为 .xlsx")
    if "word/document.xml" in names:
        raise _not_spreadsheet("Word 文档 (.docx)")
    if "ppt/presentation.xml" in names:
        raise _not_spreadsheet("PowerPoint 演示文稿 (.pptx)")
    if "mimetype" in names and zf.getinfo("mimetype").file_size < 200:
        mimetype = zf.read("mimetype")
        if b"opendocument.spreadsheet" in mimetype:
            raise _not_spreadsheet("OpenDocument 表格 (.ods)，请另存为 .xlsx")
        if b"opendocument" in mimetype:
            raise _not_spreadsheet("OpenDocument 文档")
    if "_rels/.rels" not in names:
        raise _not_spreadsheet("普通的 ZIP 压缩包，请先解压")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(element: Element, local_name: str) -> str | None:
    for key, value in element.attrib.items():
        if _local(key) == local_name:
            return value
    return None


def _read_small_xml(zf: zipfile.ZipFile, name: str) -> Element:
    info = zf.getinfo(name)
    if info.file_size > _METADATA_MAX_BYTES:
        raise ValidationError(f"文件结构异常（{name} 过大），已拒绝读取。")
    return safe_fromstring(zf.read(info))


def _relationships(
    zf: zipfile.ZipFile, rels_name: str, base_dir: str
) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, part path inside the zip)."""
    result: dict[str, tuple[str, str]] = {}
    for rel in _read_small_xml(zf, rels_name):
        target = rel.get("Target") or ""
        if rel.get("TargetMode") == "External":
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.join(base_dir, target)
        result[rel.get("Id") or ""] = (rel.get("Type") or "", posixpath.normpath(part))
    return result


def _workbook_sheets(zf: zipfile.ZipFile) -> tuple[list[_SheetPart], str | None]:
    """The worksheets in workbook order, and the name of the sheet Excel opens on.

    openpyxl's read-only mode hides the part names and the active tab, and the part names
    are needed to pre-scan sheets before openpyxl parses them.
    """
    office = [
        part
        for kind, part in _relationships(zf, "_rels/.rels", "").values()
        if kind.endswith("/officeDocument")
    ]
    if not office:
        raise _not_spreadsheet("ZIP 压缩包，而不是 Excel 工作簿")
    workbook_part = office[0]
    base_dir = posixpath.dirname(workbook_part)
    rels_name = posixpath.join(base_dir, "_rels", posixpath.basename(workbook_part) + ".rels")
    rels = _relationships(zf, rels_name, base_dir)
    root = _read_small_xml(zf, workbook_part)
    sheets: list[_SheetPart] = []
    active_tab = 0
    active: str | None = None
    names = set(zf.namelist())
    tab = 0  # activeTab counts chart sheets too
    for element in root.iter():
        tag = _local(element.tag)
        if tag == "workbookView":
            active_tab = int(element.get("activeTab") or 0)
        elif tag == "sheet":
            kind, part = rels.get(_attr(element, "id") or "", ("", ""))
            if kind.endswith("/worksheet") and part in names:
                visible = (element.get("state") or "visible") == "visible"
                sheets.append(_SheetPart(element.get("name") or "", part, visible))
                if tab == active_tab:
                    active = sheets[-1].name
            tab += 1
    if not sheets:
        raise ValidationError("工作簿中没有工作表。")
    return sheets, active


_CELL_REF = re.compile(rb"([A-Za-z]{1,3})([0-9]{1,7})")


@cache
def _column_number(letters: bytes) -> int:
    """``b"N"`` → 14."""
    number = 0
    for ch in letters.upper():
        number = number * 26 + ch - 64
    return number


def _parse_ref(ref: bytes) -> tuple[int, int] | None:
    """``b"N60001"`` → (row, column), both 1-based."""
    m = _CELL_REF.fullmatch(ref)
    if m is None:
        return None
    return int(m.group(2)), _column_number(m.group(1))


def _scan_sheet(zf: zipfile.ZipFile, part: str, limits: ReadLimits) -> list[_Merge]:
    """Stream the raw sheet XML once, before openpyxl touches it.

    This rejects over-long sheets without parsing them (openpyxl's read-only mode parses the
    whole sheet just to size it when ``<dimension>`` is missing) and collects the merged
    ranges, which read-only mode does not expose. Inflating and counting bytes costs about
    2 % of what openpyxl needs to parse the same sheet.
    """
    merges: list[_Merge] = []
    with zf.open(part) as fh:
        buf = fh.read(_SCAN_CHUNK)
        root = re.search(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]", buf)
        prefix = (root.group(1) or b"") if root else b""
        dimension = re.search(rb"<" + re.escape(prefix) + rb'dimension\s+ref="([^"]*)"', buf)
        if dimension is not None:
            corners = [_parse_ref(ref) for ref in dimension.group(1).split(b":")]
            if corners[-1] is not None:
                _check_extent(corners[-1][0], corners[-1][1], limits)
        row_tags = (b"<" + prefix + b"row ", b"<" + prefix + b"row>")
        merge_re = re.compile(
            rb"<"
            + re.escape(prefix)
            + rb'mergeCell\s[^>]*?ref="([A-Za-z]{1,3})([0-9]{1,7}):([A-Za-z]{1,3})([0-9]{1,7})"'
        )
        rows = 0
        carry = b""
        while buf:
            data = carry + buf
            # Tags wholly inside ``carry`` were counted in the previous round.
            rows += sum(data.count(tag) - carry.count(tag) for tag in row_tags)
            if rows > limits.max_rows:
                raise _too_many_rows(limits)
            last_end = 0
            if b"mergeCell" in data:
                for m in merge_re.finditer(data):
                    last_end = m.end()
                    if last_end <= len(carry):
                        continue
                    if len(merges) >= _MAX_MERGES:
                        raise ValidationError(
                            f"合并单元格超过 {_MAX_MERGES} 个，文件结构异常，已拒绝读取。"
                        )
                    c1, r1, c2, r2 = m.groups()
                    a, b = int(r1), int(r2)
                    x, y = _column_number(c1), _column_number(c2)
                    merges.append(_Merge(min(a, b), min(x, y), max(a, b), max(x, y)))
            carry = data[max(last_end, len(data) - _SCAN_CARRY) :]
            buf = fh.read(_SCAN_CHUNK)
    return merges


def _check_extent(rows: int, columns: int, limits: ReadLimits) -> None:
    if rows > limits.max_rows:
        raise _too_many_rows(limits)
    if columns > limits.max_columns:
        raise _too_many_columns(columns, limits)


def _too_many_rows(limits: ReadLimits) -> ValidationError:
    return ValidationError(
        f"行数超过上限：最多 {limits.max_rows} 行。请拆分文件，或删除表格末尾多余的空行和格式。"
    )


def _too_many_columns(columns: int, limits: ReadLimits, row: int | None = None) -> ValidationError:
    where = f"第 {row} 行有" if row is not None else "表格有"
    return ValidationError(
        f"列数超过上限：{where} {columns} 列，最多 {limits.max_columns} 列。"
        "请删除多余的列后再导入。"
    )


def _too_long(row: int, limits: ReadLimits) -> ValidationError:
    return ValidationError(
        f"第 {row} 行有单元格超过 {limits.max_cell_chars} 个字符，不像是花名册数据，已拒绝读取。"
    )


def _read_workbook(
    wb: Workbook,
    sheets: list[_SheetPart],
    active: str | None,
    merges_by_part: dict[str, list[_Merge]],
    limits: ReadLimits,
    progress: Callable[[int], None] | None,
    warnings: list[str],
) -> Table:
    # Probe the sheet Excel opens on first, then the others: a template often keeps code
    # lists on a second sheet, and a clerk may have left the roster on any tab.
    visible = [s for s in sheets if s.visible] or sheets
    order = sorted(visible, key=lambda s: s.name != active)
    best: tuple[int, _SheetPart] | None = None
    for sheet in order:
        ws = wb[sheet.name]
        ws.reset_dimensions()
        rows = _filled_rows(ws, merges_by_part[sheet.part])
        try:
            head = list(islice(rows, HEADER_SCAN_ROWS))
        finally:
            rows.close()  # releases the open zip member at once
        for number, values in enumerate(head, 1):
            _check_row(number, values, limits)
        found = _find_header(head)
        if found is not None and (best is None or found[1].score > best[0]):
            best = (found[1].score, sheet)
    chosen = best[1] if best is not None else order[0]
    if len(visible) > 1:
        warnings.append(f"工作簿有 {len(visible)} 个工作表，已读取「{chosen.name}」。")
    ws = wb[chosen.name]
    # A wrong <dimension> would make openpyxl pad or truncate rows; row length from the data
    # itself is what we want.
    ws.reset_dimensions()
    merges = merges_by_part[chosen.part]
    epoch_1904 = wb.epoch == CALENDAR_MAC_1904
    return _assemble(
        _filled_rows(ws, merges),
        fmt="xlsx",
        encoding=None,
        epoch_1904=epoch_1904,
        merges=merges,
        limits=limits,
        progress=progress,
        warnings=warnings,
    )


def _filled_rows(ws: ReadOnlyWorksheet, merges: list[_Merge]) -> Iterator[Sequence[object]]:
    """Sheet rows from row 1, with each vertically merged range's value copied down its column.

    Excel stores a merged range's value only in its top-left cell; a household number merged
    over its members' rows must reach every member. Only the first column of a range is
    filled, so a title or header merged across columns is not duplicated sideways.
    """
    rows = ws.iter_rows(min_row=1, min_col=1, values_only=True)
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


# --------------------------------------------------------------------------- csv

# csv.field_size_limit is process-wide; the lock keeps two imports from restoring each
# other's value, and restoring it leaves other CSV users in the process unaffected.
_FIELD_LIMIT_LOCK = threading.Lock()


@contextmanager
def _csv_field_limit(limit: int) -> Iterator[None]:
    with _FIELD_LIMIT_LOCK:
        previous = csv.field_size_limit(limit)
        try:
            yield
        finally:
            csv.field_size_limit(previous)


def _decode(data: bytes) -> tuple[str, str]:
    """Text and the name of its encoding. Strict decoding: a wrong guess must fail, not garble."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode 文本" export: UTF-16 with a BOM, tab-separated.
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
        else:
            return text, "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            pass
    raise ValidationError(
        f"{NOT_A_SPREADSHEET}：无法识别文本编码（支持 UTF-8 和 GB18030/GBK）。"
        "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx。"
    )


_DELIMITERS = (",", ";", "\t")


def _pick_delimiter(text: str) -> str:
    """The delimiter under which the first rows contain the best-matching header."""
    sample = text[: 256 * 1024]
    best = (-1, -1, ",")
    for delimiter in _DELIMITERS:
        try:
            rows = list(
                islice(
                    csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter),
                    HEADER_SCAN_ROWS,
                )
            )
        except csv.Error:
            continue
        found = _find_header(rows)
        score = found[1].score if found else 0
        width = max((len(r) for r in rows), default=0)
        if (score, width) > best[:2]:
            best = (score, width, delimiter)
    return best[2]


def _read_csv(
    path: Path,
    limits: ReadLimits,
    progress: Callable[[int], None] | None,
    warnings: list[str],
) -> Table:
    data = path.read_bytes()
    text, encoding = _decode(data)
    del data  # up to 50 MB that parsing no longer needs
    delimiter = _pick_delimiter(text)
    if delimiter != ",":
        warnings.append(f"分隔符为{'分号' if delimiter == ';' else '制表符'}。")
    with _csv_field_limit(limits.max_cell_chars):
        reader = active = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            if text.count("\n") > limits.max_rows:
                # Possibly too long: count records without converting them, so that a
                # million-row file is refused in a fraction of a second.
                active = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
                if sum(1 for _ in islice(active, limits.max_rows + 1)) > limits.max_rows:
                    raise _too_many_rows(limits)
                active = reader
            return _assemble(
                reader,
                fmt="csv",
                encoding=encoding,
                epoch_1904=False,
                merges=[],
                limits=limits,
                progress=progress,
                warnings=warnings,
            )
        except csv.Error as exc:
            row = active.line_num
            if "field larger than field limit" in str(exc):
                raise ValidationError(
                    f"第 {row} 行附近有单元格超过 {limits.max_cell_chars} 个字符"
                    "（也可能是引号没有配对），已拒绝读取。"
                ) from exc
            raise ValidationError(f"CSV 格式错误（第 {row} 行附近）：{exc}") from exc


# --------------------------------------------------------------------------- header


@dataclass(slots=True)
class _Header:
    columns: dict[str, int]
    unknown: list[tuple[int, str]]
    duplicates: list[tuple[int, str, str]]

    @property
    def score(self) -> int:
        return len(self.columns)


def _match_header(values: Sequence[object]) -> _Header:
    header = _Header({}, [], [])
    for idx, value in enumerate(values):
        if value is None:
            continue
        text = str(value).strip()
        if not text:
            continue
        key = canonical_key(text)
        if key is None:
            header.unknown.append((idx, text))
        elif key in header.columns:
            header.duplicates.append((idx, text, key))
        else:
            header.columns[key] = idx
    return header


def _find_header(rows: Sequence[Sequence[object]]) -> tuple[int, _Header] | None:
    """The 0-based index of the row naming the most roster columns, and its match.

    Only rows naming 姓名 or 证件号码 qualify; ties go to the upper row.
    """
    best: tuple[int, _Header] | None = None
    for index, values in enumerate(rows):
        header = _match_header(values)
        if HEADER_ANCHORS.isdisjoint(header.columns):
            continue
        if best is None or header.score > best[1].score:
            best = (index, header)
    return best


def _header_end(header_row: int, header: _Header, merges: Sequence[_Merge]) -> int:
    """The last row of a header whose cells are merged down over two or three rows."""
    known = {idx + 1 for idx in header.columns.values()}
    end = header_row
    for m in merges:
        if m.min_col in known and m.min_row <= header_row < m.max_row <= header_row + 3:
            end = max(end, m.max_row)
    return end


# --------------------------------------------------------------------------- cell values

_PLAIN, _CODE, _ID, _DATE = 0, 1, 2, 3
_KINDS = {
    "household_no": _CODE,
    "phone": _CODE,
    "id_number": _ID,
    "birth_date": _DATE,
}

_EXCEL_ERRORS = frozenset(
    {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
)
# str.strip() alone keeps zero-width spaces and BOMs pasted from web pages and WeChat.
_STRIP = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\u200b\ufeff"
)
_TRAILING_POINT_ZERO = re.compile(r"([0-9]+)\.0+", re.ASCII)
_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]+", re.ASCII)
_DATE_TEXT = re.compile(
    r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?"
    r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?",
    re.ASCII,
)
_DATE_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})", re.ASCII)
_YEAR_MONTH = re.compile(r"[0-9]{4}\s*(?:[-/.年]\s*[0-9]{1,2}\s*月?)?", re.ASCII)
# A date column formatted as General, saved as CSV. Five digits only: 10000 is 1927-05-18, and
# shorter digit strings are more likely years or codes than days since 1900.
_SERIAL_TEXT = re.compile(r"[1-9][0-9]{4}(?:\.[0-9]+)?", re.ASCII)
_MAX_SERIAL = 2_958_465  # 9999-12-31

_FLOAT_ID = "证件号码以数字格式保存，可能已丢失末位精度"
_FLOAT_CODE = "以数字格式保存，可能已丢失末位精度"
_INCOMPLETE_DATE = "日期不完整（缺少月或日）"


def _problem(problems: list[CellProblem], key: str, reason: str) -> None:
    problems.append(CellProblem(LABELS[key], reason))


def _serial_date(serial: float, epoch_1904: bool) -> str | None:
    """Excel serial day number → ISO date, honouring Excel's fictitious 1900-02-29 (day 60)."""
    day = int(serial)
    if epoch_1904:
        base = dt.date(1904, 1, 1)
    elif day < 60:
        base = dt.date(1899, 12, 31)
    elif day == 60:
        return None
    else:
        base = dt.date(1899, 12, 30)
    return (base + dt.timedelta(days=day)).isoformat()


def _ymd(year: str, month: str, day: str) -> str | None:
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def _date_text(s: str, key: str, problems: list[CellProblem]) -> str:
    if len(s) == 10 and s[4] == "-" and s[7] == "-":
        try:
            return dt.date.fromisoformat(s).isoformat()
        except ValueError:
            pass
    m = _DATE_TEXT.fullmatch(s) or _DATE_COMPACT.fullmatch(s)
    if m is not None:
        iso = _ymd(*m.groups())
        if iso is not None:
            return iso
    elif _SERIAL_TEXT.fullmatch(s):
        # A date column formatted as General and then saved as CSV.
        iso = _serial_date(float(s), epoch_1904=False)
        if iso is not None:
            return iso
    elif _YEAR_MONTH.fullmatch(s):
        _problem(problems, key, _INCOMPLETE_DATE)
        return s
    _problem(problems, key, f"无法识别的日期「{s}」，请使用 YYYY-MM-DD 格式")
    return s


def _date_number(v: int | float, key: str, problems: list[CellProblem], epoch_1904: bool) -> str:
    # An int may have hundreds of digits and overflow a float: never convert one.
    whole = isinstance(v, int) or v.is_integer()
    raw = str(int(v)) if whole else str(v)
    if 1800 <= v <= 2100:
        _problem(problems, key, _INCOMPLETE_DATE)
        return raw
    if 10_000_101 <= v <= 99_991_231 and whole:
        m = _DATE_COMPACT.fullmatch(raw)
        iso = _ymd(*m.groups()) if m else None
    elif 1 <= v <= _MAX_SERIAL:
        iso = _serial_date(v, epoch_1904)
        if iso is None:
            _problem(problems, key, "日期 1900-02-29 不存在（Excel 的 1900 年闰年错误）")
            return raw
    else:
        iso = None
    if iso is None:
        _problem(problems, key, f"无法识别的日期「{raw}」，请使用 YYYY-MM-DD 格式")
        return raw
    return iso


def _code_text(s: str, key: str, problems: list[CellProblem]) -> str:
    """Codes typed or exported as text: drop a ``.0`` left by a number-to-text export."""
    if "." in s or "e" in s or "E" in s:
        m = _TRAILING_POINT_ZERO.fullmatch(s)
        if m is not None:
            return m.group(1)
        if _SCIENTIFIC.fullmatch(s):
            # The digits are gone for good; keep the text so validation rejects it visibly.
            _problem(problems, key, f"以科学计数法保存（{s}），精度已丢失，无法恢复原号码")
    return s


def _convert(v: object, kind: int, key: str, problems: list[CellProblem], epoch_1904: bool) -> str:
    """A non-text cell value as the text the clerk sees (or meant) in Excel."""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int | float):
        if kind == _DATE:
            return _date_number(v, key, problems, epoch_1904)
        if isinstance(v, int):
            return str(v)
        if v.is_integer():
            text = str(int(v))
            # A double holds 15-16 significant digits: an 18-digit ID number typed into a
            # General cell has already lost its tail, and Excel shows it as 3.40422E+17.
            if kind == _ID:
                _problem(problems, key, _FLOAT_ID)
            elif kind == _CODE and abs(v) >= 1e15:
                _problem(problems, key, _FLOAT_CODE)
            return text
        return str(v)
    if isinstance(v, dt.datetime):
        if kind == _DATE or v.time() == dt.time():
            return v.date().isoformat()
        return v.isoformat(sep=" ", timespec="seconds")
    if isinstance(v, dt.date):
        return v.isoformat()
    text = str(v).strip()
    if kind == _DATE:
        _problem(problems, key, f"无法识别的日期「{text}」，请使用 YYYY-MM-DD 格式")
    return text


_TEXT_FIXERS: dict[int, Callable[[str, str, list[CellProblem]], str]] = {
    _CODE: _code_text,
    _ID: _code_text,
    _DATE: _date_text,
}


# --------------------------------------------------------------------------- assembly


def _assemble(
    rows: Iterable[Sequence[object]],
    *,
    fmt: Literal["xlsx", "csv"],
    encoding: str | None,
    epoch_1904: bool,
    merges: Sequence[_Merge],
    limits: ReadLimits,
    progress: Callable[[int], None] | None,
    warnings: list[str],
) -> Table:
    """Find the header, then turn every data row into normalised text cells."""
    numbered = enumerate(rows, 1)
    head = list(islice(numbered, HEADER_SCAN_ROWS))
    for number, values in head:
        _check_row(number, values, limits)
    found = _find_header([values for _, values in head])
    if found is None:
        raise ValidationError(
            f"找不到表头：前 {HEADER_SCAN_ROWS} 行中没有「姓名」或「证件号码」列。"
            "请确认表头包含 户号、姓名、证件号码。"
        )
    index, header = found
    header_row = index + 1
    missing = [LABELS[key] for key in REQUIRED if key not in header.columns]
    if missing:
        raise ValidationError(
            f"缺少必需的列：{'、'.join(missing)}（表头在第 {header_row} 行）。"
            "请检查列名，例如「户号」「姓名」「证件号码」。"
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
            f"「{text}」（{get_column_letter(idx + 1)}列）与前面的列同为「{LABELS[key]}」，已忽略。"
        )
    first_data = _header_end(header_row, header, merges) + 1

    columns = {c.key: header.columns[c.key] for c in COLUMNS if c.key in header.columns}
    specs = tuple((key, _KINDS.get(key, _PLAIN)) for key in columns)
    # itemgetter pulls all roster cells of a row in one C call; the loop below is the hot
    # path of a 60,000-row import and runs once per cell.
    pick = itemgetter(*columns.values())
    width = max(columns.values()) + 1
    padding = (None,) * width
    # Cells the loop never looks at still need their length checked, unless the CSV reader's
    # field limit has done it already.
    unchecked = [] if fmt == "csv" else sorted(set(range(width)) - set(columns.values()))
    check_tail = fmt != "csv"
    name_headers = {LABELS["name"], "name", "参保人姓名"}
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
                _check_row(number, values, limits)
            for i in unchecked:
                if i < n and type(values[i]) is str and len(values[i]) > max_chars:
                    raise _too_long(number, limits)
            if check_tail and n > width:
                _check_row(number, values[width:], limits)
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
                s = v.strip(_STRIP)
                if s:
                    if len(s) > max_chars:
                        raise _too_long(number, limits)
                    if s[0] == "#" and s in _EXCEL_ERRORS:
                        _problem(problems, key, f"单元格是公式错误值 {s}")
                    elif kind:
                        s = _TEXT_FIXERS[kind](s, key, problems)
            elif v is None:
                s = ""
            else:
                s = _convert(v, kind, key, problems, epoch_1904)
            cells[key] = s
        if not any(cells.values()):
            if any(v is not None and str(v).strip(_STRIP) for v in values):
                skipped_unknown_only += 1
            continue
        if cells["name"] in name_headers and canonical_key(cells["id_number"]) == "id_number":
            repeated_headers += 1
            continue
        out.append(Row(number, cells, problems))
    if progress is not None:
        progress(number)

    _summarise(out, fmt, first_data, header, merges, warnings)
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


def _check_row(number: int, values: Sequence[object], limits: ReadLimits) -> None:
    """Reject the file if this row (or this part of it) breaks a limit."""
    if number > limits.max_rows:
        raise _too_many_rows(limits)
    if len(values) > limits.max_columns:
        width = len(values)
        while width and values[width - 1] in (None, ""):
            width -= 1
        if width > limits.max_columns:
            raise _too_many_columns(width, limits, number)
    for v in values:
        if type(v) is str and len(v) > limits.max_cell_chars:
            raise _too_long(number, limits)


def _summarise(
    rows: list[Row],
    fmt: str,
    first_data: int,
    header: _Header,
    merges: Sequence[_Merge],
    warnings: list[str],
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
                f"{LABELS[c.key]} {filled[c.key]} 行" for c in COLUMNS if filled.get(c.key)
            )
            warnings.append(f"合并单元格已按合并范围填到每一行：{parts}。")
    float_ids = sum(1 for r in rows for p in r.problems if p.reason == _FLOAT_ID)
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
