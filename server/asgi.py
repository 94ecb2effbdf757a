"""The county server's ASGI app factory, for ``yibao-server run --workers N`` (or any ASGI server).

Several worker processes can only be started from an import string, not from an app object
made in the parent, so each worker builds its own app here: its own engine and connection pool
on the database named by :data:`DB_URL_ENV`. The workers share nothing but that database; every
rule that must hold across them (an event stored once, one claim per person, a device's pushes
one after another) is a unique key or a row lock there, never a lock in a process.

Run by hand behind another ASGI server, e.g.::

    YIBAO_SERVER_DB_URL=postgresql://yibao@db/county uvicorn --factory server.asgi:create \
        --workers 4 --port 8470

This module imports FastAPI only when the factory runs, so ``yibao-server`` admin commands
that read the constants below stay quick to start.
"""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

DB_URL_ENV = "YIBAO_SERVER_DB_URL"
FACTORY = "server.asgi:create"


def create() -> FastAPI:
    """One worker's app on the database in ``$YIBAO_SERVER_DB_URL``; its engine is disposed
    when the worker shuts down."""
    from server.app import create_app
    from server.kernel import open_server

    url = os.environ.get(DB_URL_ENV)
    if not url:
        raise RuntimeError(f"{DB_URL_ENV} is not set: the workers do not know their database")
    srv = open_server(url)
    app = create_app(srv)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # What exists now (modules, the app, its schemas) lives as long as the worker: out of
        # the collector's sight, its full passes walk only what requests leave behind instead
        # of every object the worker ever imported (a push builds thousands per batch). A
        # request's objects go with the request, so the young pass may wait for 100,000
        # allocations instead of 700: a 2,000-event push then ends before one is due (at
        # 20,000 five young passes of 6-7 ms each fell in a 10,000-event upload, 5 % of the
        # county's CPU).
        gc.freeze()
        gc.set_threshold(100_000, 10, 10)
        try:
            yield
        finally:
            srv.close()

    # create_app takes no lifespan of its own; the router runs this one at start and stop.
    app.router.lifespan_context = lifespan
    return app
