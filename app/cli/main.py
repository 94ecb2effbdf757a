"""The `yibao` command line: one subcommand per user action, JSON with --json.

Exit codes: 0 success, 1 refused / failed check (one-line message on stderr), 2 usage error,
3 unexpected internal error (details in the log file, never a traceback on screen).
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys

from app.cli import campaign, county, foundation, ledger, papers, township
from app.cli import sync as sync_commands
from app.cli.shared import CheckFailed, Command, print_result
from app.domain.errors import YibaoError
from app.logsetup import setup_logging
from app.services.base.paths import default_db_path, log_dir
from db.connection import storage_failure

log = logging.getLogger(__name__)


def build() -> Command:
    cmd = Command()
    foundation.register(cmd)
    foundation.register_demo(cmd)
    ledger.register(cmd)
    sync_commands.register(cmd)
    ledger.register_transfer(cmd)
    papers.register(cmd)
    township.register(cmd)
    campaign.register(cmd)
    county.register(cmd)
    return cmd


def main(argv: list[str] | None = None) -> int:
    cmd = build()
    args = cmd.parser.parse_args(argv)
    if args.db is None:
        args.db = default_db_path()
    # A read-only profile must not stop the CLI; messages still reach stderr.
    with contextlib.suppress(OSError):
        setup_logging(log_dir())
    if not getattr(args, "handler", None):
        cmd.parser.print_help()
        return 2
    try:
        result = args.handler(args)
    except CheckFailed as failed:
        print_result(failed.result, args.json)
        return 1
    except YibaoError as exc:
        return _refused(exc, args.json)
    except KeyboardInterrupt:
        print("yibao: 已取消", file=sys.stderr)
        return 130
    except Exception as exc:
        # A full disk or a damaged database file is the clerk's to fix: its own message.
        failure = storage_failure(exc, args.db)
        if failure is not None:
            log.warning("%s failed: %s (%s)", args.command, type(exc).__name__, exc)
            return _refused(failure, args.json)
        log.exception("unexpected error in %s", args.command)
        print(f"yibao: 内部错误（{type(exc).__name__}），详情见日志 {log_dir()}", file=sys.stderr)
        return 3
    try:
        print_result(result, args.json)
    except BrokenPipeError:  # `yibao … | head` closed the pipe; the work itself is done
        sys.stderr.close()
    return 0


def _refused(exc: YibaoError, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"error": exc.code, "message": exc.message, **exc.details},
                         ensure_ascii=False, default=str))
    print(f"yibao: {exc.message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
