"""CLI subcommands, grouped by area; each handler calls one service function."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.cli import Command


def register_all(cmd: Command) -> None:
    from app.commands import foundation, ledger, papers, sync, township

    foundation.register(cmd)
    foundation.register_demo(cmd)
    ledger.register(cmd)
    sync.register(cmd)
    ledger.register_transfer(cmd)
    papers.register(cmd)
    township.register(cmd)
