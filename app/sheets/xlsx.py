"""Reading an .xlsx workbook: the zip checked against bombs and impostors before anything is
inflated, the raw sheet XML streamed once for its size and merged ranges, then the sheet that
best names the roster's columns read by openpyxl (read-only, through defusedxml)."""

from __future__ import annotations

import posixpath
import re
import warnings as pywarnings
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import openpyxl
from defusedxml.ElementTree import fromstring as safe_fromstring
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.utils.exceptions import InvalidFileException

from app.domain.errors import ValidationError, YibaoError
from app.sheets.assemble import assemble
from app.sheets.columns import ROSTER, Layout
from app.sheets.header import find_header
from app.sheets.table import (
    HEADER_SCAN_ROWS,
    MB,
    Merge,
    ReadLimits,
    Table,
    check_row,
    not_spreadsheet,
    too_many_columns,
    too_many_rows,
)

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet


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


@dataclass(frozen=True, slots=True)
class _SheetPart:
    name: str
    part: str
    visible: bool


def read_xlsx(
    path: Path,
    limits: ReadLimits,
    progress: Callable[[int], None] | None,
    warnings: list[str],
    layout: Layout = ROSTER,
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
                    return _read_workbook(wb, sheets, active, merges, limits, progress, warnings,
                                          layout)
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
        raise not_spreadsheet("Excel 二进制工作簿 (.xlsb)，请另存为 .xlsx")
    if "word/document.xml" in names:
        raise not_spreadsheet("Word 文档 (.docx)")
    if "ppt/presentation.xml" in names:
        raise not_spreadsheet("PowerPoint 演示文稿 (.pptx)")
    if "mimetype" in names and zf.getinfo("mimetype").file_size < 200:
        mimetype = zf.read("mimetype")
        if b"opendocument.spreadsheet" in mimetype:
            raise not_spreadsheet("OpenDocument 表格 (.ods)，请另存为 .xlsx")
        if b"opendocument" in mimetype:
            raise not_spreadsheet("OpenDocument 文档")
    if "_rels/.rels" not in names:
        raise not_spreadsheet("普通的 ZIP 压缩包，请先解压")


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
        raise not_spreadsheet("ZIP 压缩包，而不是 Excel 工作簿")
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


def _scan_sheet(zf: zipfile.ZipFile, part: str, limits: ReadLimits) -> list[Merge]:
    """Stream the raw sheet XML once, before openpyxl touches it.

    This rejects over-long sheets without parsing them (openpyxl's read-only mode parses the
    whole sheet just to size it when ``<dimension>`` is missing) and collects the merged
    ranges, which read-only mode does not expose. Inflating and counting bytes costs about
    2 % of what openpyxl needs to parse the same sheet.
    """
    merges: list[Merge] = []
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
                raise too_many_rows(limits)
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
                    merges.append(Merge(min(a, b), min(x, y), max(a, b), max(x, y)))
            carry = data[max(last_end, len(data) - _SCAN_CARRY) :]
            buf = fh.read(_SCAN_CHUNK)
    return merges


def _check_extent(rows: int, columns: int, limits: ReadLimits) -> None:
    if rows > limits.max_rows:
        raise too_many_rows(limits)
    if columns > limits.max_columns:
        raise too_many_columns(columns, limits)


def _read_workbook(
    wb: Workbook,
    sheets: list[_SheetPart],
    active: str | None,
    merges_by_part: dict[str, list[Merge]],
    limits: ReadLimits,
    progress: Callable[[int], None] | None,
    warnings: list[str],
    layout: Layout = ROSTER,
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
            check_row(number, values, limits)
        found = find_header(head, layout)
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
    return assemble(
        _filled_rows(ws, merges),
        fmt="xlsx",
        encoding=None,
        epoch_1904=epoch_1904,
        merges=merges,
        limits=limits,
        progress=progress,
        warnings=warnings,
        layout=layout,
    )


def _filled_rows(ws: ReadOnlyWorksheet, merges: list[Merge]) -> Iterator[Sequence[object]]:
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
