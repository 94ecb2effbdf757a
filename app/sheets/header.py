"""Finding the header row among a sheet's first rows and mapping its titles (through their
aliases in ``app.sheets.columns``) to the roster's columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.sheets.columns import ROSTER, Layout
from app.sheets.table import Merge


@dataclass(slots=True)
class Header:
    columns: dict[str, int]
    unknown: list[tuple[int, str]]
    duplicates: list[tuple[int, str, str]]

    @property
    def score(self) -> int:
        return len(self.columns)


def _match_header(values: Sequence[object], layout: Layout) -> Header:
    header = Header({}, [], [])
    for idx, value in enumerate(values):
        if value is None:
            continue
        text = str(value).strip()
        if not text:
            continue
        key = layout.canonical_key(text)
        if key is None:
            header.unknown.append((idx, text))
        elif key in header.columns:
            header.duplicates.append((idx, text, key))
        else:
            header.columns[key] = idx
    return header


def find_header(rows: Sequence[Sequence[object]],
                layout: Layout = ROSTER) -> tuple[int, Header] | None:
    """The 0-based index of the row naming the most roster columns, and its match.

    Only rows naming 姓名 or 证件号码 qualify; ties go to the upper row.
    """
    best: tuple[int, Header] | None = None
    for index, values in enumerate(rows):
        header = _match_header(values, layout)
        if layout.anchors.isdisjoint(header.columns):
            continue
        if best is None or header.score > best[1].score:
            best = (index, header)
    return best


def header_end(header_row: int, header: Header, merges: Sequence[Merge]) -> int:
    """The last row of a header whose cells are merged down over two or three rows."""
    known = {idx + 1 for idx in header.columns.values()}
    end = header_row
    for m in merges:
        if m.min_col in known and m.min_row <= header_row < m.max_row <= header_row + 3:
            end = max(end, m.max_row)
    return end
