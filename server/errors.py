"""Errors the server answers with: an HTTP status, a stable code and a Chinese message."""

from __future__ import annotations

from app.domain.errors import YibaoError


class ApiError(YibaoError):
    """Refused request; ``status`` is 4xx for the caller's mistake, 503 for "try again"."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
