"""Reading roster spreadsheets: formats, encodings, layouts, cell repairs and hostile files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from app.domain.errors import ValidationError
from app.sheets import ReadLimits, Table, read_table
from app.sheets.columns import LABELS, canonical_key
from app.sheets.table import NOT_A_SPREADSHEET

HEADER = [
    "户号", "村民小组", "户主姓名", "姓名", "与户主关系", "证件类型", "证件号码",
    "性别", "出生日期", "民族", "户籍性质", "人员类别", "联系电话", "备注",
]  # fmt: skip

SAMPLE = [
    HEADER,
    ["3404220010001", "一组", "王建国", "王建国", "户主", "居民身份证", "340422196503120211",
     "男", "1965-03-12", "汉族", "本地", "", "13905640001", ""],
    ["3404220010001", "一组", "王建国", "李秀英", "配偶", "居民身份证", "340422196807050427",
     "女", "1968-07-05", "汉族", "本地", "低保", "", ""],
    ["3404220010003", "二组", "陈志强", "陈小宝", "孙子", "出生医学证明", "P340000123",
     "男", "2025-09-01", "汉族", "本地", "", "", "新生儿"],
]  # fmt: skip

ROSTER_KEYS = [canonical_key(h) for h in HEADER]


def csv_file(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    """Rows as a CSV file the way Excel saves them (CRLF, minimal quoting)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(
        ["" if v is None else v for v in row] for row in rows
    )
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def xlsx_file(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    merges: Sequence[str] = (),
    epoch_1904: bool = False,
) -> Path:
    wb = openpyxl.Workbook()
    if epoch_1904:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "花名册"
    for row in rows:
        ws.append(list(row))
    for ref in merges:
        ws.merge_cells(ref)
    wb.save(path)
    return path


def replace_parts(path: Path, replacements: dict[str, bytes]) -> Path:
    """Rewrite the zip at ``path`` with some parts replaced (a crafted xlsx)."""
    with zipfile.ZipFile(path) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    parts.update(replacements)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def only(table: Table, number: int) -> dict[str, str]:
    [row] = [r for r in table.rows if r.number == number]
    return row.cells


def reasons(table: Table, number: int) -> list[str]:
    [row] = [r for r in table.rows if r.number == number]
    return [f"{p.column}: {p.reason}" for p in row.problems]


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030")],
)
def test_csv_encodings_are_detected(tmp_path: Path, encoding: str, reported: str) -> None:
    table = read_table(csv_file(tmp_path / "r.csv", SAMPLE, encoding=encoding))

    assert table.format == "csv"
    assert table.encoding == reported
    assert [r.cells["name"] for r in table.rows] == ["王建国", "李秀英", "陈小宝"]
    assert only(table, 2)["id_number"] == "340422196503120211"
    assert only(table, 4)["note"] == "新生儿"


def test_utf16_unicode_text_export_is_read(tmp_path: Path) -> None:
    # Excel's "Unicode 文本" save: UTF-16 with BOM, tab separated.
    path = csv_file(tmp_path / "r.txt", SAMPLE, encoding="utf-16", delimiter="\t")

    table = read_table(path)

    assert table.encoding == "utf-16"
    assert only(table, 3)["categories"] == "低保"


@pytest.mark.parametrize(("delimiter", "word"), [(";", "分号"), ("\t", "制表符")])
def test_semicolon_and_tab_delimiters(tmp_path: Path, delimiter: str, word: str) -> None:
    rows = [*SAMPLE, ["3404220010004", "三组", "张三", "张三", "户主", "居民身份证",
                      "340422198001010011", "男", "1980-01-01", "汉族", "本地", "", "",
                      "备注, 含逗号; 和分号"]]  # fmt: skip
    table = read_table(csv_file(tmp_path / "r.csv", rows, delimiter=delimiter))

    assert len(table.columns) == 14
    assert only(table, 5)["note"] == "备注, 含逗号; 和分号"
    assert any(word in w for w in table.warnings)


def test_sample_layout_xlsx_reads_all_columns(tmp_path: Path) -> None:
    table = read_table(xlsx_file(tmp_path / "r.xlsx", SAMPLE))

    assert table.format == "xlsx"
    assert table.encoding is None
    assert table.header_row == 1
    assert table.columns == {key: i for i, key in enumerate(ROSTER_KEYS)}
    assert only(table, 2) == dict(zip(ROSTER_KEYS, SAMPLE[1], strict=True))
    assert table.warnings == []


