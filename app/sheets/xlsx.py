"""Reading an .xlsx workbook: the zip checked against bombs and impostors before anything is
inflated, every XML part streamed once for document type declarations and each sheet for its
size, its merged ranges and whether python-calamine may read it, then the sheet that best
names the roster's columns read by calamine (:mod:`.xlsx_calamine`, which says when it is not
used) or else by openpyxl (read-only, through defusedxml)."""

from __future__ import annotations

import posixpath
import re
import warnings as pywarnings
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import openpyxl
from defusedxml.ElementTree import fromstring as safe_fromstring
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.utils.exceptions import InvalidFileException

from app.domain.errors import ValidationError, YibaoError
from app.sheets.columns import ROSTER, Layout
from app.sheets.table import (
    MB,
    Merge,
    ReadLimits,
    Table,
    not_spreadsheet,
    too_many_columns,
    too_many_rows,
)
from app.sheets.workbook import SheetPart, read_sheets
from app.sheets.xlsx_calamine import Unfaithful, read_calamine

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook


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
_UNSAFE_XML = ("文件包含不安全的 XML 内容（实体或文档类型声明），已拒绝读取。"
               "请用 Excel 打开后另存为新的 .xlsx 文件。")


@dataclass(frozen=True, slots=True)
class _SheetScan:
    merges: list[Merge]
    plain: bool  # written so that calamine can be let read it (see _scan_sheet)


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
                book = _workbook_sheets(zf)
                sheets, active = book.sheets, book.active
                scans = {s.part: _scan_sheet(zf, s.part, limits) for s in sheets}
                _refuse_declarations(zf, set(scans))
            merges = {part: scan.merges for part, scan in scans.items()}
            if book.standard and all(scan.plain for scan in scans.values()):
                fh.seek(0)
                try:
                    return read_calamine(fh, sheets, active, merges, epoch_1904=book.epoch_1904,
                                         limits=limits, progress=progress, warnings=warnings,
                                         layout=layout)
                except Unfaithful:
                    pass
            fh.seek(0)
            return _read_openpyxl(fh, sheets, active, merges, limits, progress, warnings,
                                  layout)
    except _OPENPYXL_ERRORS as exc:
        if _caused_by(exc, defusedxml.DefusedXmlException):
            raise ValidationError(_UNSAFE_XML) from exc
        raise ValidationError(
            "文件已损坏或不是有效的 .xlsx 工作簿，无法读取。请用 Excel 打开后另存为新的 .xlsx 文件。",
            details={"cause": f"{type(exc).__name__}: {exc}"[:500]},
        ) from exc


def _read_openpyxl(
    fh: BinaryIO,
    sheets: list[SheetPart],
    active: str | None,
    merges: dict[str, list[Merge]],
    limits: ReadLimits,
    progress: Callable[[int], None] | None,
    warnings: list[str],
    layout: Layout,
) -> Table:
    with pywarnings.catch_warnings():
        # openpyxl warns about every unsupported extension and style quirk; the clerk cannot
        # act on those and the values are read correctly regardless.
        pywarnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True, keep_links=False)
        try:
            return read_sheets(sheets, active, merges, _openpyxl_rows(wb),
                               epoch_1904=wb.epoch == CALENDAR_MAC_1904, limits=limits,
                               progress=progress, warnings=warnings, layout=layout)
        finally:
            wb.close()


def _openpyxl_rows(wb: Workbook) -> Callable[[SheetPart], Iterator[Sequence[object]]]:
    def rows_of(sheet: SheetPart) -> Iterator[Sequence[object]]:
        ws = wb[sheet.name]
        # A wrong <dimension> would make openpyxl pad or truncate rows; row length from the
        # data itself is what we want.
        ws.reset_dimensions()
        return ws.iter_rows(min_row=1, min_col=1, values_only=True)

    return rows_of


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
) -> dict[str, tuple[str, str, str]]:
    """Relationship id → (type, part path inside the zip, the target as written)."""
    result: dict[str, tuple[str, str, str]] = {}
    for rel in _read_small_xml(zf, rels_name):
        target = rel.get("Target") or ""
        if rel.get("TargetMode") == "External":
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.join(base_dir, target)
        result[rel.get("Id") or ""] = (rel.get("Type") or "", posixpath.normpath(part), target)
    return result


