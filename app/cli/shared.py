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
from db.applock import IN_USE_MESSAGE, DatabaseInUse, app_is_running

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


RECOVERY_CODE_ENV = "YIBAO_RECOVERY_CODE"
ENROL_CODE_ENV = "YIBAO_ENROL_CODE"


def read_secret(env: str, what: str, *, file: Path | None = None, prompt: str | None = None,
                required: bool = True) -> str | None:
    """A code from ``--code-file``, else the environment variable ``env``, else a hidden
    prompt on a terminal (``prompt``): never from argv, where other local users can read it
    in the process list. None when not ``required`` and none is given."""
    if file is not None:
        try:
            text = Path(file).read_text(encoding="utf-8-sig").strip()
        except (OSError, ValueError) as exc:
            raise ValidationError(f"无法读取{what}文件：{file}") from exc
        if not text:
            raise ValidationError(f"{what}文件是空的：{file}")
        return text
    value = os.environ.get(env)
    if value:
        return value.strip()
    if prompt is not None and sys.stdin and sys.stdin.isatty():
        return getpass.getpass(prompt).strip()
    if not required:
        return None
    raise ValidationError(f"需要{what}：请设置环境变量 {env}、用 --code-file 指定存放它的文件，"
                          "或在终端中运行后按提示输入")


class _RefuseOnArgv(argparse.Action):
    """``--code VALUE`` on the command line: refused (exit 2) with the safe ways to give it."""

    def __init__(self, option_strings: list[str], dest: str, *, env: str, what: str,
                 **kwargs: Any) -> None:
        self.env, self.what = env, what
        kwargs.setdefault("help", f"已停用（命令行会被其他用户从进程列表看到）：{what}请用环境变量 "
                                  f"{env}、--code-file 文件或终端提示输入")
        super().__init__(option_strings, dest, nargs="?", default=None, metavar="（勿用）",
                         **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        parser.error(f"为安全起见，{self.what}不能写在命令行上（本机其他用户能从进程列表看到）："
                     f"请设置环境变量 {self.env}，或用 --code-file 文件，或不带此参数在终端中"
                     "运行、按提示输入")


def add_code_arguments(p: argparse.ArgumentParser, *, env: str, what: str) -> None:
    """``--code-file FILE`` and the refused ``--code`` for a command that takes a secret."""
    p.add_argument("--code-file", type=Path,
                   help=f"存放{what}的文件（也可用环境变量 {env}，或在终端中按提示输入；"
                        "不要把它写在命令行上）")
    p.add_argument("--code", action=_RefuseOnArgv, env=env, what=what)


def open_ws(args: argparse.Namespace, *, reads_only: bool = False) -> Workspace:
    """The workspace for one command. While the desktop has the database open (its lock file,
    db/applock.py) a command that writes is refused, and one that only reads (``reads_only``)
    gets a read-only connection."""
    running = app_is_running(args.db)
    if running and not reads_only:
        raise DatabaseInUse(IN_USE_MESSAGE)
    ws = open_workspace(args.db, user=args.user, passphrase=read_passphrase(),
                        read_only=running)
    for warning in ws.warnings:  # said, and the command goes on
        print(f"yibao: 注意：{warning}", file=sys.stderr)
    return ws


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
