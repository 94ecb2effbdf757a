"""Receipts and reports drawn from a real ledger, read back as a township clerk would."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pypdf
import pytest

from app.services.base.settings import set_setting
from app.services.papers.printing import (
    calibration_pdf,
    daily_report_pdf,
    payment_notice_pdf,
    receipt_document,
    receipt_pdf,
    settlement_pdf,
)
from app.services.papers.receipt_qr import device_public_key
from app.services.village.books import mark_printed, register_book, void_receipt
from app.services.village.campaigns import load_policy
from app.services.village.cash import record_deposit
from app.services.village.collect import collect_household
from app.services.village.roster import add_household, add_person
from tests.conftest import DATA, PASSPHRASE, run_cli

NOW = datetime(2026, 11, 20, 2, 15, tzinfo=UTC)  # 10:15 in Shanghai


def _text(pdf: bytes) -> str:
    import io

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def village(ws):
    load_policy(ws, DATA / "policy-two-tier.json")
    set_setting(ws, "village_name", "示例村")
    register_book(ws, series="皖医保", first=12001, last=12050)
    add_household(ws, household_no="3404220010001", head_name="王建国", group="一组")
    add_person(ws, household_no="3404220010001", name="王建国", id_number="340422196503120211",
               relation="户主")
    add_person(ws, household_no="3404220010001", name="李秀英", id_number="340422196807050427",
               relation="配偶")
    return ws


def test_receipt_pdf_shows_every_field(village):
    done = collect_household(village, household_no="3404220010001", tier_code="1", now=NOW)
    text = _text(receipt_pdf(village, done.receipt_no))
    for expected in ("城乡居民基本医疗保险费专用收据", "皖医保", "00012001", "王建国", "李秀英",
                     "3404220010001", "示例村一组", "340422********0211", "一档", "380.00",
                     "¥760.00", "柒佰陆拾元整", "现金", "李会计", "2026-11-20 10:15", "390",
                     "2027", "存根联", "收据联", "记账联"):
        assert expected in text, expected
    assert "340422196503120211" not in text


def test_voided_and_reprinted_receipts_are_marked(village):
    done = collect_household(village, household_no="3404220010001", tier_code="1", now=NOW)
    mark_printed(village, done.receipt_no)
    assert "补打" in _text(receipt_pdf(village, done.receipt_no, reprint=True))
    void_receipt(village, done.receipt_no, reason="打印错位", now=NOW)
    text = _text(receipt_pdf(village, done.receipt_no))
    assert "作废" in text and "打印错位" in text


def test_reports_from_the_ledger(village):
    first = collect_household(village, household_no="3404220010001", tier_code="1", now=NOW)
    void_receipt(village, first.receipt_no, reason="填错户", now=NOW)
    collect_household(village, household_no="3404220010001", tier_code="2", now=NOW)
    record_deposit(village, amount_fen=100000, slip_no="BK-1", now=NOW)
    daily = _text(daily_report_pdf(village, NOW.date()))
    assert "00012002" in daily and "填错户" in daily and "1,280.00" in daily
    settle = _text(settlement_pdf(village, "皖医保"))
    assert "00012003" in settle and "BK-1" in settle and "1,280.00" in settle
    assert "第 1 页" in settle
    assert calibration_pdf(village).startswith(b"%PDF")


def test_payment_notice_lists_unpaid_members(village):
    text = _text(payment_notice_pdf(village, "3404220010001", "1"))
    assert "缴费通知单" in text and "李秀英" in text and "760.00" in text


def test_qr_verifies_through_the_cli_and_a_forgery_does_not(village, new_db, tmp_path):
    done = collect_household(village, household_no="3404220010001", tier_code="1", now=NOW)
    qr = receipt_document(village, done.receipt_no).qr_text
    # The journal carries the same signed text, for the township to check offline.
    event = json.loads(village.conn.execute(
        "SELECT payload FROM journal WHERE type = 'payment.collected'").fetchone()[0])
    assert event["receipt"]["qr"] == qr
    key_file = tmp_path / "device.json"
    key_file.write_text(json.dumps(device_public_key(village)), encoding="utf-8")
    village.close()
    ok = run_cli("receipt", "verify", qr, "--pubkey", str(key_file), "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["status"] == "valid"
    ok_local = run_cli("receipt", "verify", qr, "--db", str(new_db.path), "--json",
                       env={"YIBAO_PASSPHRASE": PASSPHRASE})
    assert json.loads(ok_local.stdout)["status"] == "valid"
    import base64

    body, sig = qr[4:].split(".")
    fields = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    amount_key = next(k for k, v in fields.items() if v == 76000)
    fields[amount_key] = 7600
    forged_body = base64.urlsafe_b64encode(json.dumps(
        fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()).decode()
    forged = qr[:4] + forged_body.rstrip("=") + "." + sig
    bad = run_cli("receipt", "verify", forged, "--pubkey", str(key_file), "--json")
    assert bad.returncode == 1 and json.loads(bad.stdout)["status"] == "forged"
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**json.loads(key_file.read_text()), "device_id": "x"}),
                     encoding="utf-8")
    unknown = run_cli("receipt", "verify", qr, "--pubkey", str(other), "--json")
    assert json.loads(unknown.stdout)["status"] == "unknown_device"


def test_receipt_pdf_cli_writes_the_file(village, new_db, tmp_path):
    done = collect_household(village, household_no="3404220010001", tier_code="1", now=NOW)
    village.close()
    out = tmp_path / "papers" / "r.pdf"
    res = run_cli("receipt", "pdf", done.receipt_no, "--out", str(out), "--db",
                  str(new_db.path), "--json", env={"YIBAO_PASSPHRASE": PASSPHRASE})
    assert res.returncode == 0, res.stderr
    assert "柒佰陆拾元整" in _text(out.read_bytes())
    res = run_cli("receipt", "pdf", "12040", "--out", str(tmp_path / "x.pdf"), "--db",
                  str(new_db.path), env={"YIBAO_PASSPHRASE": PASSPHRASE})
    assert res.returncode == 1 and "没有开具" in res.stderr
