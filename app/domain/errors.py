"""Typed errors. Each carries a message a clerk can read (Chinese) and a stable code."""

from __future__ import annotations


class YibaoError(Exception):
    """Base of every error the user may see; ``message`` is shown as is."""

    code = "error"

    def __init__(self, message: str, *, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ValidationError(YibaoError):
    """Bad input: nothing was changed."""

    code = "invalid"


class InvalidIdNumber(ValidationError):
    """An ID number that fails GB 11643 (身份证号码校验失败)."""

    code = "invalid_id_number"


class PolicyError(ValidationError):
    """A policy file with problems; ``problems`` lists "path: reason" strings."""

    code = "invalid_policy"

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message, details={"problems": problems})
        self.problems = problems


class NotFound(YibaoError):
    code = "not_found"


class Refused(YibaoError):
    """A business rule forbids the action (e.g. member already enrolled)."""

    code = "refused"


class PermissionDenied(YibaoError):
    """The user's role may not perform the action."""

    code = "permission_denied"


class AuthError(YibaoError):
    """Wrong passphrase, unknown user, or recovery failure."""

    code = "auth"


class UnlockDelayed(AuthError):
    """Too many failed attempts: the next one must wait ``wait_seconds``."""

    code = "unlock_delayed"

    def __init__(self, message: str, wait_seconds: float) -> None:
        super().__init__(message, details={"wait_seconds": wait_seconds})
        self.wait_seconds = wait_seconds


class StorageError(YibaoError):
    """The database or key file is missing, corrupt, or from a newer version."""

    code = "storage"


class IntegrityProblem(YibaoError):
    """The journal or ledger invariants do not hold."""

    code = "integrity"


class KeyFileDamaged(StorageError):
    """The key file cannot be read or a part of it is damaged; ``part`` names which."""

    code = "key_file_damaged"

    def __init__(self, message: str, *, part: str) -> None:
        super().__init__(message, details={"part": part})
        self.part = part


class DatabaseDamaged(StorageError):
    """The encrypted database file is damaged (a page fails its check): restore a backup."""

    code = "database_damaged"


class DiskFull(StorageError):
    """The disk (or the file size limit) is full: nothing of the failed action was written."""

    code = "disk_full"

    def __init__(self, message: str, *, needed_bytes: int) -> None:
        super().__init__(message, details={"needed_bytes": needed_bytes})
        self.needed_bytes = needed_bytes
