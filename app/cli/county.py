"""`yibao county …`: the county's lists by file (线上缴费、职工医保、重复参保反馈、资助参保名单),
in the village and at the township. Each handler calls one service function."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli.shared import Command, open_ws

_KINDS = ("online", "employee", "duplicates", "categories")


def _import(args: argparse.Namespace) -> Any:
    from app.services.base.roles import has_role
    from app.services.township.county_lists import import_county_list_at_township
    from app.services.village.county_lists import import_county_list

    with open_ws(args) as ws:
        # At the township a subsidy list also certifies the categories it names.
        if has_role(ws, "township"):
            return import_county_list_at_township(ws, args.file, kind=args.kind)
        return import_county_list(ws, args.file, kind=args.kind)


def _lists(args: argparse.Namespace) -> Any:
    from app.services.village.county_lists import county_lists

    with open_ws(args) as ws:
        return {"lists": county_lists(ws)}


def register(cmd: Command) -> None:
    p = cmd.add("import", _import, "导入县医保名单（.xlsx/.csv）：线上缴费、职工医保、重复参保反馈、"
                "资助参保名单（资助名单只由财政所导入）；不指定 --kind 时按表头判断",
                group="county")
    p.add_argument("file", type=Path, help="名单文件 .xlsx 或 .csv")
    p.add_argument("--kind", choices=_KINDS, default=None,
                   help="名单类型：online 线上缴费 / employee 职工医保 / duplicates 重复参保反馈 / "
                        "categories 资助参保名单")
    cmd.add("lists", _lists, "已导入或同步收到的县医保名单：类型、来源、日期、条数", group="county")