def test_format_comes_from_the_bytes_not_the_extension(tmp_path: Path) -> None:
    as_csv = xlsx_file(tmp_path / "roster.csv", SAMPLE)
    as_xlsx = csv_file(tmp_path / "roster.xlsx", SAMPLE)

    from_zip = read_table(as_csv)
    from_text = read_table(as_xlsx)

    assert from_zip.format == "xlsx"
    assert from_text.format == "csv"
    assert any("按 .xlsx 读取" in w for w in from_zip.warnings)
    assert any("按 CSV 读取" in w for w in from_text.warnings)
    assert only(from_zip, 3) == only(from_text, 3)


# --------------------------------------------------------------------------- layout


def test_header_below_a_title_is_found_and_reported(tmp_path: Path) -> None:
    rows = [["上年参保人员基本信息明细清册"], ["制表日期：2026年9月1日", None, "单位：示例村"],
            *SAMPLE]  # fmt: skip
    for path in (xlsx_file(tmp_path / "r.xlsx", rows), csv_file(tmp_path / "r.csv", rows)):
        table = read_table(path)

        assert table.header_row == 3
        assert [r.number for r in table.rows] == [4, 5, 6]
        assert any("第 3 行" in w for w in table.warnings)


def test_header_aliases_and_decorations(tmp_path: Path) -> None:
    header = ["序号", "家庭编号", "组别", "户主", "* 姓名", "关系", "公民身份\n号码", "Gender",
              "出生日期(YYYY-MM-DD)", "民族", "户口性质", "资助类别", "手机号", "REMARK"]  # fmt: skip
    row = ["1", "3404220010001", "一组", "王建国", "王建国", "户主", "340422196503120211", "男",
           "1965-03-12", "汉族", "本地", "", "13905640001", ""]  # fmt: skip
    table = read_table(csv_file(tmp_path / "r.csv", [header, row]))

    assert list(table.columns) == [
        "household_no", "group", "head_name", "name", "relation", "id_number", "sex",
        "birth_date", "ethnicity", "residence", "categories", "phone", "note",
    ]  # fmt: skip
    assert table.columns["household_no"] == 1
    assert only(table, 2)["id_number"] == "340422196503120211"
    assert any("序号（A列）" in w for w in table.warnings)


@pytest.mark.parametrize(
    "header",
    [
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "身份证",
        "ID",
        " 证件号码 ",
        "证件\u3000号码",
        "*证件号码",
    ],
)
def test_id_number_aliases(header: str) -> None:
    assert canonical_key(header) == "id_number"


def test_missing_required_columns_are_named_in_chinese(tmp_path: Path) -> None:
    rows = [["姓名", "证件号码", "性别"], ["王建国", "340422196503120211", "男"]]

    with pytest.raises(ValidationError, match="缺少必需的列：户号"):
        read_table(csv_file(tmp_path / "r.csv", rows))


def test_no_header_at_all(tmp_path: Path) -> None:
    rows = [["a", "b"], ["1", "2"]]

    with pytest.raises(ValidationError, match="找不到表头"):
        read_table(csv_file(tmp_path / "r.csv", rows))


def test_empty_rows_are_skipped_but_numbers_stay_true(tmp_path: Path) -> None:
    rows = [SAMPLE[0], SAMPLE[1], [], [None] * 14, ["", "  ", "\u3000"], SAMPLE[2]]
    for path in (xlsx_file(tmp_path / "r.xlsx", rows), csv_file(tmp_path / "r.csv", rows)):
        table = read_table(path)

        assert [r.number for r in table.rows] == [2, 6]


def test_rows_with_only_unknown_columns_are_skipped(tmp_path: Path) -> None:
    rows = [["序号", *HEADER], ["1", *SAMPLE[1]], ["2"], ["3"]]
    table = read_table(csv_file(tmp_path / "r.csv", rows))

    assert [r.number for r in table.rows] == [2]
    assert any("2 行只有未识别的列有内容" in w for w in table.warnings)


def test_repeated_header_rows_are_skipped(tmp_path: Path) -> None:
    rows = [*SAMPLE[:2], HEADER, SAMPLE[2]]
    table = read_table(xlsx_file(tmp_path / "r.xlsx", rows))

    assert [r.number for r in table.rows] == [2, 4]
    assert any("重复的表头" in w for w in table.warnings)


