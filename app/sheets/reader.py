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

This module is the entry point and tells the formats apart by their content; the parts are
``table`` (results and limits), ``xlsx`` and ``csvfile`` (the two formats), ``header`` (the
header row and column mapping), ``cells`` (cell normalisation) and ``assemble`` (rows to a
table).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from pathlib import Path

from app.domain.bulk import collector_paused
from app.domain.errors import ValidationError
from app.sheets.columns import ROSTER, Layout
from app.sheets.csvfile import read_csv
from app.sheets.table import (
    DEFAULT_LIMITS,
    MB,
    NOT_A_SPREADSHEET,
    ReadLimits,
    Table,
    not_spreadsheet,
)
from app.sheets.xlsx import read_xlsx

__all__ = ["read_table"]


def read_table(
    path: Path,
    *,
    limits: ReadLimits = DEFAULT_LIMITS,
    progress: Callable[[int], None] | None = None,
    layout: Layout = ROSTER,
) -> Table:
    """Read the roster in ``path`` (.xlsx or .csv, whatever its extension says).

    ``progress`` is called with the number of sheet rows read so far, about every 1,000 rows
    and once at the end. ``layout`` names the columns to look for (the roster's, or a county
    list's: ``app.sheets.columns.COUNTY_LIST``). Raises :class:`ValidationError` with a message for the clerk when the
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
            return read_xlsx(path, limits, progress, _extension_warning(suffix, "xlsx"), layout)
        _reject_binary(head)
        return read_csv(path, limits, progress, _extension_warning(suffix, "csv"), layout)


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


def _reject_binary(head: bytes) -> None:
    for magic, looks_like in _SIGNATURES:
        if head.startswith(magic):
            raise not_spreadsheet(looks_like)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] == b"<":
        # Many government systems hand out HTML or SpreadsheetML 2003 saved as ".xls".
        raise not_spreadsheet(
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
