"""The office's CSV files (bank statements, target and certification lists) as text."""

from __future__ import annotations

from pathlib import Path

from app.domain.errors import ValidationError


def read_csv_text(path: Path) -> str:
    """The file decoded as UTF-8 (with or without its BOM) or else GB18030, as Excel and the
    banks' exports write it."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ValidationError(f"无法读取文件：{path}") from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError("文件编码无法识别（应为 UTF-8 或 GBK）")
