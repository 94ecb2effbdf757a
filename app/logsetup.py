"""Logging to a rotating file, with a filter that keeps ID numbers, names and secrets out."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

from app.domain.idcard import mask_id_number, mask_name

# 18-char ID numbers (last may be X) and 15-digit old ones, not part of a longer digit run.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_CJK_RE = re.compile(r"[\u3400-\u9fff]{2,4}")


def redact(text: str) -> str:
    return _ID_RE.sub(lambda m: mask_id_number(m.group(1).upper(), keep_start=4), text)


class RedactionFilter(logging.Filter):
    """Masks ID numbers anywhere, and treats Chinese text passed as an argument as a name.

    Log messages are English format strings; person data only ever arrives as arguments, so
    masking CJK runs in the arguments hides names without garbling the message itself.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(self._mask_arg(a) for a in args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True

    @staticmethod
    def _mask_arg(arg: object) -> object:
        if isinstance(arg, str):
            return _CJK_RE.sub(lambda m: mask_name(m.group(0)), redact(arg))
        if isinstance(arg, int) and len(str(arg)) in (15, 18):
            return redact(str(arg))
        return arg


def setup_logging(log_dir: Path, *, level: int = logging.INFO) -> Path:
    """Attach the rotating, redacting file handler once; returns the log file path."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "yibao.log"
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "baseFilename", None) == str(path):
            return path
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    handler.addFilter(RedactionFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    return path
