"""The township's tables: every column as wide as its widest cell with room on both sides,
so no figure or header is clipped, and one text column taking the width that is left."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QTableView

from ui.common import table_view

# Qt sizes a column to its content plus this padding: without it 票据, 户号, 日期 and 金额
# touch the grid lines and read as cut off.
TABLE_STYLE = ("QHeaderView::section { padding: 3px 10px; }"
               "QTableView::item { padding: 0 8px; }")


def township_table(model: Any, *, stretch_column: int) -> QTableView:
    """A read-only table as ``ui.common.table_view`` builds it, padded, with
    ``stretch_column`` (the text a person reads: a name, a problem) filling the rest."""
    view = table_view(model, stretch_column=stretch_column)
    view.setStyleSheet(TABLE_STYLE)
    return view
