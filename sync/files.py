"""Reading a file brought from the other end (a USB bundle, a roster), with a size bound.

The size is checked before a byte is read, so a wrong or hostile file of gigabytes is refused
without filling memory; a file that cannot be read is a ``ValidationError`` naming its path.
"""

from __future__ import annotations

from pathlib import Path

from app.domain.errors import ValidationError
from sync.protocol import MAX_BUNDLE_BYTES, BundleError


def read_limited(path: Path, limit: int, *, too_large: ValidationError,
                 unreadable: str) -> bytes:
    """The file's bytes; ``too_large`` is raised when it holds more than ``limit`` bytes, a
    ``ValidationError(unreadable)`` when it cannot be read."""
    path = Path(path)
    try:
        if path.stat().st_size > limit:
            raise too_large
        return path.read_bytes()
    except OSError as exc:
        raise ValidationError(unreadable) from exc


def read_bundle_file(path: Path, limit: int = MAX_BUNDLE_BYTES) -> bytes:
    """A sync bundle file's bytes: ``BundleError`` when it is larger than ``limit``."""
    return read_limited(path, limit, too_large=BundleError("数据包文件过大，不是有效的同步数据包"),
                        unreadable=f"无法读取数据包：{path}")