def test_roster_on_a_second_sheet(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表由村委会填写"])
    roster = wb.create_sheet("花名册")
    for row in SAMPLE:
        roster.append(row)
    wb.save(tmp_path / "r.xlsx")

    table = read_table(tmp_path / "r.xlsx")

    assert len(table.rows) == 3
    assert any("已读取「花名册」" in w for w in table.warnings)


# --------------------------------------------------------------------------- merged cells


def test_vertically_merged_household_cells_are_filled(tmp_path: Path) -> None:
    rows = [
        ["示例村花名册"],
        HEADER,
        ["3404220010001", "一组", "王建国", "王建国", "户主", "居民身份证", "340422196503120211"],
        [None, None, None, "李秀英", "配偶", "居民身份证", "340422196807050427"],
        [None, None, None, "王磊", "子", "居民身份证", "340422199211200133"],
        ["3404220010002", "二组", "赵德福", "赵德福", "户主", "居民身份证", "340422194001010312"],
        [None, None, None, "孤儿甲", "其他", "居民身份证", "340422201001010011", None, None,
         None, None, None, None, "本行户号没有合并"],
    ]  # fmt: skip
    path = xlsx_file(tmp_path / "r.xlsx", rows, merges=["A1:N1", "A3:A5", "B3:B5", "C3:C5"])

    table = read_table(path)

    assert table.header_row == 2
    households = [(r.number, r.cells["household_no"], r.cells["head_name"]) for r in table.rows]
    assert households == [
        (3, "3404220010001", "王建国"),
        (4, "3404220010001", "王建国"),
        (5, "3404220010001", "王建国"),
        (6, "3404220010002", "赵德福"),
        (7, "", ""),  # not merged: left empty for validation to report
    ]
    assert [r.cells["group"] for r in table.rows][:3] == ["一组"] * 3
    assert any("合并单元格" in w and "户号 2 行" in w for w in table.warnings)


def test_title_merged_across_columns_is_not_spread_sideways(tmp_path: Path) -> None:
    rows = [["户号 姓名 证件号码 一览"], HEADER, SAMPLE[1]]
    table = read_table(xlsx_file(tmp_path / "r.xlsx", rows, merges=["A1:N1"]))

    assert table.header_row == 2
    assert only(table, 3)["name"] == "王建国"


def test_header_merged_over_two_rows(tmp_path: Path) -> None:
    top = ["户号", "姓名", "证件信息", None, "备注"]
    sub = [None, None, "证件类型", "证件号码", None]
    data = ["3404220010001", "王建国", "居民身份证", "340422196503120211", "x"]
    path = xlsx_file(
        tmp_path / "r.xlsx", [top, sub, data], merges=["A1:A2", "B1:B2", "C1:D1", "E1:E2"]
    )

    table = read_table(path)

    assert table.header_row == 2
    assert [r.number for r in table.rows] == [3]
    assert only(table, 3) == {
        "household_no": "3404220010001",
        "name": "王建国",
        "id_type": "居民身份证",
        "id_number": "340422196503120211",
        "note": "x",
    }


def test_csv_with_blank_household_numbers_hints_at_merged_cells(tmp_path: Path) -> None:
    rows = [HEADER, SAMPLE[1], ["", "", "", "李秀英", "配偶", "居民身份证", "340422196807050427"]]
    table = read_table(csv_file(tmp_path / "r.csv", rows))

    assert only(table, 3)["household_no"] == ""
    assert any("1 行户号为空" in w and ".xlsx" in w for w in table.warnings)


# --------------------------------------------------------------------------- cell repairs


def test_numbers_in_code_columns(tmp_path: Path) -> None:
    rows = [
        HEADER,
        [3404220010001.0, 1, "王建国", "王建国", "户主", "居民身份证", 3.40422196503120e17,
         "男", None, None, None, None, 13905640001.0],
        [3404220010001, 2.0, "王建国", "李秀英", "配偶", "居民身份证", 340422196807050427,
         "女", None, None, None, None, 13905640002],
    ]  # fmt: skip
    path = xlsx_file(tmp_path / "r.xlsx", rows)
    # openpyxl writes every number through a float; other programs write big integers exactly.
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    exact = sheet.replace(b"3.404221968070504e+17", b"340422196807050427")
    assert exact != sheet
    table = read_table(replace_parts(path, {"xl/worksheets/sheet1.xml": exact}))

    first, second = only(table, 2), only(table, 3)
    assert first["household_no"] == second["household_no"] == "3404220010001"
    assert (first["group"], second["group"]) == ("1", "2")
    assert first["phone"] == "13905640001"
    # The float cannot hold 18 digits: the tail is gone and the row must fail validation.
    assert first["id_number"] == "340422196503120000"
    assert reasons(table, 2) == ["证件号码: 证件号码以数字格式保存，可能已丢失末位精度"]
    # An integer written exactly stays exact.
    assert second["id_number"] == "340422196807050427"
    assert reasons(table, 3) == []
    assert any("1 个证件号码以数字格式保存" in w for w in table.warnings)


def test_text_exported_numbers(tmp_path: Path) -> None:
    rows = [
        HEADER,
        ["3404220010001.0", "一组", "", "王建国", "", "", "340422196503120211.0", "", "", "",
         "", "", "13905640001.0"],
        ["3404220010001", "一组", "", "李秀英", "", "", "3.40422E+17", "", "", "", "", "",
         "1.39056E+10"],
        ["3404220010001", "一组", "", "王磊", "", "", " 34042219921120013x\u200b ", "", "",
         "", "", "", ""],
    ]  # fmt: skip
    table = read_table(csv_file(tmp_path / "r.csv", rows))

    assert only(table, 2)["household_no"] == "3404220010001"
    assert only(table, 2)["id_number"] == "340422196503120211"
    assert only(table, 2)["phone"] == "13905640001"
    assert reasons(table, 2) == []
    # Scientific notation cannot be undone: kept as typed, flagged.
    assert only(table, 3)["id_number"] == "3.40422E+17"
    assert only(table, 3)["phone"] == "1.39056E+10"
    assert reasons(table, 3) == [
        "证件号码: 以科学计数法保存（3.40422E+17），精度已丢失，无法恢复原号码",
        "联系电话: 以科学计数法保存（1.39056E+10），精度已丢失，无法恢复原号码",
    ]
    # Stripped of spaces and a zero-width space; the lower-case x is validation's business.
    assert only(table, 4)["id_number"] == "34042219921120013x"


@pytest.mark.parametrize(
    "text",
    ["1965-03-12", "1965/3/12", "1965.3.12", "19650312", "1965年3月12日", "1965-3-12",
     "1965 年 03 月 12 日", "1965-03-12 00:00:00", "23813"],
)  # fmt: skip
def test_text_dates(tmp_path: Path, text: str) -> None:
    row = ["3404220010001", "", "", "王建国", "", "", "340422196503120211", "", text]
    table = read_table(csv_file(tmp_path / "r.csv", [HEADER, row]))

    assert only(table, 2)["birth_date"] == "1965-03-12"
    assert reasons(table, 2) == []


def test_excel_dates(tmp_path: Path) -> None:
    base = ["3404220010001", "", "", "王建国", "", "", "340422196503120211", ""]
    rows = [
        HEADER,
        [*base, dt.date(1965, 3, 12)],
        [*base, dt.datetime(1965, 3, 12, 8, 30)],
        [*base, 23813],  # a serial number in a General-formatted cell
        [*base, 23813.0],
        [*base, 19650312],
        [*base, "1965年3月12日"],
        [*base, 59],  # before Excel's fictitious leap day
        [*base, 61],
    ]
    table = read_table(xlsx_file(tmp_path / "r.xlsx", rows))

    dates = [r.cells["birth_date"] for r in table.rows]
    assert dates == ["1965-03-12"] * 6 + ["1900-02-28", "1900-03-01"]
    assert all(r.problems == [] for r in table.rows)


def test_serial_dates_in_a_1904_workbook(tmp_path: Path) -> None:
    row = ["3404220010001", "", "", "王建国", "", "", "340422196503120211", "", 22351]
    table = read_table(xlsx_file(tmp_path / "r.xlsx", [HEADER, row], epoch_1904=True))

    assert only(table, 2)["birth_date"] == "1965-03-12"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1965-02-30", "无法识别的日期「1965-02-30」"),
        ("00000", "无法识别的日期「00000」"),
        ("三月十二", "无法识别的日期「三月十二」"),
        ("1965年3月", "日期不完整"),
        ("1965", "日期不完整"),
        (60, "1900-02-29 不存在"),
        (1965, "日期不完整"),
        (-5, "无法识别的日期「-5」"),
    ],
)
def test_unreadable_dates_stay_as_typed_with_a_problem(
    tmp_path: Path, value: object, reason: str
) -> None:
    row = ["3404220010001", "", "", "王建国", "", "", "340422196503120211", "", value]
    table = read_table(xlsx_file(tmp_path / "r.xlsx", [HEADER, row]))

    assert only(table, 2)["birth_date"] == str(value)
    [problem] = table.rows[0].problems
    assert problem.column == "出生日期"
    assert reason in problem.reason


