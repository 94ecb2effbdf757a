"""Receipt and report PDFs, receipt QR verification, device key export."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from app.cli.ledger import _date
from app.cli.shared import CheckFailed, Command, open_ws
from app.domain.errors import ValidationError
from db.fsutil import write_atomic


def _write(out: Path, data: bytes) -> dict[str, Any]:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, data)
    return {"out": str(out), "bytes": len(data)}


def _receipt_pdf(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.papers.printing import overlay_pdf, receipt_pdf

    with open_ws(args, reads_only=True) as ws:
        if args.overlay:
            data = overlay_pdf(ws, args.number, series=args.series)
        else:
            data = receipt_pdf(ws, args.number, series=args.series, reprint=args.reprint,
                               layout=args.layout)
    return _write(args.out, data)


def _receipt_verify(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.papers.receipt_qr import (
        check_receipt_qr,
        parse_device_keys,
        verify_receipt_qr,
    )

    if args.pubkey:
        try:
            docs = [json.loads(Path(p).read_text(encoding="utf-8")) for p in args.pubkey]
        except (OSError, ValueError) as exc:
            raise ValidationError(f"无法读取设备公钥文件：{exc}") from exc
        result = verify_receipt_qr(args.qr_text, parse_device_keys(docs))
    else:
        with open_ws(args, reads_only=True) as ws:
            result = check_receipt_qr(ws, args.qr_text)
    if not result["valid"] or result.get("ledger") not in (None, "ok"):
        raise CheckFailed(result)
    return result


def _receipt_qr(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.papers.receipt_qr import receipt_qr

    with open_ws(args, reads_only=True) as ws:
        return receipt_qr(ws, args.number, series=args.series)


def _device_key(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.papers.receipt_qr import device_public_key

    with open_ws(args, reads_only=True) as ws:
        doc = device_public_key(ws)
    if args.out:
        _write(args.out, json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"))
    return doc


def _report_daily(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.base.common import business_date, utc_now
    from app.services.papers.printing import daily_report_pdf

    day: date = args.date or business_date(utc_now())
    with open_ws(args, reads_only=True) as ws:
        return _write(args.out, daily_report_pdf(ws, day))


def _report_settlement(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.papers.printing import settlement_pdf

    with open_ws(args, reads_only=True) as ws:
        return _write(args.out, settlement_pdf(ws, args.series, args.first))


def _report_deposits(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.papers.printing import deposit_list_pdf

    with open_ws(args, reads_only=True) as ws:
        return _write(args.out, deposit_list_pdf(ws))


def _report_notice(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.papers.printing import payment_notice_pdf

    with open_ws(args, reads_only=True) as ws:
        return _write(args.out, payment_notice_pdf(ws, args.household, args.tier))


def _report_coverage(report: str) -> Any:
    """征缴进度表 / 资助参保人员名册: the township's across its villages, a village's its own."""
    def run(args: argparse.Namespace) -> dict[str, Any]:
        from app.services.base.roles import has_role
        from app.services.papers.coverage import export_village_report
        from app.services.township.progress import export_township_report

        out = Path(args.out)
        if args.format and out.suffix.lower() != f".{args.format}":
            out = out.with_name(f"{out.name}.{args.format}")
        with open_ws(args) as ws:
            export = export_township_report if has_role(ws, "township") \
                else export_village_report
            return export(ws, out, report=report, campaign_year=args.year)
    return run


def _calibration(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.papers.printing import calibration_pdf

    with open_ws(args, reads_only=True) as ws:
        return _write(args.out, calibration_pdf(ws))


def register(cmd: Command) -> None:
    p = cmd.add("pdf", _receipt_pdf, "生成票据 PDF（三联或单联；--overlay 套打）", group="receipt")
    p.add_argument("number")
    p.add_argument("--series")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--reprint", action="store_true", help="补打")
    p.add_argument("--layout", choices=["three_part", "single"])
    p.add_argument("--overlay", action="store_true", help="套打：只打印可变内容")
    p = cmd.add("verify", _receipt_verify,
                "校验收据二维码（有效/伪造/未知设备），本机收据再与账目核对", group="receipt")
    p.add_argument("qr_text")
    p.add_argument("--pubkey", action="append", type=Path, help="设备公钥文件（可多个）")
    p = cmd.add("qr", _receipt_qr, "显示已开具收据的二维码内容", group="receipt")
    p.add_argument("number")
    p.add_argument("--series")
    p = cmd.add("pubkey", _device_key, "导出本设备的收据签名公钥", group="device")
    p.add_argument("--out", type=Path)
    p = cmd.add("daily", _report_daily, "收款日报（台账）PDF", group="report")
    p.add_argument("--date", type=_date)
    p.add_argument("--out", type=Path, required=True)
    p = cmd.add("settlement", _report_settlement, "票据核销表 PDF", group="report")
    p.add_argument("--series", required=True)
    p.add_argument("--first", type=int, help="同一字轨有多本时的起始号")
    p.add_argument("--out", type=Path, required=True)
    p = cmd.add("deposits", _report_deposits, "缴存明细 PDF", group="report")
    p.add_argument("--out", type=Path, required=True)
    p = cmd.add("notice", _report_notice, "缴费通知单 PDF", group="report")
    p.add_argument("household")
    p.add_argument("--tier", required=True)
    p.add_argument("--out", type=Path, required=True)
    for name, report, title in (("coverage", "coverage", "征缴进度表（各村/村民小组、奖惩）"),
                                ("subsidised", "subsidised", "资助参保人员名册（按类别、资金渠道）")):
        p = cmd.add(name, _report_coverage(report), f"{title} PDF 或 xlsx", group="report")
        p.add_argument("--out", type=Path, required=True)
        p.add_argument("--format", choices=["pdf", "xlsx"],
                       help="文件格式（默认按 --out 的扩展名）")
        p.add_argument("--year", type=int, help="征缴年度（默认当前）")
    p = cmd.add("calibration", _calibration, "套打校准页 PDF", group="print")
    p.add_argument("--out", type=Path, required=True)
