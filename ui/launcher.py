"""The `yibao` entry point: a subcommand runs the CLI; no subcommand opens the desktop app.

Kept free of Qt imports so the CLI starts fast and works where Qt cannot load.
"""

from __future__ import annotations

import os
import sys


def has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    if os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in ("offscreen", "minimal", "vnc"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


NO_DISPLAY_MESSAGE = """\
yibao: 没有图形显示（DISPLAY 未设置），无法打开桌面窗口。
No display found (DISPLAY is not set), so the desktop window cannot open.

可以这样继续 / How to proceed:
  - 在有桌面的电脑上运行 make run；或通过 ssh -X 登录后运行；
  - 用虚拟屏幕：xvfb-run -a .venv/bin/yibao --db demo/demo.db
  - 或使用命令行：.venv/bin/yibao --db demo/demo.db info   （口令见 README）
"""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from app.cli.main import build
    from app.cli.main import main as cli_main
    from app.services.base.paths import default_db_path

    parsed, _ = build().parser.parse_known_args(argv)
    if parsed.command is not None or any(a in ("-h", "--help", "--version") for a in argv):
        return cli_main(argv)
    if not has_display():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 0
    from ui.app import run_app

    return run_app(parsed.db or default_db_path(), user=parsed.user)


if __name__ == "__main__":
    sys.exit(main())