def test_absurd_numbers_in_a_date_column(tmp_path: Path) -> None:
    row = ["3404220010001", "", "", "王建国", "", "", "340422196503120211", "", 424242]
    path = xlsx_file(tmp_path / "r.xlsx", [HEADER, row])
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    # Too big for a float: openpyxl cannot write it, but a crafted file can hold it.
    replace_parts(path, {"xl/worksheets/sheet1.xml": sheet.replace(b"424242", b"9" * 400)})

    table = read_table(path)

    assert only(table, 2)["birth_date"] == "9" * 400
    assert reasons(table, 2) == [f"出生日期: 无法识别的日期「{'9' * 400}」，请使用 YYYY-MM-DD 格式"]


def test_excel_error_values_are_flagged(tmp_path: Path) -> None:
    row = ["3404220010001", "", "", "#N/A", "", "", "340422196503120211"]
    table = read_table(csv_file(tmp_path / "r.csv", [HEADER, row]))

    assert only(table, 2)["name"] == "#N/A"
    assert reasons(table, 2) == ["姓名: 单元格是公式错误值 #N/A"]


def test_progress_is_reported(tmp_path: Path) -> None:
    member = SAMPLE[1]
    path = csv_file(tmp_path / "r.csv", [HEADER] + [member] * 2500)
    seen: list[int] = []

    table = read_table(path, progress=seen.append)

    assert len(table.rows) == 2500
    assert seen == [1000, 2000, 2501]


