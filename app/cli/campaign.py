"""Next year's campaign (campaign start), the chase list (export chase, report
chase-notice[s]) and the tax bureau's batch file (export tax)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli.shared import Command, open_ws
from db.fsutil import write_atomic


def _start(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.campaigns import start_campaign

    with open_ws(args) as ws:
        return start_campaign(ws, Path(args.file))


def export_chase(args: argparse.Namespace) -> dict[str, Any]:
    """`yibao export chase --out F` (called by the export command)."""
    from app.services.views.chase import export_chase as export

    with open_ws(args, reads_only=True) as ws:
        result = export(ws, Path(args.out))
    if not args.json:  # a person reads the summary; the rows are in the file
        result.pop("people")
    return result


def export_tax(args: argparse.Namespace) -> dict[str, Any]:
    """`yibao export tax --layout FILE --out F [--year BENEFIT_YEAR]`."""
    from app.domain.errors import ValidationError
    from app.services.papers.tax_export import export_tax as export

    if not args.layout:
        raise ValidationError("导出报税文件需要格式文件：--layout FILE（见 docs/examples/"
                              "tax-layout-example.json）")
    with open_ws(args, reads_only=True) as ws:
        return export(ws, Path(args.layout), Path(args.out), benefit_year=args.year)


def _write(out: Path, data: bytes) -> dict[str, Any]:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, data)
    return {"out": str(out), "bytes": len(data)}


def _chase_notice(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.papers.chase_notices import chase_notice_pdf

    with open_ws(args, reads_only=True) as ws:
        return _write(args.out, chase_notice_pdf(ws, args.household))


def _chase_notices(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.papers.chase_notices import chase_notices_pdf

    with open_ws(args, reads_only=True) as ws:
        made = chase_notices_pdf(ws)
    return {**_write(args.out, made.pop("pdf")), **made}


def register(cmd: Command) -> None:
    p = cmd.add("start", _start, "开始下一年度征缴：导入新年度政策，沿用花名册、上年档次和有效的资助类别",
                group="campaign")
    p.add_argument("file", help="新年度的政策文件（yibao.policy/1）")
    p = cmd.add("chase-notice", _chase_notice, "一户的催缴通知单 PDF（上年参保、本年未续保）",
                group="report")
    p.add_argument("household")
    p.add_argument("--out", type=Path, required=True)
    p = cmd.add("chase-notices", _chase_notices, "催缴名单上每户的催缴通知单，合成一个 PDF",
                group="report")
    p.add_argument("--out", type=Path, required=True)
