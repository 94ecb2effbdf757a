"""`yibao-server`: run the reference county server, and the county's admin commands.

Exit codes as for `yibao`: 0 success, 1 refused (one line on stderr), 2 usage error.
Each command imports what it needs when it runs, so an admin command does not load FastAPI,
uvicorn and the web page templates (start-up time), and `run` does not load the admin code.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.domain.errors import ValidationError, YibaoError
from app.domain.policy import load_policy_file
from server.asgi import DB_URL_ENV, FACTORY

DEFAULT_DB_URL = "sqlite:///yibao-server.db"
DEFAULT_PORT = 8470


def _db_url(args: argparse.Namespace) -> str:
    return args.db_url or os.environ.get(DB_URL_ENV) or DEFAULT_DB_URL


def _with_server(args: argparse.Namespace, work: Callable[[Any], Any]) -> Any:
    from server.kernel import open_server

    srv = open_server(_db_url(args))
    try:
        return work(srv)
    finally:
        srv.close()


def _run(args: argparse.Namespace) -> None:
    import uvicorn

    from server.kernel import open_server
    from server.schema import normalise_url

    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        raise ValidationError("--ssl-certfile 和 --ssl-keyfile 需要同时给出")
    if args.workers < 1:
        raise ValidationError("--workers 至少为 1")
    url = make_url(normalise_url(_db_url(args)))
    if args.workers > 1 and url.get_backend_name() != "postgresql":
        # SQLite lets one writer in at a time: more workers would only queue on its lock.
        raise ValidationError("多个工作进程（--workers）需要 PostgreSQL 数据库；SQLite 只能用 1 个")
    # Tables and the county's keys are made once here, before any worker could race for them;
    # each worker then opens its own engine (server.asgi).
    open_server(_db_url(args)).close()
    scheme = "https" if args.ssl_certfile else "http"
    shown = url.render_as_string(hide_password=True)
    workers = f"，{args.workers} 个工作进程" if args.workers > 1 else ""
    print(f"yibao-server: {scheme}://{args.host}:{args.port}（数据库 {shown}{workers}）",
          file=sys.stderr, flush=True)
    # The workers are started from an import string and read the database from the
    # environment, which they inherit from this process.
    os.environ[DB_URL_ENV] = _db_url(args)
    uvicorn.run(FACTORY, factory=True, workers=args.workers, host=args.host, port=args.port,
                log_level=args.log_level, timeout_keep_alive=5, server_header=False,
                ssl_certfile=args.ssl_certfile, ssl_keyfile=args.ssl_keyfile)


def _enrol_code(args: argparse.Namespace) -> dict[str, Any]:
    from server.enrol import create_enrol_code

    return _with_server(args, lambda s: create_enrol_code(s, village=args.village,
                                                          ttl_hours=args.ttl_hours,
                                                          collector=args.collector))


def _publish_policy(args: argparse.Namespace) -> dict[str, Any]:
    from server.admin import publish_policy

    policy = load_policy_file(args.file)
    return _with_server(args, lambda s: publish_policy(s, policy.to_dict()))


def _load_roster(args: argparse.Namespace) -> dict[str, Any]:
    from server.admin import load_roster
    from server.roster import load_roster_file

    roster = load_roster_file(Path(args.file), village=args.village)
    return _with_server(args, lambda s: load_roster(s, village=roster.village,
                                                    households=roster.households,
                                                    employee_ids=roster.employee_ids))


def _allocate_book(args: argparse.Namespace) -> dict[str, Any]:
    from server.admin import allocate_book

    return _with_server(args, lambda s: allocate_book(
        s, village=args.village, collector=args.collector, series=args.series,
        first=args.first, last=args.last, width=args.width, device_id=args.device))


def _move_book(args: argparse.Namespace) -> dict[str, Any]:
    from server.admin import move_book

    return _with_server(args, lambda s: move_book(
        s, device_id=args.device, allocation_id=args.allocation_id, series=args.series,
        first=args.first))


def _books(args: argparse.Namespace) -> list[dict[str, Any]]:
    from server.admin import list_books

    return _with_server(args, lambda s: list_books(s, village=args.village))


def _alerts(args: argparse.Namespace) -> list[dict[str, Any]]:
    from server.alerts import list_alerts

    return _with_server(args, lambda s: list_alerts(s, kind=args.kind, village=args.village,
                                                     device_id=args.device))


def _external_payment(args: argparse.Namespace) -> dict[str, Any]:
    from server.admin import record_external_payment

    return _with_server(args, lambda s: record_external_payment(
        s, campaign_year=args.year, id_number=args.id_number, channel=args.channel,
        amount_fen=args.amount_fen, paid_at=args.paid_at, village=args.village))


def _conflicts(args: argparse.Namespace) -> list[dict[str, Any]]:
    from server.admin import list_conflicts

    return _with_server(args, list_conflicts)


def _stats(args: argparse.Namespace) -> dict[str, Any]:
    from server.admin import stats

    return _with_server(args, stats)


def _import_bundle(args: argparse.Namespace) -> dict[str, Any]:
    from server.bundles import import_bundle_file

    return _with_server(args, lambda s: import_bundle_file(s, Path(args.file), Path(args.reply)))


def _county_key(args: argparse.Namespace) -> dict[str, Any]:
    from db.fsutil import write_atomic

    def work(srv: Any) -> dict[str, Any]:
        keys = srv.county_keys()
        write_atomic(Path(args.out), json.dumps(keys.model_dump(), indent=2).encode("utf-8"))
        return {"county_key": str(args.out), "server_id": keys.server_id}

    return _with_server(args, work)


def _township(args: argparse.Namespace) -> dict[str, Any]:
    from server.admin import register_township

    return _with_server(args, lambda s: register_township(
        s, code=args.code, name=args.name, villages=args.villages.split(",")))


def _township_code(args: argparse.Namespace) -> dict[str, Any]:
    from server.admin import township_enrol_code

    return _with_server(args, lambda s: township_enrol_code(s, township=args.township,
                                                            ttl_hours=args.ttl_hours))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yibao-server",
                                     description="医保收缴通 县医保参考服务器")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db-url", help=f"数据库地址（默认 {DEFAULT_DB_URL}，"
                                        "PostgreSQL 用 postgresql://user@host/db）")
        p.add_argument("--json", action="store_true", help="输出 JSON")

    run = sub.add_parser("run", help="启动服务器")
    common(run)
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=DEFAULT_PORT)
    run.add_argument("--ssl-certfile", help="TLS 证书（PEM）；不给时用 HTTP，应由前置代理提供 TLS")
    run.add_argument("--ssl-keyfile", help="TLS 私钥（PEM）")
    run.add_argument("--log-level", default="warning",
                     choices=["critical", "error", "warning", "info", "debug"])
    run.add_argument("--workers", type=int, default=1,
                     help="工作进程数（同一端口；多于 1 个时需要 PostgreSQL），默认 1")
    run.set_defaults(handler=_run)

    admin = sub.add_parser("admin", help="管理命令").add_subparsers(
        dest="admin_command", metavar="COMMAND", required=True)

    def add(name: str, handler: Callable[[argparse.Namespace], Any],
            text: str) -> argparse.ArgumentParser:
        p = admin.add_parser(name, help=text, description=text)
        common(p)
        p.set_defaults(handler=handler)
        return p

    p = add("enrol-code", _enrol_code, "为一个村生成一次性设备登记码")
    p.add_argument("--village", required=True, help="村代码")
    p.add_argument("--collector", help="收款员姓名：只有以此用户登记的设备才能使用此码（建议总是给出）")
    p.add_argument("--ttl-hours", type=int, default=72)
    p = add("publish-policy", _publish_policy, "发布征缴政策文件（下发到所有村）")
    p.add_argument("file", type=Path)
    p = add("load-roster", _load_roster, "导入花名册（CSV 或 JSON），下发到村")
    p.add_argument("file", type=Path)
    p.add_argument("--village", help="村代码（CSV 必填）")
    p = add("allocate-book", _allocate_book, "把一本票据分配给某村的收款员")
    p.add_argument("--village", required=True)
    p.add_argument("--collector", required=True, help="收款员姓名（与村里登记的用户名一致）")
    p.add_argument("--series", required=True)
    p.add_argument("--first", type=int, required=True)
    p.add_argument("--last", type=int, required=True)
    p.add_argument("--width", type=int)
    p.add_argument("--device", help="发给这台设备（收款员在本村有多台设备时必填）")
    p = add("move-book", _move_book, "把已分配的票据改发给收款员的另一台设备（如更换电脑）")
    p.add_argument("--device", required=True, help="新设备编号")
    p.add_argument("--allocation-id", help="票据分配编号")
    p.add_argument("--series", help="票据字轨（与 --first 一起指定票据）")
    p.add_argument("--first", type=int, help="票据中的任一票号")
    p = add("books", _books, "列出已分配的票据及其设备")
    p.add_argument("--village")
    p = add("record-external-payment", _external_payment,
            "登记通过微信、税务 App 等渠道的缴费（村里不再重复收款）")
    p.add_argument("--year", type=int, required=True, help="征缴年度")
    p.add_argument("--id-number", required=True)
    p.add_argument("--channel", default="微信")
    p.add_argument("--amount-fen", type=int, required=True)
    p.add_argument("--paid-at", help="缴费时间（ISO 8601，默认现在）")
    p.add_argument("--village", help="只发给这个村（默认所有村）")
    add("conflicts", _conflicts, "列出重复参保等冲突")
    p = add("alerts", _alerts, "列出告警：被账本模型拒收的记录、已同步记录被改写、与会签不符的日志头")
    p.add_argument("--kind", choices=["refused", "rewritten_event", "countersignature_mismatch"])
    p.add_argument("--village")
    p.add_argument("--device")
    add("stats", _stats, "事件、设备、冲突统计")
    p = add("import-bundle", _import_bundle, "导入村里带来的同步数据包，写出回执数据包")
    p.add_argument("file", type=Path)
    p.add_argument("--reply", type=Path, required=True, help="回执数据包输出文件")
    p = add("township", _township, "登记乡镇及其所辖村（乡镇设备可收到这些村的日志）")
    p.add_argument("--code", required=True, help="乡镇代码")
    p.add_argument("--name", required=True, help="乡镇名称")
    p.add_argument("--villages", required=True, help="所辖村代码，逗号分隔")
    p = add("township-code", _township_code, "为乡镇财政所生成一次性设备登记码")
    p.add_argument("--township", required=True)
    p.add_argument("--ttl-hours", type=int, default=72)
    p = add("county-key", _county_key, "导出县医保公钥文件（给没有网络的村导出数据包用）")
    p.add_argument("--out", type=Path, required=True)
    return parser


def _print(result: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, ensure_ascii=False, sort_keys=True))
    elif isinstance(result, dict):
        for key, value in result.items():
            print(f"{key}: {value}")
    elif isinstance(result, list):
        for row in result:
            print(json.dumps(row, ensure_ascii=False, sort_keys=True))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = args.handler(args)
    except YibaoError as exc:
        if args.json:
            print(json.dumps({"error": exc.code, "message": exc.message}, ensure_ascii=False))
        print(f"yibao-server: {exc.message}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"yibao-server: 文件读写失败：{exc}", file=sys.stderr)
        return 1
    except DBAPIError as exc:
        print(f"yibao-server: 无法访问数据库（{type(exc.orig).__name__}）", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    if result is not None:
        _print(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