# --------------------------------------------------------------------------- not a spreadsheet


@pytest.mark.parametrize(
    ("content", "looks_like"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), ".xls"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "PNG"),
        (b"<html><body><table><tr><td>\xe5\xa7\x93\xe5\x90\x8d</td></tr></table>", "HTML"),
        (random.Random(7).randbytes(4096), "二进制"),
    ],
)
def test_not_a_spreadsheet(tmp_path: Path, content: bytes, looks_like: str) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(content)

    with pytest.raises(ValidationError) as caught:
        read_table(path)

    assert caught.value.message.startswith(NOT_A_SPREADSHEET)
    assert looks_like in caught.value.message


def test_old_xls_message_says_save_as_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "roster.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))

    with pytest.raises(ValidationError, match=r"旧版 \.xls 请另存为 \.xlsx"):
        read_table(path)


def test_other_zip_files(tmp_path: Path) -> None:
    docx = tmp_path / "a.xlsx"
    with zipfile.ZipFile(docx, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    plain = tmp_path / "b.xlsx"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("roster.csv", "姓名\n")

    with pytest.raises(ValidationError, match="Word"):
        read_table(docx)
    with pytest.raises(ValidationError, match="ZIP 压缩包"):
        read_table(plain)


def test_undecodable_text(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes("姓名,证件号码\n".encode() + b"\x80\xff\xfe\x81\x30\n")

    with pytest.raises(ValidationError, match="无法识别文本编码"):
        read_table(path)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")

    with pytest.raises(ValidationError, match="文件是空的"):
        read_table(tmp_path / "empty.csv")
    with pytest.raises(ValidationError, match="无法打开文件"):
        read_table(tmp_path / "missing.xlsx")


def test_corrupt_xlsx(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path / "r.xlsx", SAMPLE)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])

    with pytest.raises(ValidationError, match="损坏"):
        read_table(path)


# --------------------------------------------------------------------------- hostile files


def test_openpyxl_parses_with_defusedxml() -> None:
    assert openpyxl.DEFUSEDXML is True


