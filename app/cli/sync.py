"""County sync subcommands: enrol, sync (and sync status), bundle export/import, refund-tasks."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli.shared import ENROL_CODE_ENV, Command, add_code_arguments, open_ws, read_secret


def _enrol(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.exchange.county import enrol_device

    code = read_secret(ENROL_CODE_ENV, "登记码", file=args.code_file, prompt="登记码: ")
    with open_ws(args) as ws:
        return enrol_device(ws, server_url=args.server, code=code,
                            ca_bundle=args.ca_bundle, county_key=args.county_key)


def _sync(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.exchange.county import sync_now

    with open_ws(args) as ws:
        return sync_now(ws, server_url=args.server)


def _status(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.exchange.county import sync_status

    with open_ws(args, reads_only=True) as ws:
        return sync_status(ws)


def _export(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.exchange.county_bundles import export_bundle

    # Only a device not yet enrolled needs it; never prompted for, as most exports need none.
    code = read_secret(ENROL_CODE_ENV, "登记码", file=args.code_file, required=False)
    with open_ws(args) as ws:
        return export_bundle(ws, args.out, county_key=args.county_key, code=code)


def _import(args: argparse.Namespace) -> dict[str, Any]:
    from app.services.exchange.county_bundles import import_bundle

    with open_ws(args) as ws:
        return import_bundle(ws, args.file)


def _refund_tasks(args: argparse.Namespace) -> list[dict[str, Any]]:
    from app.services.exchange.county import list_refund_tasks

    with open_ws(args, reads_only=True) as ws:
        tasks = list_refund_tasks(ws)
    return tasks if args.all else [t for t in tasks if t["status"] == "open"]


def register(cmd: Command) -> None:
    p = cmd.add("enrol", _enrol, "用一次性登记码把本机登记到县医保服务器（登记码来自环境变量 "
                f"{ENROL_CODE_ENV}、--code-file 文件或终端提示，从不写在命令行上）")
    p.add_argument("--server", required=True, help="县医保服务器地址，例如 https://yb.example.gov.cn")
    add_code_arguments(p, env=ENROL_CODE_ENV, what="登记码")
    p.add_argument("--ca-bundle", help="县医保 CA 证书文件（PEM）")
    p.add_argument("--county-key", type=Path, help="县医保公钥文件：用于核对服务器身份")

    p = cmd.add("sync", _sync, "与县医保服务器同步（先上传，再下载）")
    p.add_argument("--server", help="服务器地址（默认用登记时的地址）")
    sub = p.add_subparsers(dest="sync_command", metavar="COMMAND")
    status = sub.add_parser("status", help="待同步条数、上次同步时间、退费任务",
                            description="待同步条数、上次同步时间、退费任务")
    cmd._add_common(status)
    status.set_defaults(handler=_status)

    p = cmd.add("export", _export, "导出同步数据包（U 盘带到乡镇/县医保）", group="bundle")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--county-key", type=Path, help="县医保公钥文件（本机未联网登记时必填）")
    add_code_arguments(p, env=ENROL_CODE_ENV, what="登记码（本机尚未登记时随数据包一起登记）")
    p = cmd.add("import", _import, "导入县医保的回执数据包", group="bundle")
    p.add_argument("file", type=Path)

    p = cmd.add("refund-tasks", _refund_tasks, "县医保通知的退费任务（重复参保等）")
    p.add_argument("--all", action="store_true", help="包括已退费或已作废的")
