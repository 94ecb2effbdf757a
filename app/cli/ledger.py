"""Ledger subcommands: policy, roster, book, collect, receipt, refund, deposit, cash, reconcile."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from app.cli.shared import Command, open_ws
from app.domain.errors import ValidationError
from app.domain.events import ENROLMENT_END_REASONS
from app.domain.money import parse_yuan


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}") from None


def _policy_load(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.campaigns import load_policy

    with open_ws(args) as ws:
        loaded = load_policy(ws, Path(args.file), activate=not args.no_activate)
    for warning in loaded["warnings"]:  # said on stderr too, where a script's user sees it
        print(f"yibao: 注意：{warning}", file=sys.stderr)
    return loaded


def _policy_list(args: argparse.Namespace) -> list[dict[str, Any]]:
    from app.services.village.campaigns import list_campaigns

    with open_ws(args, reads_only=True) as ws:
        return list_campaigns(ws)


def _roster_find(args: argparse.Namespace) -> list[dict[str, Any]]:
    from app.services.village.roster import find_households

    with open_ws(args, reads_only=True) as ws:
        return find_households(ws, args.query, limit=args.limit)


def _roster_show(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.collect import household_fees, member_enrolments
    from app.services.village.roster import household_by_no, household_members

    with open_ws(args, reads_only=True) as ws:
        if args.tier:
            shown = household_fees(ws, args.household, args.tier)
            members = shown["members"]
        else:
            shown = household_by_no(ws, args.household)
            members = household_members(ws, shown["household_id"])
        enrolments = member_enrolments(ws, shown["household_id"])
        return {**shown, "members": [{**m, **enrolments[m["person_id"]]} for m in members]}


def _add_household(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.roster import add_household

    with open_ws(args) as ws:
        return add_household(ws, household_no=args.no, head_name=args.head, group=args.group,
                             address=args.address, phone=args.phone)


def _sex(text: str | None) -> int | None:
    if text is None:
        return None
    mapping = {"1": 1, "男": 1, "m": 1, "male": 1, "2": 2, "女": 2, "f": 2, "female": 2}
    if text.strip().lower() not in mapping:
        raise ValidationError(f"性别应为 男/女（1/2），不是“{text}”")
    return mapping[text.strip().lower()]


def _add_person(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.roster import add_person

    with open_ws(args) as ws:
        return add_person(ws, household_no=args.household, name=args.name,
                          id_number=args.id_number, id_type=args.id_type,
                          relation=args.relation, residence=args.residence,
                          sex=_sex(args.sex), birth_date=args.birth_date,
                          ethnicity=args.ethnicity, phone=args.phone, note=args.note,
                          categories=tuple(args.category or ()),
                          category_source=args.category_source)


def _set_status(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.roster import set_person_status

    with open_ws(args) as ws:
        return set_person_status(ws, args.person, args.status, note=args.note)


def _assign_id(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.roster import assign_id_number

    with open_ws(args) as ws:
        return assign_id_number(ws, args.person, args.id_number)


def _move(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.roster import move_person

    with open_ws(args) as ws:
        return move_person(ws, args.person, args.to)


def _grant(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.roster import grant_category

    with open_ws(args) as ws:
        return grant_category(ws, args.person, args.category, source=args.source,
                              valid_from=args.valid_from, valid_to=args.valid_to)


def _book_add(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.books import register_book

    with open_ws(args) as ws:
        return register_book(ws, series=args.series, first=args.first, last=args.last,
                             width=args.width)


def _book_next(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.books import next_receipt

    with open_ws(args, reads_only=True) as ws:
        nxt = next_receipt(ws)
        return {"series": nxt.book.series, "number": nxt.formatted, "label": nxt.label,
                "remaining": nxt.remaining}


def _collect(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.collect import collect_household

    members = None if args.members in (None, "all") else [
        m for m in args.members.split(",") if m.strip()]
    with open_ws(args) as ws:
        return collect_household(ws, household_no=args.household, tier_code=args.tier,
                                 members=members, method=args.method, method_ref=args.ref,
                                 override_reason=args.override, expected_receipt=args.expect,
                                 expected_total_fen=args.expect_total_fen,
                                 newborn=args.newborn).to_dict()


def _void(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.books import void_receipt

    with open_ws(args) as ws:
        return void_receipt(ws, args.number, reason=args.reason, series=args.series)


def _printed(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.books import mark_printed

    with open_ws(args) as ws:
        return mark_printed(ws, args.number, reprint=args.reprint, series=args.series)


def _lost(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.books import mark_lost

    with open_ws(args) as ws:
        return mark_lost(ws, series=args.series, first=args.first, last=args.last or args.first,
                         reason=args.reason)


def _refund(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.refunds import refund_line

    with open_ws(args) as ws:
        return refund_line(ws, receipt_no=args.receipt, id_number=args.id_number,
                           reason=args.reason, series=args.series, paid_by=args.paid_by,
                           note=args.note).to_dict()


def _enrolment_end(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.refunds import end_enrolment

    with open_ws(args) as ws:
        return end_enrolment(ws, id_number=args.id_number, reason=args.reason,
                             note=args.note).to_dict()


def _amount(args: argparse.Namespace) -> int:
    if (args.amount_fen is None) == (args.amount is None):
        raise ValidationError("请给出金额：--amount-fen（分）或 --amount（元）二选一")
    return args.amount_fen if args.amount_fen is not None else parse_yuan(args.amount)


def _deposit(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.cash import record_deposit

    with open_ws(args) as ws:
        return record_deposit(ws, amount_fen=_amount(args), slip_no=args.slip,
                              deposit_date=args.date)


def _cash(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.cash import cash_position

    with open_ws(args, reads_only=True) as ws:
        return cash_position(ws).to_dict()


def _close(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.cash import daily_close

    if (args.counted_fen is None) == (args.counted is None):
        raise ValidationError("请给出清点金额：--counted-fen（分）或 --counted（元）二选一")
    counted = args.counted_fen if args.counted_fen is not None else parse_yuan(args.counted)
    with open_ws(args) as ws:
        return daily_close(ws, counted_fen=counted, note=args.note)


def _reconcile(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.views.reconcile import reconcile

    with open_ws(args, reads_only=True) as ws:
        return reconcile(ws)


def register(cmd: Command) -> None:
    p = cmd.add("load", _policy_load, "导入并校验政策文件（yibao.policy/1）", group="policy")
    p.add_argument("file")
    p.add_argument("--no-activate", action="store_true", help="只导入，不设为当前征缴年度")
    cmd.add("list", _policy_list, "列出已导入的征缴年度", group="policy")

    p = cmd.add("find", _roster_find, "查找户：姓名、拼音首字母、证件号码或后几位、户号",
                group="roster")
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=30)
    p = cmd.add("show", _roster_show, "显示一户的成员（给出 --tier 时显示应缴金额）",
                group="roster")
    p.add_argument("household")
    p.add_argument("--tier")
    p = cmd.add("add-household", _add_household, "新增户", group="roster")
    p.add_argument("--no", required=True, help="户号")
    p.add_argument("--head", required=True, help="户主姓名")
    p.add_argument("--group", default="", help="村民小组")
    p.add_argument("--address", default="")
    p.add_argument("--phone", default="")
    p = cmd.add("add-person", _add_person, "新增成员（新生儿可用出生医学证明登记）",
                group="roster")
    p.add_argument("--household", required=True, help="户号")
    p.add_argument("--name", required=True)
    p.add_argument("--id-number", required=True, help="证件号码")
    p.add_argument("--id-type", default="01",
                   help="证件类型：01 居民身份证、91 出生医学证明、17、07、99")
    p.add_argument("--relation", default="其他", help="与户主关系：户主、配偶、子、女…或代码")
    p.add_argument("--residence", choices=["local", "nonlocal"], default="local")
    p.add_argument("--sex", help="男/女（出生医学证明登记时填写）")
    p.add_argument("--birth-date", type=_date, help="出生日期 YYYY-MM-DD")
    p.add_argument("--ethnicity", default="")
    p.add_argument("--phone", default="")
    p.add_argument("--note", default="")
    p.add_argument("--category", action="append", help="资助类别（仅财政所用户）")
    p.add_argument("--category-source", default="", help="认定部门（民政、乡村振兴…）")
    p = cmd.add("set-status", _set_status, "标记死亡、迁出、参加职工医保等", group="roster")
    p.add_argument("person", help="证件号码或人员编号")
    p.add_argument("status", choices=["active", "deceased", "moved_out", "employee_insured",
                                      "other"])
    p.add_argument("--note", default="")
    p = cmd.add("assign-id", _assign_id, "为新生儿补录身份证号码", group="roster")
    p.add_argument("person")
    p.add_argument("id_number")
    p = cmd.add("move", _move, "把成员迁到另一户", group="roster")
    p.add_argument("person")
    p.add_argument("--to", required=True, help="目标户号")
    p = cmd.add("grant-category", _grant, "认定资助类别（仅财政所用户）", group="roster")
    p.add_argument("person")
    p.add_argument("category")
    p.add_argument("--source", default="")
    p.add_argument("--valid-from", type=_date)
    p.add_argument("--valid-to", type=_date)

    p = cmd.add("add", _book_add, "登记从财政所领用的票据", group="book")
    p.add_argument("--series", required=True, help="字轨，例如：皖医保")
    p.add_argument("--first", type=int, required=True)
    p.add_argument("--last", type=int, required=True)
    p.add_argument("--width", type=int, help="票号位数（默认至少 8 位）")
    cmd.add("next", _book_next, "下一张要使用的票号", group="book")

    p = cmd.add("collect", _collect, "收款并开具票据")
    p.add_argument("--household", required=True, help="户号")
    p.add_argument("--tier", required=True, help="档次代码")
    p.add_argument("--members", default="all", help="all 或用逗号分隔的证件号码")
    p.add_argument("--method", choices=["cash", "wechat", "bank", "other"], default="cash")
    p.add_argument("--ref", help="微信/银行交易参考号")
    p.add_argument("--override", help="征缴期外收款的原因")
    p.add_argument("--expect", help="核对过的纸质票号；与系统下一张不符时拒绝收款")
    p.add_argument("--expect-total-fen", type=int,
                   help="收款员确认过的合计（分）；与收款时计算的不符时拒绝收款")
    p.add_argument("--newborn", action="store_true",
                   help="新生儿参保：按出生当年的年度和价格，自出生之日起参保（单独开票）")

    for name, fn, text in (("void", _void, "作废票据（填写原因）"),
                           ("printed", _printed, "确认票据已打印")):
        p = cmd.add(name, fn, text, group="receipt")
        p.add_argument("number", help="票号")
        p.add_argument("--series", help="字轨（多本票据票号重复时）")
        if name == "void":
            p.add_argument("--reason", required=True)
        else:
            p.add_argument("--reprint", action="store_true", help="补打")
    p = cmd.add("lost", _lost, "登记遗失的空白票据", group="receipt")
    p.add_argument("--series", required=True)
    p.add_argument("--first", type=int, required=True)
    p.add_argument("--last", type=int)
    p.add_argument("--reason", required=True)

    p = cmd.add("refund", _refund, "退费（待遇期开始前）")
    p.add_argument("--receipt", required=True, help="票号")
    p.add_argument("--series")
    p.add_argument("--id-number", required=True)
    p.add_argument("--reason", required=True, choices=list(ENROLMENT_END_REASONS))
    p.add_argument("--paid-by", choices=["cash", "township"], default="cash",
                   help="cash：收款员用现金退付；township：由乡镇财政所退付")
    p.add_argument("--note", help="说明（原因为 other 时必填）")

    p = cmd.add("end", _enrolment_end, "终止未缴费的参保（资助参保），不删除记录",
                group="enrolment")
    p.add_argument("--id-number", required=True)
    p.add_argument("--reason", required=True, choices=list(ENROLMENT_END_REASONS))
    p.add_argument("--note", help="说明（原因为 other 时必填）")

    p = cmd.add("add", _deposit, "登记现金缴存（缴款单）", group="deposit")
    p.add_argument("--amount-fen", type=int)
    p.add_argument("--amount", help="金额（元），例如 1,020.00")
    p.add_argument("--slip", required=True, help="缴款单号")
    p.add_argument("--date", type=_date)
    cmd.add("status", _cash, "现金在手和提醒", group="cash")
    p = cmd.add("close", _close, "日清：清点现金", group="cash")
    p.add_argument("--counted-fen", type=int)
    p.add_argument("--counted", help="清点金额（元）")
    p.add_argument("--note", default="")

    cmd.add("reconcile", _reconcile, "票款人核对：票据、现金和问题清单")


def _import(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.village.roster_import import MovesNotConfirmed, import_roster

    with open_ws(args) as ws:
        try:
            report = import_roster(ws, Path(args.file), dry_run=args.dry_run,
                                   accept_moves=args.accept_moves).to_dict()
        except MovesNotConfirmed as exc:
            raise MovesNotConfirmed(
                f"花名册中有 {len(exc.moves)} 人迁户、{len(exc.renames)} 人改名，未导入：请先用 "
                "--dry-run 核对迁户和改名，确认无误后加 --accept-moves 重新导入",
                exc.moves, exc.renames) from None
    if not args.json:  # a person reads these: one "old → new" line each
        report["moves"] = [f"第 {m['row']} 行 {m['name']}：户 {m['from_household']} → "
                           f"户 {m['to_household']}" for m in report["moves"]]
        report["renames"] = [f"第 {r['row']} 行：{r['from_name']} → {r['to_name']}"
                             for r in report["renames"]]
    return report


def _export(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.papers.exports import export

    if args.kind in ("chase", "tax"):  # app/cli/campaign.py
        from app.cli import campaign
        return (campaign.export_chase if args.kind == "chase" else campaign.export_tax)(args)
    with open_ws(args, reads_only=True) as ws:
        return export(ws, args.kind, Path(args.out))


def register_transfer(cmd: Command) -> None:
    p = cmd.add("import", _import, "导入花名册（.xlsx/.csv）；--dry-run 只检查不写入",
                group="roster")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="只检查并列出变化（含迁户、改名），不写入")
    p.add_argument("--accept-moves", action="store_true",
                   help="确认导入文件中的迁户和改名（先用 --dry-run 核对）；已参加本期征缴的人"
                        "不会被迁户")
    p = cmd.add("export", _export, "导出 Excel/CSV：roster|payments|receipts|deposits|unpaid|"
                "chase（催缴名单）|tax（报税文件，需 --layout）")
    p.add_argument("kind", choices=["roster", "payments", "receipts", "deposits", "unpaid",
                                    "chase", "tax"])
    p.add_argument("--out", required=True)
    p.add_argument("--layout", help="tax：报税格式文件（yibao.tax-layout/1 JSON）")
    p.add_argument("--year", type=int, help="tax：待遇年度（默认当前征缴年度的）")