def test_zip_bomb_is_rejected_before_inflating(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path / "r.xlsx", SAMPLE)
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    # Whitespace between elements is valid XML and deflates about 1000:1.
    bomb = sheet.replace(b"</worksheet>", b" " * (64 * 1024 * 1024) + b"</worksheet>")
    replace_parts(path, {"xl/worksheets/sheet1.xml": bomb})
    assert path.stat().st_size < 1024 * 1024

    with pytest.raises(ValidationError, match="压缩炸弹"):
        read_table(path)


def test_uncompressed_total_is_capped(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path / "r.xlsx", [HEADER] + [SAMPLE[1]] * 3000)
    limits = ReadLimits(max_uncompressed_bytes=200_000)

    with pytest.raises(ValidationError, match="解压后超过"):
        read_table(path, limits=limits)


BILLION_LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>"
)


def _with_doctype(xml: bytes) -> bytes:
    declaration = re.match(rb"<\?xml[^>]*\?>", xml)
    cut = declaration.end() if declaration else 0
    return xml[:cut] + BILLION_LAUGHS + xml[cut:]


@pytest.mark.parametrize(
    "part",
    ["xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"],
)
def test_billion_laughs_is_rejected(tmp_path: Path, part: str) -> None:
    path = xlsx_file(tmp_path / "r.xlsx", SAMPLE)
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(part)
    xml = _with_doctype(xml).replace("王建国".encode(), b"&lol9;", 1)
    replace_parts(path, {part: xml})

    with pytest.raises(ValidationError, match="不安全的 XML"):
        read_table(path)


def test_billion_laughs_in_shared_strings(tmp_path: Path) -> None:
    # openpyxl writes inline strings; Excel writes a shared-string table, parsed at load.
    path = xlsx_file(tmp_path / "r.xlsx", SAMPLE)
    ns = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    shared = _with_doctype(
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="'
        + ns
        + b'"><si><t>&lol9;</t></si></sst>'
    )
    with zipfile.ZipFile(path) as zf:
        rels = zf.read("xl/_rels/workbook.xml.rels")
        types = zf.read("[Content_Types].xml")
    rels = rels.replace(
        b"</Relationships>",
        b'<Relationship Id="rIdSST" Target="sharedStrings.xml" Type="http://schemas.openxml'
        b'formats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
    )
    types = types.replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxml'
        b'formats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    replace_parts(
        path,
        {
            "xl/sharedStrings.xml": shared,
            "xl/_rels/workbook.xml.rels": rels,
            "[Content_Types].xml": types,
        },
    )

    with pytest.raises(ValidationError, match="不安全的 XML"):
        read_table(path)


def test_million_row_csv_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(("户号,姓名,证件号码\r\n" + "1,张三,2\r\n" * 1_000_000).encode())

    with pytest.raises(ValidationError, match="行数超过上限"):
        read_table(path)


def test_million_row_xlsx_is_rejected_from_its_dimension_or_row_count(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path / "r.xlsx", SAMPLE)
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(5, 1_000_005)
    )
    no_dimension = re.sub(rb"<dimension[^>]*/>", b"", sheet).replace(
        b"</sheetData>", rows + b"</sheetData>"
    )
    with_dimension = sheet.replace(b'ref="A1:N4"', b'ref="A1:N1000004"')
    assert with_dimension != sheet

    for crafted in (no_dimension, with_dimension):
        replace_parts(path, {"xl/worksheets/sheet1.xml": crafted})
        with pytest.raises(ValidationError, match="行数超过上限"):
            read_table(path)


def test_row_limit_counts_sheet_rows(tmp_path: Path) -> None:
    path = csv_file(tmp_path / "r.csv", [HEADER] + [SAMPLE[1]] * 30)

    assert len(read_table(path, limits=ReadLimits(max_rows=31)).rows) == 30
    with pytest.raises(ValidationError, match="最多 30 行"):
        read_table(path, limits=ReadLimits(max_rows=30))


def test_ten_thousand_columns_are_rejected(tmp_path: Path) -> None:
    wide = [*HEADER, *(f"x{i}" for i in range(10_000))]
    csv_path = csv_file(tmp_path / "r.csv", [wide, SAMPLE[1]])
    xlsx_path = xlsx_file(tmp_path / "r.xlsx", [wide, SAMPLE[1]])
    # write_only workbooks carry no <dimension>: caught while reading the first rows.
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(wide)
    wb.save(tmp_path / "w.xlsx")

    for path in (csv_path, xlsx_path, tmp_path / "w.xlsx"):
        with pytest.raises(ValidationError, match="列数超过上限"):
            read_table(path)


