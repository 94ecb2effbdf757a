"""Report PDFs: page numbers, repeated headers, totals carried across pages, grand totals,
settlement ranges and the accounting check, deposits and payment notices."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.domain.money import fen_to_capitals, format_fen
from receipts.model import DailyLedger
from receipts.reports import (
    compress_ranges,
    render_daily_ledger,
    render_deposit_list,
    render_payment_notice,
    render_settlement,
)
from tests.specimens import (
    specimen_daily_ledger,
    specimen_deposit_list,
    specimen_notice,
    specimen_settlement,
)

AMOUNT = r"(-?[\d,]+\.\d\d)"


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def to_fen(text: str) -> int:
    yuan, cents = text.replace(",", "").split(".")
    return int(yuan) * 100 + int(cents)


def carried(page: str, label: str) -> tuple[int, int] | None:
    """(members, fen) of the 过次页 / 承前页 / 合计 row of the receipts table on a page."""
    match = re.search(rf"^{label}\n(\d+)\n{AMOUNT}$", page, re.MULTILINE)
    return (int(match[1]), to_fen(match[2])) if match else None


@pytest.fixture(scope="module")
def big_ledger() -> DailyLedger:
    return specimen_daily_ledger(300, 4)


@pytest.fixture(scope="module")
def big_ledger_pages(big_ledger: DailyLedger) -> list[str]:
    return pages_text(render_daily_ledger(big_ledger))


def test_every_page_is_numbered_and_has_the_header(big_ledger_pages: list[str]) -> None:
    total = len(big_ledger_pages)
    assert total >= 8
    for number, page in enumerate(big_ledger_pages, start=1):
        assert f"第 {number} 页 / 共 {total} 页" in page
        assert "城乡居民医保费收款日报表（日清单）" in page
        assert "收款员：李会计" in page and "日期：2026年11月23日" in page
        if number < total:  # the receipts table goes on: its column headings repeat
            assert "票据号码" in page and "金额（元）" in page


def test_totals_are_carried_across_pages(
    big_ledger: DailyLedger, big_ledger_pages: list[str]
) -> None:
    by_number = {entry.number: entry for entry in big_ledger.receipts}
    seen: set[str] = set()
    breaks = 0
    for index, page in enumerate(big_ledger_pages):
        on_page = set(re.findall(r"皖医保 (\d{8})", page)) & set(by_number)
        brought = carried(page, "承前页")
        if index == 0:
            assert brought is None
        elif brought is not None:
            # 承前页 repeats exactly what the previous page carried forward.
            assert brought == carried(big_ledger_pages[index - 1], "过次页")
        seen |= on_page
        expected = (sum(len(by_number[n].members) for n in seen),
                    sum(by_number[n].amount_fen for n in seen))
        forward = carried(page, "过次页")
        if forward is not None:
            breaks += 1
            assert forward == expected
    assert breaks >= 6
    assert seen == set(by_number)  # every receipt is listed exactly once across the pages
    rows = sum(len(re.findall(r"^皖医保 \d{8}$", page, re.MULTILINE))
               for page in big_ledger_pages)
    assert rows == 300 + 4  # the receipts and the voids


def test_grand_total_and_method_summary(
    big_ledger: DailyLedger, big_ledger_pages: list[str]
) -> None:
    text = "\n".join(big_ledger_pages)
    members = sum(len(entry.members) for entry in big_ledger.receipts)
    assert carried(text, "合计") == (members, big_ledger.total_fen)
    assert f"本日收款合计：{format_fen(big_ledger.total_fen, symbol=True)}" in text
    assert fen_to_capitals(big_ledger.total_fen) in text
    for label, method in (("现金", "cash"), ("微信", "wechat"), ("银行转账", "bank")):
        count = sum(entry.method == method for entry in big_ledger.receipts)
        amount = format_fen(big_ledger.totals_by_method[method])
        assert re.search(rf"^{label}\n{count}\n{re.escape(amount)}$", text, re.MULTILINE)
    last = big_ledger_pages[-1]
    assert "二、作废票据" in text and "打印错位，重新开具" in text
    assert "收款员（签字）" in last


def test_daily_ledger_lists_members_time_and_voids() -> None:
    ledger = specimen_daily_ledger(3, 1)
    (page,) = pages_text(render_daily_ledger(ledger))
    first = ledger.receipts[0]
    assert "皖医保 00012001" in page
    assert "10:15" in page  # 02:15 UTC
    assert first.household_no in page
    assert "王建国 380.00" in page
    assert "李秀英 230.00、王磊 380.00" in page
    assert "皖医保 00012004" in page  # the voided number
    assert "第 1 页 / 共 1 页" in page
    assert "过次页" not in page and "承前页" not in page


def test_empty_day_still_renders_a_page() -> None:
    ledger = DailyLedger(date=specimen_daily_ledger(0, 0).date, village="示例村",
                         collector="李会计", receipts=(), voids=(), totals_by_method={},
                         total_fen=0)
    (page,) = pages_text(render_daily_ledger(ledger))
    assert "本日未开具票据" in page and "本日无作废票据" in page
    assert "零元整" in page


def test_ledger_refuses_totals_that_do_not_add_up() -> None:
    ledger = specimen_daily_ledger(3, 0)
    with pytest.raises(ValueError):
        replace(ledger, total_fen=ledger.total_fen + 1)


# -- settlement --------------------------------------------------------------------------------


def test_compress_ranges() -> None:
    numbers = ["00012003", "00012001", "00012002", "00012005", "00012007", "00012006"]
    assert compress_ranges(numbers, 8) == ["00012001–00012003", "00012005–00012007"]
    assert compress_ranges(["12044"], 8) == ["00012044"]
    assert compress_ranges([], 8) == []


def test_settlement_compresses_numbers_and_balances_the_book() -> None:
    sheet = specimen_settlement()
    (page,) = pages_text(render_settlement(sheet))
    assert "号段：00012001–00012050（共 50 张）" in page
    assert re.search(r"已开具\n43\n00012001–00012009，00012011–00012043，00012045\n", page)
    assert re.search(r"作废\n2\n00012010，00012044\n", page)
    assert re.search(r"未使用\n4\n00012047–00012050\n", page)
    assert re.search(r"遗失\n1\n00012046\n", page)
    assert "00012002" not in page  # inside a range, never listed one by one
    assert "与本册 50 张相符" in page
    assert "金额填错，重新开具" in page
    assert "收款金额\n¥12,540.00" in page
    assert "退费金额\n¥380.00" in page
    assert "已缴存金额\n¥4,869.00" in page
    assert "未缴存（现金在手）\n¥7,291.00" in page
    assert "NS20261120001" in page
    assert re.search(r"^合计\n4,869.00$", page, re.MULTILINE)
    assert "第 1 页 / 共 1 页" in page


def test_settlement_shows_numbers_not_accounted_for() -> None:
    sheet = specimen_settlement()
    broken = replace(sheet, issued=sheet.issued[:-3], lost=(*sheet.lost, "00012001"))
    (page,) = pages_text(render_settlement(broken))
    assert "核对不符" in page
    assert "未说明去向的号码：00012042–00012043，00012045" in page
    assert "重复列出的号码：00012001" in page


# -- deposits and notices ------------------------------------------------------------------


def test_deposit_list_carries_totals_over_many_pages() -> None:
    deposits = specimen_deposit_list(120)
    pages = pages_text(render_deposit_list(deposits))
    assert len(pages) >= 3
    running = 0
    by_slip = {deposit.slip: deposit.amount_fen for deposit in deposits.deposits}
    for index, page in enumerate(pages):
        assert f"第 {index + 1} 页 / 共 {len(pages)} 页" in page
        assert "城乡居民医保费缴存明细表" in page
        if index:
            brought = re.search(rf"^承前页\n{AMOUNT}$", page, re.MULTILINE)
            assert brought is not None and to_fen(brought[1]) == running
        running += sum(by_slip[slip] for slip in re.findall(r"NS\d{11}", page))
        forward = re.search(rf"^过次页\n{AMOUNT}$", page, re.MULTILINE)
        if index < len(pages) - 1:
            assert forward is not None and to_fen(forward[1]) == running
    assert running == deposits.total_fen
    assert f"缴存合计：{format_fen(deposits.total_fen, symbol=True)}" in pages[-1]
    assert fen_to_capitals(deposits.total_fen) in pages[-1]


def test_payment_notice_has_members_amount_and_deadline() -> None:
    notice = specimen_notice(5)
    (page,) = pages_text(render_payment_notice(notice))
    assert "城乡居民基本医疗保险费缴费通知单" in page
    assert "户号：3404220010001" in page and "户主：王建国" in page
    assert "示例村一组" in page and "2027年度" in page and "档次：一档" in page
    for line in notice.lines:
        assert line.name in page and line.id_masked in page
    assert "低保" in page and "返贫致贫/监测对象" in page
    assert f"应缴合计：{format_fen(notice.total_fen, symbol=True)}" in page
    assert fen_to_capitals(notice.total_fen) in page
    assert "2026年12月31日" in page
    assert "13905640001" in page and "李会计" in page
    assert "国家医保服务平台" in page
    assert "示例村村民委员会（盖章）" in page


@pytest.mark.parametrize(
    "render",
    [
        lambda: render_daily_ledger(specimen_daily_ledger(40, 2)),
        lambda: render_settlement(specimen_settlement()),
        lambda: render_deposit_list(specimen_deposit_list(4)),
        lambda: render_payment_notice(specimen_notice(3)),
    ],
)
def test_reports_embed_their_only_font(render: Callable[[], bytes], tmp_path: Path) -> None:
    pdf = render()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor
    if shutil.which("pdffonts") is None:
        return
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    rows = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                          check=True).stdout.splitlines()[2:]
    assert rows
    assert all("WenQuanYi" in row and row.split()[-5] == "yes" for row in rows)
