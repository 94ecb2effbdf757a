"""Where the desktop keeps its files when no --db is given: the user's data and log folders
(overridable by YIBAO_DB and YIBAO_LOG_DIR), shared by the CLI and the desktop."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_DIR_NAME = "yibao-collect"


def default_db_path() -> Path:
    env = os.environ.get("YIBAO_DB")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False)) / "yibao.db"


def log_dir() -> Path:
    env = os.environ.get("YIBAO_LOG_DIR")
    if env:
        return Path(env)
    return Path(platformdirs.user_log_dir(APP_DIR_NAME, appauthor=False))