def test_trailing_empty_columns_do_not_count(tmp_path: Path) -> None:
    path = csv_file(tmp_path / "r.csv", [HEADER + [""] * 500, SAMPLE[1] + [""] * 500])

    assert len(read_table(path).rows) == 1


@pytest.mark.parametrize("column", [3, 20], ids=["roster column", "column without header"])
def test_one_megabyte_cell_is_rejected(tmp_path: Path, column: int) -> None:
    row = [*SAMPLE[1], *[""] * 10]
    row[column] = "长" * (1024 * 1024)
    files = [
        csv_file(tmp_path / "r.csv", [HEADER, row]),
        xlsx_file(tmp_path / "head.xlsx", [HEADER, row]),  # among the rows searched for a header
        xlsx_file(tmp_path / "body.xlsx", [HEADER, *[SAMPLE[1]] * 30, row]),
    ]

    for path in files:
        with pytest.raises(ValidationError, match="超过 10000 个字符"):
            read_table(path)


def test_file_size_limit(tmp_path: Path) -> None:
    path = csv_file(tmp_path / "r.csv", SAMPLE)

    with pytest.raises(ValidationError, match="文件过大"):
        read_table(path, limits=ReadLimits(max_bytes=100))


# --------------------------------------------------------------------------- properties

_XML_SAFE_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r"),
    ),
    max_size=25,
)
_CELL = st.one_of(
    st.none(),
    _XML_SAFE_TEXT,
    st.sampled_from(["=1+1", "#N/A", "3.40422E+17", "1965年3月12日", "  ", "\u200b", "姓名"]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(),
)
_ROWS = st.lists(st.lists(_CELL, max_size=16), max_size=25)


# tmp_path is shared by the examples of one test, which is fine: each writes its file anew.
_FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _check_table(table: Table) -> None:
    labels = set(LABELS.values())
    numbers = [r.number for r in table.rows]
    assert numbers == sorted(set(numbers))
    for row in table.rows:
        assert row.number > table.header_row
        assert set(row.cells) == set(table.columns)
        assert all(isinstance(v, str) and v == v.strip() for v in row.cells.values())
        for problem in row.problems:
            assert problem.column in labels
            assert problem.reason


@_FUZZ
@given(rows=_ROWS, header_at=st.integers(min_value=0, max_value=3))
def test_random_xlsx_cells_only_ever_raise_validation_error(
    tmp_path: Path, rows: list[list[object]], header_at: int
) -> None:
    rows.insert(min(header_at, len(rows)), HEADER)
    path = xlsx_file(tmp_path / "h.xlsx", rows)
    try:
        table = read_table(path)
    except ValidationError as exc:
        assert exc.message
        event(f"rejected: {exc.message[:12]}")
        return
    event("read, with cell problems" if any(r.problems for r in table.rows) else "read")
    _check_table(table)


@_FUZZ
@given(rows=_ROWS, encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_random_csv_cells_only_ever_raise_validation_error(
    tmp_path: Path, rows: list[list[object]], encoding: str
) -> None:
    path = csv_file(tmp_path / "h.csv", [HEADER, *rows], encoding=encoding)
    try:
        table = read_table(path)
    except ValidationError as exc:
        assert exc.message
        event(f"rejected: {exc.message[:12]}")
        return
    event("read, with cell problems" if any(r.problems for r in table.rows) else "read")
    _check_table(table)


@_FUZZ
@given(
    prefix=st.sampled_from([b"", b"PK\x03\x04", "户号,姓名,证件号码\n".encode()]),
    body=st.binary(max_size=600),
)
def test_random_bytes_only_ever_raise_validation_error(
    tmp_path: Path, prefix: bytes, body: bytes
) -> None:
    path = tmp_path / "h.xlsx"
    path.write_bytes(prefix + body or b"x")
    try:
        table = read_table(path)
    except ValidationError as exc:
        assert exc.message
        event(f"rejected: {exc.message[:12]}")
        return
    event("read, with cell problems" if any(r.problems for r in table.rows) else "read")
    _check_table(table)
