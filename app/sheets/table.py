"""What reading a roster spreadsheet gives (``Table`` of ``Row``), the limits a file is held
to (``ReadLimits``) and the refusals for breaking them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from app.domain.errors import ValidationError

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


class Merge(NamedTuple):
    """A merged range, 1-based and inclusive (a sheet may hold tens of thousands)."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int


def not_spreadsheet(looks_like: str) -> ValidationError:
    return ValidationError(f"{NOT_A_SPREADSHEET}：看起来是{looks_like}。")


def too_many_rows(limits: ReadLimits) -> ValidationError:
    return ValidationError(
        f"行数超过上限：最多 {limits.max_rows} 行。请拆分文件，或删除表格末尾多余的空行和格式。"
    )


def too_many_columns(columns: int, limits: ReadLimits, row: int | None = None) -> ValidationError:
    where = f"第 {row} 行有" if row is not None else "表格有"
    return ValidationError(
        f"列数超过上限：{where} {columns} 列，最多 {limits.max_columns} 列。"
        "请删除多余的列后再导入。"
    )


def too_long(row: int, limits: ReadLimits) -> ValidationError:
    return ValidationError(
        f"第 {row} 行有单元格超过 {limits.max_cell_chars} 个字符，不像是花名册数据，已拒绝读取。"
    )


def check_row(number: int, values: Sequence[object], limits: ReadLimits) -> None:
    """Reject the file if this row (or this part of it) breaks a limit."""
    if number > limits.max_rows:
        raise too_many_rows(limits)
    if len(values) > limits.max_columns:
        width = len(values)
        while width and values[width - 1] in (None, ""):
            width -= 1
        if width > limits.max_columns:
            raise too_many_columns(width, limits, number)
    for v in values:
        if type(v) is str and len(v) > limits.max_cell_chars:
            raise too_long(number, limits)