@dataclass(frozen=True, slots=True)
class _Book:
    sheets: list[SheetPart]
    active: str | None  # the sheet Excel opens on
    epoch_1904: bool  # dates count from 1904 (workbooks from old Mac Excel)
    # Laid out so that calamine, which finds the parts by its own rules, reads exactly the
    # parts scanned here: the workbook at xl/workbook.xml, every tab a worksheet with a name
    # of its own, at a target every reader resolves alike (worksheets/sheet1.xml).
    standard: bool


_STANDARD_TARGET = re.compile(r"(?:/xl/)?worksheets/[A-Za-z0-9_.-]+\.xml")


def _workbook_sheets(zf: zipfile.ZipFile) -> _Book:
    """The worksheets in workbook order and what else the readers need to know of the book.

    openpyxl's read-only mode hides the part names and the active tab, and the part names
    are needed to pre-scan sheets before either reader parses them.
    """
    office = [
        part
        for kind, part, _target in _relationships(zf, "_rels/.rels", "").values()
        if kind.endswith("/officeDocument")
    ]
    if not office:
        raise not_spreadsheet("ZIP 压缩包，而不是 Excel 工作簿")
    workbook_part = office[0]
    base_dir = posixpath.dirname(workbook_part)
    rels_name = posixpath.join(base_dir, "_rels", posixpath.basename(workbook_part) + ".rels")
    rels = _relationships(zf, rels_name, base_dir)
    root = _read_small_xml(zf, workbook_part)
    sheets: list[SheetPart] = []
    epoch_1904 = False
    standard = workbook_part == "xl/workbook.xml"
    tab_names: set[str] = set()
    active_tab = 0
    active: str | None = None
    names = set(zf.namelist())
    tab = 0  # activeTab counts chart sheets too
    for element in root.iter():
        tag = _local(element.tag)
        if tag == "workbookPr":
            epoch_1904 = (element.get("date1904") or "").lower() in ("1", "true")
        elif tag == "workbookView":
            active_tab = int(element.get("activeTab") or 0)
        elif tag == "sheet":
            kind, part, target = rels.get(_attr(element, "id") or "", ("", "", ""))
            name = element.get("name") or ""
            standard = (standard and name not in tab_names and kind.endswith("/worksheet")
                        and part in names and _STANDARD_TARGET.fullmatch(target) is not None)
            tab_names.add(name)
            if kind.endswith("/worksheet") and part in names:
                visible = (element.get("state") or "visible") == "visible"
                sheets.append(SheetPart(name, part, visible))
                if tab == active_tab:
                    active = sheets[-1].name
            tab += 1
    if not sheets:
        raise ValidationError("工作簿中没有工作表。")
    return _Book(sheets, active, epoch_1904, standard)


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


