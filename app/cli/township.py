"""`yibao township …`: the township finance office's actions, and a village's USB exchange
with it. Each handler calls one service function."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from app.cli.shared import Command, Handler, open_ws
from app.domain.money import parse_yuan


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}") from None


def _run(fn_name: str, module: str, **fixed: Any) -> Handler:
    """A handler opening the workspace and calling ``module.fn_name(ws, **args)``."""

    def handler(args: argparse.Namespace) -> Any:
        import importlib

        fn = getattr(importlib.import_module(f"app.services.{module}"), fn_name)
        values = {k: getattr(args, k) for k in fixed.get("args", ())}
        positional = [getattr(args, k) for k in fixed.get("positional", ())]
        with open_ws(args, reads_only=fixed.get("reads", False)) as ws:
            return fn(ws, *positional, **values)

    return handler


def _issue(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.township.books import issue_book

    with open_ws(args) as ws:
        return issue_book(ws, series=args.series, first=args.first, last=args.last,
                          village=args.village, collector=args.collector,
                          override_reason=args.override_reason)


def _bank_add(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.township.money import add_bank_credit

    with open_ws(args) as ws:
        return add_bank_credit(ws, amount_fen=parse_yuan(args.amount), credit_date=args.date,
                               bank_ref=args.ref, payer=args.payer, memo=args.memo)


def _match(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.township.money import auto_match, match_deposit

    with open_ws(args) as ws:
        if args.deposit and args.credit:
            return match_deposit(ws, deposit_id=args.deposit, credit_id=args.credit)
        return auto_match(ws)


def _refund_paid(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.township.refunds import mark_refund_paid

    with open_ws(args) as ws:
        return mark_refund_paid(ws, device_id=args.device, refund_id=args.refund_id,
                                reference=args.reference, paid_on=args.date)


def _progress(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.township.progress import export_progress, progress

    with open_ws(args, reads_only=True) as ws:
        if args.export:
            return export_progress(ws, args.export, campaign_year=args.year)
        return progress(ws, campaign_year=args.year)


def _reconcile(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.township.reconcile import reconcile_villages, village_receipts

    with open_ws(args, reads_only=True) as ws:
        if args.village:
            return {"village": args.village,
                    "receipts": village_receipts(ws, args.village, args.collector)}
        return reconcile_villages(ws)


def _incentive(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.township.progress import set_incentive

    with open_ws(args) as ws:
        return set_incentive(ws, reward_fen_per_person=parse_yuan(args.per_person),
                             deadline=args.deadline)


def register(cmd: Command) -> None:
    top = cmd.sub.add_parser("township", help="乡镇财政所：票据领用核销、缴存核对、对账、进度",
                             description="乡镇财政所：票据领用核销、缴存核对、对账、进度")
    groups = top.add_subparsers(dest="township_command", metavar="COMMAND", required=True)
    sections: dict[str, argparse._SubParsersAction] = {}
    titles = {"book": "票据入库、领用、核销", "void": "作废票据联次确认", "bank": "银行到账",
              "deposit": "缴存核对", "targets": "征缴任务", "categories": "资助对象认定"}

    def add(path: str, handler: Handler, text: str) -> argparse.ArgumentParser:
        parent = groups
        if " " in path:
            section, path = path.split(" ", 1)
            if section not in sections:
                sp = groups.add_parser(section, help=titles[section], description=titles[section])
                sections[section] = sp.add_subparsers(dest=f"township_{section}",
                                                      metavar="COMMAND", required=True)
            parent = sections[section]
        p = parent.add_parser(path, help=text, description=text)
        cmd._add_common(p)
        p.set_defaults(handler=handler)
        return p

    p = add("book receive", _run("receive_books", "township.books",
                                 args=("series", "first", "last", "width")),
            "登记从县里领到的票据（入库）")
    p.add_argument("--series", required=True)
    p.add_argument("--first", type=int, required=True)
    p.add_argument("--last", type=int, required=True)
    p.add_argument("--width", type=int)
    p = add("book issue", _issue, "把一本票据发给某村的收款员（领用，验旧换新）")
    p.add_argument("--series", required=True)
    p.add_argument("--first", type=int, required=True)
    p.add_argument("--last", type=int, required=True)
    p.add_argument("--village", required=True)
    p.add_argument("--collector", required=True)
    p.add_argument("--override-reason", help="上一本未核销仍要发放时的原因")
    p = add("book check", _run("settlement_check", "township.books", reads=True,
                               positional=("allocation_id",)), "核销前检查一本票据")
    p.add_argument("allocation_id")
    p = add("book settle", _run("settle_book", "township.books", positional=("allocation_id",),
                                args=("note",)), "核销一本票据（结报，未用票号按缴销处理）")
    p.add_argument("allocation_id")
    p.add_argument("--note", default="")
    add("book list", _run("issued_books", "township.books", reads=True), "已发放的票据及使用情况")
    add("book stock", _run("stock", "township.books", reads=True), "已入库的票据")
    p = add("void confirm", _run("confirm_void", "township.books",
                                 args=("series", "number", "note")), "确认作废票据的各联已收回")
    p.add_argument("--series", required=True)
    p.add_argument("--number", type=int, required=True)
    p.add_argument("--note", default="")

    p = add("bank import", _run("import_bank_statement", "township.money",
                                positional=("file",)), "导入银行对账单 CSV（到账）")
    p.add_argument("file", type=Path)
    p = add("bank add", _bank_add, "登记一笔银行到账")
    p.add_argument("--amount", required=True, help="金额（元）")
    p.add_argument("--date", type=_date, required=True)
    p.add_argument("--ref", required=True, help="银行流水号")
    p.add_argument("--payer", default="")
    p.add_argument("--memo", default="")
    p = add("deposit match", _match, "核对缴存与银行到账（不给参数时自动核对）")
    p.add_argument("--deposit", help="缴存编号")
    p.add_argument("--credit", help="银行到账编号")
    add("deposit list", _run("deposit_matching", "township.money", reads=True), "缴存与到账，含未核对的")
    p = add("match-noncash", _run("match_noncash", "township.money",
                                  args=("credit_id", "device_id", "payment_id")),
            "把一笔微信/银行等非现金收款与银行到账核对")
    p.add_argument("--credit", dest="credit_id", required=True, help="银行到账编号")
    p.add_argument("--device", dest="device_id", required=True, help="村设备编号")
    p.add_argument("--payment", dest="payment_id", required=True, help="收款编号")
    add("noncash", _run("noncash_receipts", "township.money", reads=True),
        "各村非现金收款及其银行到账核对情况")
    add("refunds", _run("township_refund_requests", "township.refunds", reads=True),
        "各村向乡镇财政所提出的退费申请（含是否已支付）")
    p = add("refund-paid", _refund_paid, "登记一笔退费申请已由财政所支付")
    p.add_argument("--device", required=True, help="村设备编号")
    p.add_argument("--refund-id", required=True, help="退费编号")
    p.add_argument("--reference", required=True, help="支付凭证号或银行流水号")
    p.add_argument("--date", type=_date, help="支付日期（默认今天）")

    p = add("reconcile", _reconcile, "各村各收款员票款人核对（--village 查看票据明细）")
    p.add_argument("--village")
    p.add_argument("--collector")
    p = add("progress", _progress, "各村、各村民小组征缴进度（--export 导出 xlsx/pdf）")
    p.add_argument("--year", type=int)
    p.add_argument("--export", type=Path)
    p = add("targets load", _run("load_targets", "township.progress", positional=("file",)),
            "导入征缴任务 CSV（村, 村民小组, 任务人数）")
    p.add_argument("file", type=Path)
    p = add("targets set", _run("set_target", "township.progress",
                                args=("village", "target", "group")), "录入一个村或村民小组的征缴任务")
    p.add_argument("--village", required=True)
    p.add_argument("--group", default="")
    p.add_argument("--target", type=int, required=True)
    p = add("village-name", _run("set_village_name", "township.progress",
                                 args=("village", "name")), "设置村名（报表显示村名而非村代码）")
    p.add_argument("--village", required=True, help="村代码")
    p.add_argument("--name", required=True, help="村名")
    p = add("incentive", _incentive, "设置奖励标准（元/人）和按期完成的截止日期")
    p.add_argument("--per-person", required=True, help="每参保一人奖励（元）")
    p.add_argument("--deadline", type=_date)
    p = add("categories import", _run("import_certifications", "township.categories",
                                      positional=("file",), args=("department",)),
            "导入资助对象认定名单 CSV，下发到各村")
    p.add_argument("file", type=Path)
    p.add_argument("--department")

    p = add("import-bundle", _run("import_village_bundle", "exchange.township_bundles",
                                  positional=("file",)), "导入村里带来的数据包")
    p.add_argument("file", type=Path)
    p = add("export-bundle", _run("export_village_reply", "exchange.township_bundles",
                                  positional=("device", "out")), "为一台村设备导出票据、核销、资助认定数据包")
    p.add_argument("device", help="村设备编号")
    p.add_argument("--out", type=Path, required=True)
    p = add("key", _run("export_township_key", "exchange.township_bundles", positional=("out",)),
            "导出财政所公钥文件（交给没有网络的村）")
    p.add_argument("--out", type=Path, required=True)

    # A collector's side of the USB exchange with the township.
    p = add("send", _run("export_for_township", "exchange.township_bundles", positional=("out",),
                         args=("township_key",)), "收款员：导出本机数据包交给财政所")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--township-key", type=Path, required=True)
    p = add("receive", _run("import_township_reply", "exchange.township_bundles", positional=("file",)),
            "收款员：导入财政所的数据包（票据、核销、资助认定）")
    p.add_argument("file", type=Path)
    add("allocation-check", _run("allocation_problems", "township.books", reads=True),
        "收款员：本机登记的票据与财政所发放的是否一致")
