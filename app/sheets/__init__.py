"""Roster import (reading .xlsx/.csv into normalised text) and spreadsheet exports."""

from app.sheets.reader import read_table
from app.sheets.table import DEFAULT_LIMITS, CellProblem, ReadLimits, Row, Table
from app.sheets.writer import neutralise, write_csv, write_xlsx

__all__ = [
    "DEFAULT_LIMITS",
    "CellProblem",
    "ReadLimits",
    "Row",
    "Table",
    "neutralise",
    "read_table",
    "write_csv",
    "write_xlsx",
]
