"""Reading a CSV export: its encoding (UTF-8 with or without BOM, GB18030, UTF-16 from
Excel's "Unicode 文本") and delimiter detected, under the file's cell-length limit."""

from __future__ import annotations

import codecs
import csv
import io
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

from app.domain.errors import ValidationError
from app.sheets.assemble import assemble
from app.sheets.columns import ROSTER, Layout
from app.sheets.header import find_header
from app.sheets.table import HEADER_SCAN_ROWS, NOT_A_SPREADSHEET, ReadLimits, Table, too_many_rows

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


def _pick_delimiter(text: str, layout: Layout = ROSTER) -> str:
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
        found = find_header(rows, layout)
        score = found[1].score if found else 0
        width = max((len(r) for r in rows), default=0)
        if (score, width) > best[:2]:
            best = (score, width, delimiter)
    return best[2]


def read_csv(
    path: Path,
    limits: ReadLimits,
    progress: Callable[[int], None] | None,
    warnings: list[str],
    layout: Layout = ROSTER,
) -> Table:
    data = path.read_bytes()
    text, encoding = _decode(data)
    del data  # up to 50 MB that parsing no longer needs
    delimiter = _pick_delimiter(text, layout)
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
                    raise too_many_rows(limits)
                active = reader
            return assemble(
                reader,
                fmt="csv",
                encoding=encoding,
                epoch_1904=False,
                merges=[],
                limits=limits,
                progress=progress,
                warnings=warnings,
                layout=layout,
            )
        except csv.Error as exc:
            row = active.line_num
            if "field larger than field limit" in str(exc):
                raise ValidationError(
                    f"第 {row} 行附近有单元格超过 {limits.max_cell_chars} 个字符"
                    "（也可能是引号没有配对），已拒绝读取。"
                ) from exc
            raise ValidationError(f"CSV 格式错误（第 {row} 行附近）：{exc}") from exc
