"""Spreadsheet exports: formula neutralisation, text-typed codes, atomic writes, round trips."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.errors import YibaoError
from app.sheets import neutralise, read_table, write_csv, write_xlsx

HEADER = ["户号", "姓名", "证件号码", "出生日期", "联系电话", "备注"]
ROWS = [
    ["3404220010001", "王建国", "340422196503120211", "1965-03-12", "13905640001", "=1+1"],
    ["3404220010001", "李秀英", "11010519491231002X", "1949-12-31", "", "+86 139"],
    ["3404220010002", "赵德福", "340422194001010312", "1940-01-01", "", "-5"],
    ["3404220010002", "陈小宝", "P340000123", "2025-09-01", "", "@SUM(A1)"],
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 139", "'+86 139"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("  =cmd|' /C calc'!A0", "'  =cmd|' /C calc'!A0"),
        ("\u3000=1+1", "'\u3000=1+1"),
        ("\n=1+1", "'\n=1+1"),
        ("\tfoo", "'\tfoo"),
        ("\rfoo", "'\rfoo"),
        ("王建国", "王建国"),
        ("a=b", "a=b"),
        ("3404-22", "3404-22"),
        ("", ""),
    ],
)
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected


def test_xlsx_round_trip_gives_the_same_strings(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_xlsx(path, [("花名册", HEADER, ROWS)])

    table = read_table(path)

    got = [[row.cells[key] for key in table.columns] for row in table.rows]
    expected = [[*row[:5], neutralise(row[5])] for row in ROWS]
    assert got == expected
    assert got[0][5] == "'=1+1"
    assert all(row.problems == [] for row in table.rows)


def test_xlsx_keeps_codes_as_text_and_amounts_as_numbers(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    rows = [
        ["340422196503120211", "3404220010001", "00012007", 38000, 10**16, 1.5, True, None],
        ["1965-03-12", "王建国", '=HYPERLINK("http://x")', -260, 0, Decimal("2.50"), False, ""],
    ]
    write_xlsx(
        path, [("明细", ["证件号码", "户号", "票号", "金额", "大数", "浮点", "布尔", "空"], rows)]
    )

    ws = openpyxl.load_workbook(path).active
    id_cell, household, receipt, amount, big = ws["A2"], ws["B2"], ws["C2"], ws["D2"], ws["E2"]
    for cell in (id_cell, household, receipt, ws["A3"]):
        assert cell.data_type == "s"
        assert cell.number_format == "@"
    assert (id_cell.value, receipt.value) == ("340422196503120211", "00012007")
    assert amount.data_type == "n" and amount.value == 38000
    # An integer beyond 15 digits would be rounded by Excel, so it goes out as text.
    assert big.data_type == "s" and big.value == str(10**16)
    assert ws["D3"].value == -260
    assert ws["C3"].value == '\'=HYPERLINK("http://x")'
    assert ws["C3"].data_type == "s"
    assert ws["G2"].value is True
    assert ws["A1"].font.bold
    assert ws.freeze_panes == "A2"


def test_xlsx_dates_are_excel_dates(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_xlsx(
        path,
        [("s", ["日期", "时间"], [[dt.date(2026, 11, 23), dt.datetime(2026, 11, 23, 10, 15)]])],
    )

    ws = openpyxl.load_workbook(path).active

    assert ws["A2"].value == dt.datetime(2026, 11, 23)
    assert ws["A2"].number_format == "yyyy-mm-dd"
    assert ws["B2"].value == dt.datetime(2026, 11, 23, 10, 15)


def test_xlsx_several_sheets_titles_and_widths(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    long_title = "二〇二六年度城乡居民基本医疗保险费征缴进度汇总表（按村民小组统计）"
    write_xlsx(
        path,
        [
            ("花名册", HEADER, ROWS),
            ("a/b:c", ["村", "金额(分)"], [["示例村一组", 38000]]),
            (long_title, ["x"], []),
            (long_title, ["x"], []),
            ("", ["x"], iter([])),
        ],
    )

    wb = openpyxl.load_workbook(path)

    assert wb.sheetnames[:2] == ["花名册", "a_b_c"]
    assert all(len(title) <= 31 for title in wb.sheetnames)
    assert len(set(wb.sheetnames)) == 5
    ws = wb["花名册"]
    # 18 digits of ID number are wider than a 2-character name, and Chinese counts double.
    assert ws.column_dimensions["C"].width > ws.column_dimensions["B"].width
    assert ws.column_dimensions["B"].width >= 8
    assert wb["a_b_c"]["B2"].value == 38000


def test_xlsx_drops_characters_xml_cannot_hold(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_xlsx(path, [("s", HEADER, [["1", "王\x00建\x07国", "340422196503120211", "", "", ""]])])

    assert read_table(path).rows[0].cells["name"] == "王建国"


def test_csv_has_bom_crlf_and_neutralised_cells(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, HEADER, [*ROWS, ["1", "x", "2", dt.date(2026, 1, 2), 13905640001, None]])

    data = path.read_bytes()

    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == len(ROWS) + 2
    text = data.decode("utf-8-sig")
    assert "'=1+1" in text and "'+86 139" in text and "'-5" in text and "'@SUM(A1)" in text
    assert text.splitlines()[-1] == "1,x,2,2026-01-02,13905640001,"
    table = read_table(path)
    assert table.encoding == "utf-8-sig"
    assert [r.cells["note"] for r in table.rows][:4] == ["'=1+1", "'+86 139", "'-5", "'@SUM(A1)"]


@pytest.mark.parametrize("writer", ["csv", "xlsx"])
def test_failed_write_leaves_the_old_file_and_no_litter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: str
) -> None:
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    exports = tmp_path / "exports"
    exports.mkdir()
    path = exports / "out.file"
    path.write_bytes(b"old export")

    def rows():
        yield from ROWS * 300
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        if writer == "csv":
            write_csv(path, HEADER, rows())
        else:
            write_xlsx(path, [("s", HEADER, rows())])

    assert path.read_bytes() == b"old export"
    assert os.listdir(exports) == ["out.file"]
    assert os.listdir(system_temp) == []


def test_xlsx_never_spools_names_into_the_system_temp_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    exports = tmp_path / "exports"
    exports.mkdir()
    created: list[str] = []
    real_mkstemp = tempfile.mkstemp

    def spying_mkstemp(*args: object, **kwargs: object) -> tuple[int, str]:
        fd, name = real_mkstemp(*args, **kwargs)
        created.append(name)
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", spying_mkstemp)

    write_xlsx(exports / "out.xlsx", [("a", HEADER, ROWS), ("b", HEADER, ROWS)])

    assert os.listdir(system_temp) == []
    assert all(Path(name).parent == exports for name in created)
    assert os.listdir(exports) == ["out.xlsx"]
    assert len(read_table(exports / "out.xlsx").rows) == len(ROWS)


def test_file_open_in_excel_gives_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "out.csv"
    path.write_bytes(b"old")

    def locked(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", locked)

    with pytest.raises(YibaoError, match="正在被 Excel/WPS 打开"):
        write_csv(path, HEADER, ROWS)
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_missing_folder_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(YibaoError, match=r"无法写入 out\.xlsx"):
        write_xlsx(tmp_path / "nowhere" / "out.xlsx", [("s", HEADER, ROWS)])


# Text a clerk could type: no surrounding whitespace (the reader strips it) and no C0
# controls (XML cannot hold them).
_TEXT = st.text(
    alphabet=st.characters(
        # (format characters — bidi, zero-width — are cleaned out of every export by rule)
        blacklist_categories=("Cs", "Cc", "Cf", "Zs", "Zl", "Zp")
    ),
    min_size=1,
    max_size=20,
)
# st.from_regex would do, but importing its module under pytest's assertion rewriting trips a
# CPython 3.11.7 compiler bug ("AST constructor recursion depth mismatch").
_CODE = st.builds(
    str.__add__,
    st.text(alphabet="0123456789", min_size=1, max_size=17),
    st.sampled_from(["", "0", "X"]),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            _CODE,
            _TEXT,
            _CODE,
            st.dates().map(dt.date.isoformat) | st.just(""),
            _CODE | st.just(""),
            _TEXT | st.just(""),
        ),
        min_size=1,
        max_size=15,
    )
)
def test_xlsx_round_trip_property(tmp_path: Path, rows: list[tuple[str, ...]]) -> None:
    path = tmp_path / "p.xlsx"
    write_xlsx(path, [("s", HEADER, rows)])

    table = read_table(path)

    assert [r.number for r in table.rows] == list(range(2, len(rows) + 2))
    got = [tuple(r.cells[key] for key in table.columns) for r in table.rows]
    assert got == [tuple(neutralise(v) for v in row) for row in rows]
