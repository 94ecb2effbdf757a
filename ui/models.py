"""Table models over row ids with a row cache (DESIGN §3: never QTableWidget for data).

Rows are plain dicts produced by service calls on the worker thread; a model keeps the ordered
ids and a cache from id to row, so one row can be refreshed after an action without reloading
the list, and views keep their selection by id.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

Row = dict[str, Any]
Index = QModelIndex | QPersistentModelIndex

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
MUTED = QColor("#777777")
ALERT = QColor("#b00020")


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[Row], Any]
    align: Qt.AlignmentFlag = LEFT
    color: Callable[[Row], QColor | None] | None = None


class RowsModel(QAbstractTableModel):
    """Rows keyed by ``key(row)``; ``Qt.UserRole`` returns the whole row dict."""

    def __init__(self, columns: list[Column], key: Callable[[Row], Hashable],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self._key = key
        self._ids: list[Hashable] = []
        self._cache: dict[Hashable, Row] = {}

    def set_rows(self, rows: Iterable[Row]) -> None:
        self.beginResetModel()
        self._cache = {}
        self._ids = []
        for row in rows:
            row_id = self._key(row)
            self._ids.append(row_id)
            self._cache[row_id] = row
        self.endResetModel()

    def update_row(self, row: Row) -> None:
        row_id = self._key(row)
        if row_id not in self._cache:
            return
        self._cache[row_id] = row
        position = self._ids.index(row_id)
        self.dataChanged.emit(self.index(position, 0),
                              self.index(position, len(self.columns) - 1))

    def row_at(self, position: int) -> Row:
        return self._cache[self._ids[position]]

    def rows(self) -> list[Row]:
        return [self._cache[i] for i in self._ids]

    def position_of(self, row_id: Hashable) -> int | None:
        try:
            return self._ids.index(row_id)
        except ValueError:
            return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row_at(index.row())
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = column.text(row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align)
        if role == Qt.ItemDataRole.ForegroundRole and column.color is not None:
            return column.color(row)
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        return None


class CheckableRowsModel(RowsModel):
    """A first column with check boxes for the rows ``can_check`` allows (the members to pay)."""

    checked_changed = Signal()

    def __init__(self, columns: list[Column], key: Callable[[Row], Hashable],
                 can_check: Callable[[Row], bool], parent: QObject | None = None) -> None:
        super().__init__(columns, key, parent)
        self._can_check = can_check
        self.checked: set[Hashable] = set()

    def set_rows(self, rows: Iterable[Row], *, checked: Iterable[Hashable] = ()) -> None:
        self.checked = set(checked)
        super().set_rows(rows)
        self.checked_changed.emit()

    def checked_rows(self) -> list[Row]:
        return [row for row in self.rows() if self._key(row) in self.checked]

    def checkable_rows(self) -> list[Row]:
        return [row for row in self.rows() if self._can_check(row)]

    def toggle(self, position: int) -> None:
        row = self.row_at(position)
        if not self._can_check(row):
            return
        row_id = self._key(row)
        self.checked.symmetric_difference_update({row_id})
        self.dataChanged.emit(self.index(position, 0), self.index(position, 0))
        self.checked_changed.emit()

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.isValid() and index.column() == 0 and self._can_check(self.row_at(index.row())):
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.CheckStateRole and index.isValid()
                and index.column() == 0):
            row = self.row_at(index.row())
            if not self._can_check(row):
                return None
            return (Qt.CheckState.Checked if self._key(row) in self.checked
                    else Qt.CheckState.Unchecked)
        if role == Qt.ItemDataRole.ForegroundRole and index.isValid():
            row = self.row_at(index.row())
            if not self._can_check(row):
                return MUTED
        return super().data(index, role)

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid() or index.column():
            return False
        row = self.row_at(index.row())
        if not self._can_check(row):
            return False
        want = Qt.CheckState(value) == Qt.CheckState.Checked
        if want != (self._key(row) in self.checked):
            self.toggle(index.row())
        return True
