"""The public-key files handed over by hand: the county's (``yibao-server`` exports it) and the
township's (``export_township_key``), read and checked as their model."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as ModelError

from app.domain.errors import ValidationError

K = TypeVar("K", bound=BaseModel)


def read_key_file(path: Path, model: type[K], what: str) -> K:
    """The file at ``path`` as ``model``; ``what`` names it in the refusal (县医保公钥文件)."""
    try:
        return model.model_validate_json(Path(path).read_bytes())
    except OSError as exc:
        raise ValidationError(f"无法读取{what}：{path}") from exc
    except ModelError as exc:
        raise ValidationError(f"{what}格式不正确") from exc
