"""What every `yibao` subcommand module shares: the command registry, passphrase prompts,
opening the workspace, and the exception that prints a result with exit code 1.

The command modules import their services inside each handler so that `yibao --help` and a
quick `yibao info` do not load the whole application (start-up time on an old laptop)."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app import __version__
from app.domain.errors import ValidationError
from app.services.base.workspace import Workspace, open_workspace

Handler = Callable[[argparse.Namespace], Any]


def read_passphrase(prompt: str = "口令: ") -> str:
    env = os.environ.get("YIBAO_PASSPHRASE")
    if env is not None:
        return env
    if not sys.stdin or not sys.stdin.isatty():
        raise ValidationError("需要口令：请设置环境变量 YIBAO_PASSPHRASE 或在终端中运行")
    return getpass.getpass(prompt)


def read_new_passphrase() -> str:
    env = os.environ.get("YIBAO_NEW_PASSPHRASE")
    if env is not None:
        return env
    if not sys.stdin or not sys.stdin.isatty():
        raise ValidationError("需要新口令：请设置环境变量 YIBAO_NEW_PASSPHRASE 或在终端中运行")
    first = getpass.getpass("新口令: ")
    if getpass.getpass("再输入一次新口令: ") != first:
        raise ValidationError("两次输入的新口令不一致")
    return first


def open_ws(args: argparse.Namespace) -> Workspace:
    return open_workspace(args.db, user=args.user, passphrase=read_passphrase())


class Command:
    """Registry of subcommands, so ledger/sync modules add theirs next to their services."""

    def __init__(self) -> None:
        self.parser = argparse.ArgumentParser(
            prog="yibao",
            description="医保收缴通 — 城乡居民医保收缴（不带子命令时打开桌面程序）",
        )
        self.parser.add_argument("--version", action="version", version=f"yibao {__version__}")
        self._add_common(self.parser, top=True)
        self.sub = self.parser.add_subparsers(dest="command", metavar="COMMAND")
        self.groups: dict[str, argparse._SubParsersAction] = {}

    @staticmethod
    def _add_common(p: argparse.ArgumentParser, *, top: bool = False) -> None:
        # Top-level defaults are real; subcommand copies are SUPPRESS so both
        # `yibao --json info` and `yibao info --json` work.
        dflt = (lambda v: v) if top else (lambda _v: argparse.SUPPRESS)
        p.add_argument("--db", type=Path, default=dflt(None), help="数据库文件路径")
        p.add_argument("--user", default=dflt(None), help="用户名（只有一个用户时可省略）")
        p.add_argument("--json", action="store_true", default=dflt(False), help="输出 JSON")

    def add(self, name: str, handler: Handler, help: str, *,
            group: str | None = None) -> argparse.ArgumentParser:
        if group is None:
            sub = self.sub
        else:
            if group not in self.groups:
                gp = self.sub.add_parser(group, help=f"{group} …")
                self.groups[group] = gp.add_subparsers(dest=f"{group}_command", metavar="COMMAND",
                                                       required=True)
            sub = self.groups[group]
        p = sub.add_parser(name, help=help, description=help)
        self._add_common(p)
        p.set_defaults(handler=handler)
        return p


def print_result(result: Any, as_json: bool) -> None:
    if hasattr(result, "to_dict"):  # a service's typed result
        result = result.to_dict()
    if as_json:
        print(json.dumps(result, ensure_ascii=False, sort_keys=True))
    elif isinstance(result, dict):
        for key, value in result.items():
            if isinstance(value, list | dict):
                value = json.dumps(value, ensure_ascii=False)
            print(f"{key}: {value}")
    elif result is not None:
        print(result)


class CheckFailed(Exception):
    """Raised by a handler whose result is printed but whose exit code must be 1."""

    def __init__(self, result: Any) -> None:
        super().__init__("check failed")
        self.result = result
