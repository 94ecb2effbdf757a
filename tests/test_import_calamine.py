"""python-calamine reads .xlsx rosters, and gives exactly what openpyxl gives or leaves the file
to openpyxl; the hostile-file checks stay in front of it."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from app.domain.errors import ValidationError
from app.sheets import Table, read_table, xlsx
from app.sheets.table import DEFAULT_LIMITS
from app.sheets.xlsx_calamine import Unfaithful
from tests.test_import_reader import HEADER, SAMPLE, only, reasons, replace_parts, xlsx_file

ID = "340422196503120211"


@pytest.fixture
def readers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """How each .xlsx was read: "calamine", or "openpyxl" when calamine was not let read it
    or declined it."""
    used: list[str] = []
    calamine, fallback = xlsx.read_calamine, xlsx._read_openpyxl

    def spy_calamine(*args: object, **kwargs: object) -> Table:
        table = calamine(*args, **kwargs)  # type: ignore[arg-type]
        used.append("calamine")
        return table

    def spy_openpyxl(*args: object, **kwargs: object) -> Table:
        used.append("openpyxl")
        return fallback(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(xlsx, "read_calamine", spy_calamine)
    monkeypatch.setattr(xlsx, "_read_openpyxl", spy_openpyxl)
    yield used


def by_openpyxl(path: Path, monkeypatch: pytest.MonkeyPatch) -> Table:
    with monkeypatch.context() as m:
        m.setattr(xlsx, "read_calamine", _decline)
        return read_table(path)


def _decline(*_args: object, **_kwargs: object) -> Table:
    raise Unfaithful


def patch_sheet(path: Path, edit: dict[bytes, bytes]) -> Path:
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    for old, new in edit.items():
        assert old in sheet, old
        sheet = sheet.replace(old, new)
    return replace_parts(path, {"xl/worksheets/sheet1.xml": sheet})


def test_a_clerks_roster_reads_the_same_as_with_openpyxl(
    tmp_path: Path, readers: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        ["2026年度参保人员花名册"],
        ["序号", *HEADER],
        [1, "3404220010001", "一组", "王建国", "王建国", "户主", "居民身份证", ID, "男",
         dt.date(1965, 3, 12), "汉族", "本地", "", 13905640001, ""],
        [2, None, None, None, "李秀英", "配偶", "居民身份证", "340422196807050427", "女",
         dt.datetime(1968, 7, 5, 0, 0), "汉族", "本地", "低保", "013905640002", "注：c 组"],
        [3, 3404220010003.0, 2, "陈志强", "陈小宝", "孙子", "出生医学证明", "P340000123", "男",
         45901, "汉族", "本地", "", "", True],
        [],
        [4, "3404220010004", "三组", "赵德福", "赵德福", "户主", "居民身份证",
         "340422194001010312", "男", "1940/1/1", "回族", "外地", "", " 0551-1234567 ", 2.5],
    ]  # fmt: skip
    path = xlsx_file(tmp_path / "r.xlsx", rows, merges=["B3:B4", "C3:C4", "D3:D4"])
    # A formula's cached value is what both readers give (data_only).
    patch_sheet(path, {b'<c r="K7" t="inlineStr"><is><t>\xe5\x9b\x9e\xe6\x97\x8f</t></is></c>':
                       b'<c r="K7" t="str"><f>"\xe5\x9b\x9e"&amp;"\xe6\x97\x8f"</f>'
                       b"<v>\xe5\x9b\x9e\xe6\x97\x8f</v></c>"})

    table = read_table(path)

    assert readers == ["calamine"]
    assert table == by_openpyxl(path, monkeypatch)
    first, second, third, fourth = (only(table, n) for n in (3, 4, 5, 7))
    assert (first["id_number"], first["phone"], first["birth_date"]) == (
        ID, "13905640001", "1965-03-12")
    # merged down, leading zero kept, datetime at midnight read as a date
    assert (second["household_no"], second["phone"], second["birth_date"]) == (
        "3404220010001", "013905640002", "1968-07-05")
    assert (third["household_no"], third["group"], third["birth_date"], third["note"]) == (
        "3404220010003", "2", "2025-09-01", "TRUE")
    assert (fourth["ethnicity"], fourth["birth_date"], fourth["phone"], fourth["note"]) == (
        "回族", "1940-01-01", "0551-1234567", "2.5")
    assert reasons(table, 3) == reasons(table, 7) == []


def test_a_1904_workbook_reads_the_same(
    tmp_path: Path, readers: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = ["3404220010001", "", "", "王建国", "", "", ID, ""]
    rows = [HEADER, [*base, dt.date(1965, 3, 12)], [*base, 22351]]
    path = xlsx_file(tmp_path / "r.xlsx", rows, epoch_1904=True)

    table = read_table(path)

    assert readers == ["calamine"]
    assert [r.cells["birth_date"] for r in table.rows] == ["1965-03-12"] * 2
    assert table == by_openpyxl(path, monkeypatch)


def test_an_id_number_stored_as_an_exact_integer_is_left_to_openpyxl(
    tmp_path: Path, readers: list[str]
) -> None:
    # A float holds 15-16 digits: calamine would give 340422196807050432.
    path = xlsx_file(tmp_path / "r.xlsx", [HEADER, [*SAMPLE[1][:6], 123]])
    patch_sheet(path, {b"<v>123</v>": b"<v>340422196807050427</v>"})

    table = read_table(path)

    assert readers == ["openpyxl"]
    assert only(table, 2)["id_number"] == "340422196807050427"
    assert reasons(table, 2) == []


def test_an_id_number_saved_as_a_number_by_excel_is_flagged_as_before(
    tmp_path: Path, readers: list[str]
) -> None:
    path = xlsx_file(tmp_path / "r.xlsx", [HEADER, [*SAMPLE[1][:6], 3.40422196503120e17]])

    table = read_table(path)

    assert readers == ["openpyxl"]
    assert only(table, 2)["id_number"] == "340422196503120000"
    assert reasons(table, 2) == ["证件号码: 证件号码以数字格式保存，可能已丢失末位精度"]


def test_formula_errors_are_left_to_openpyxl(tmp_path: Path, readers: list[str]) -> None:
    path = xlsx_file(tmp_path / "r.xlsx", [HEADER, [*SAMPLE[1][:3], "x"]])
    patch_sheet(path, {b'<c r="D2" t="inlineStr"><is><t>x</t></is></c>':
                       b'<c r="D2" t="e"><f>VLOOKUP(A2,B:B,1,0)</f><v>#N/A</v></c>'})

    table = read_table(path)

    assert readers == ["openpyxl"]
    assert only(table, 2)["name"] == "#N/A"
    assert reasons(table, 2) == ["姓名: 单元格是公式错误值 #N/A"]


@pytest.mark.parametrize(
    "cell",
    [
        b'<c r="XFD1048576"><v>1</v></c>',  # calamine would allocate 16384 x 1048576 cells
        b'<c r="A1000000"><v>1</v></c>',
        b'<c r="GS2"><v>1</v></c>',  # column 201
        b'<c s="0" r="XFD2"><v>1</v></c>',  # the reference not first
        b"<c><v>1</v></c>" * 3,  # placed by counting
        b'<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="XFD3">'
        b"<x:v>1</x:v></x:c>",
    ],
    ids=["last cell of Excel", "beyond the row limit", "beyond the column limit",
         "reference not first", "no reference", "another prefix"],
)  # fmt: skip
def test_cells_calamine_must_not_place_never_reach_it(tmp_path: Path, cell: bytes) -> None:
    path = xlsx_file(tmp_path / "r.xlsx", SAMPLE)
    patch_sheet(path, {b"</row></sheetData>": b"</row><row r=\"5\">" + cell + b"</row></sheetData>"})
    with zipfile.ZipFile(path) as zf:
        scan = xlsx._scan_sheet(zf, "xl/worksheets/sheet1.xml", DEFAULT_LIMITS)

    assert scan.plain is False
    # openpyxl then streams the sheet and refuses what breaks a limit as it goes.
    try:
        table = read_table(path)
    except ValidationError as exc:
        assert re.search("行数超过上限|列数超过上限", exc.message)
    else:
        assert [r.number for r in table.rows][:3] == [2, 3, 4]


def test_a_cell_reference_cut_by_a_scan_chunk_is_looked_at_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = xlsx_file(tmp_path / "r.xlsx", SAMPLE + [SAMPLE[1]] * 200)
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    far = sheet.index(b'<c r="A150"')
    bad = sheet[:far] + b'<c r="XFD150"><v>1</v></c>' + sheet[far:]
    replace_parts(path, {"xl/worksheets/sheet1.xml": bad})
    for chunk in range(far - 8, far + 16):
        monkeypatch.setattr(xlsx, "_SCAN_CHUNK", chunk)
        with zipfile.ZipFile(path) as zf:
            assert xlsx._scan_sheet(zf, "xl/worksheets/sheet1.xml", DEFAULT_LIMITS).plain is False
    monkeypatch.setattr(xlsx, "_SCAN_CHUNK", 1000)
    replace_parts(path, {"xl/worksheets/sheet1.xml": sheet})
    with zipfile.ZipFile(path) as zf:
        assert xlsx._scan_sheet(zf, "xl/worksheets/sheet1.xml", DEFAULT_LIMITS).plain is True


def test_a_workbook_laid_out_otherwise_is_left_to_openpyxl(
    tmp_path: Path, readers: list[str]
) -> None:
    path = xlsx_file(tmp_path / "r.xlsx", SAMPLE)
    with zipfile.ZipFile(path) as zf:
        rels = zf.read("xl/_rels/workbook.xml.rels")
    # A target calamine and this reader might resolve differently.
    replace_parts(path, {"xl/_rels/workbook.xml.rels": rels.replace(
        b'Target="/xl/worksheets/sheet1.xml"', b'Target="../xl/worksheets/sheet1.xml"')})

    table = read_table(path)

    assert readers == ["openpyxl"]
    assert len(table.rows) == 3


def test_a_roster_on_a_second_sheet_is_read_by_calamine(
    tmp_path: Path, readers: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表由村委会填写"])
    roster = wb.create_sheet("花名册")
    for row in SAMPLE:
        roster.append(row)
    wb.save(tmp_path / "r.xlsx")

    table = read_table(tmp_path / "r.xlsx")

    assert readers == ["calamine"]
    assert table == by_openpyxl(tmp_path / "r.xlsx", monkeypatch)
    assert len(table.rows) == 3


def test_a_dtd_in_a_part_only_calamine_would_parse_is_refused(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path / "r.xlsx", SAMPLE)
    with zipfile.ZipFile(path) as zf:
        theme = zf.read("xl/theme/theme1.xml")
    replace_parts(path, {"xl/theme/theme1.xml": theme.replace(
        b"?>", b'?><!DOCTYPE t [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1)})

    with pytest.raises(ValidationError, match="不安全的 XML"):
        read_table(path)