def _scan_sheet(zf: zipfile.ZipFile, part: str, limits: ReadLimits) -> _SheetScan:
    """Stream the raw sheet XML once, before calamine or openpyxl touches it.

    This rejects over-long sheets without parsing them (openpyxl's read-only mode parses the
    whole sheet just to size it when ``<dimension>`` is missing), collects the merged ranges,
    which neither reader exposes as needed, and refuses a document type declaration. It also
    tells whether calamine may read the sheet (``plain``): calamine allocates the sheet's
    whole grid at once, so every cell must name its place (``<c r="B7"``, the way Excel and
    every common writer put it) within the row and column limits, and a sheet with formula
    errors, comments or another namespace prefix is left to openpyxl (see
    :mod:`.xlsx_calamine`). Inflating and counting bytes costs a few per cent of what
    calamine needs to read the same sheet.
    """
    merges: list[Merge] = []
    with zf.open(part) as fh:
        buf = fh.read(_SCAN_CHUNK)
        root = re.search(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]", buf)
        prefix = (root.group(1) or b"") if root else b""
        plain = root is not None and not prefix
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
        odd_cell = _odd_cell(limits.max_rows, limits.max_columns)
        rows = 0
        carry = b""
        while buf:
            data = carry + buf
            buf = fh.read(_SCAN_CHUNK)
            _refuse_declaration(data)
            # Tags wholly inside ``carry`` were counted in the previous round.
            rows += sum(data.count(tag) - carry.count(tag) for tag in row_tags)
            if rows > limits.max_rows:
                raise too_many_rows(limits)
            hold = len(data)
            if plain:
                odd = odd_cell.search(data)
                # A tag cut off at the end of the chunk is looked at whole in the next one.
                if odd is not None and buf and odd.start() > len(data) - _SCAN_CARRY // 2:
                    hold, odd = odd.start(), None
                plain = not (odd or b"<!" in data or b't="e"' in data
                             or _PREFIXED_CELL.search(data))
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
            carry = data[min(hold, max(last_end, len(data) - _SCAN_CARRY)) :]
    return _SheetScan(merges, plain)


# A cell of another namespace prefix than the sheet's (only unprefixed sheets go to calamine).
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_DECLARATION = re.compile(rb"<!\s*(?i:doctype|entity)")


def _refuse_declaration(data: bytes) -> None:
    """No part of a workbook has any use for a DTD; entities in one are the billion laughs."""
    if b"<!" in data and _DECLARATION.search(data):
        raise ValidationError(_UNSAFE_XML)


def _refuse_declarations(zf: zipfile.ZipFile, scanned: set[str]) -> None:
    """Stream every other XML part (shared strings, styles, the workbook…) for a DTD: both
    readers parse them, and calamine without defusedxml's guard."""
    for info in zf.infolist():
        name = info.filename
        if name in scanned or not name.lower().endswith((".xml", ".rels")):
            continue
        with zf.open(info) as fh:
            carry = b""
            while buf := fh.read(_SCAN_CHUNK):
                data = carry + buf
                _refuse_declaration(data)
                carry = data[-_SCAN_CARRY:]


@cache
def _odd_cell(max_rows: int, max_columns: int) -> re.Pattern[bytes]:
    """A cell tag calamine must not be given: without ``r="…"`` as its first attribute (the
    reader would place it by counting), or with a reference beyond the limits."""
    columns = _at_most(_column_letters(max_columns), "A", "A")
    rows = _at_most(str(max_rows), "1", "0")
    return re.compile(rb'<c(?:[^ a-z]| (?!r="(?:' + columns + rb")(?:" + rows + rb')"))')


def _column_letters(number: int) -> str:
    """14 → ``"N"``, 200 → ``"GR"`` (bijective base 26)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _at_most(limit: str, first: str, lowest: str) -> bytes:
    """A regex for the numerals up to ``limit`` written with the digits ``lowest``…(9 or Z),
    the leading one from ``first`` on: shorter numerals, then same-length ones digit by
    digit (the order of both row numbers and column letters)."""
    top = "9" if lowest == "0" else "Z"
    full = f"[{lowest}-{top}]"
    choices = []
    if len(limit) > 1:
        choices.append(f"[{first}-{top}]{full}{{0,{len(limit) - 2}}}")
    for i, ch in enumerate(limit):
        low = first if i == 0 else lowest
        if ch > low:
            below = f"[{low}-{chr(ord(ch) - 1)}]"
            choices.append(limit[:i] + below + (f"{full}{{{len(limit) - i - 1}}}"
                                                if i < len(limit) - 1 else ""))
    choices.append(limit)
    return "|".join(choices).encode()


def _check_extent(rows: int, columns: int, limits: ReadLimits) -> None:
    if rows > limits.max_rows:
        raise too_many_rows(limits)
    if columns > limits.max_columns:
        raise too_many_columns(columns, limits)
