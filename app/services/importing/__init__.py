"""Roster import (reading .xlsx/.csv into normalised text) and spreadsheet exports."""

from app.services.importing.reader import (
    DEFAULT_LIMITS,
    CellProblem,
    ReadLimits,
    Row,
    Table,
    read_table,
)

__all__ = [
    "DEFAULT_LIMITS",
    "CellProblem",
    "ReadLimits",
    "Row",
    "Table",
    "read_table",
]
