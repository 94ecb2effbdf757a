"""The key file beside the database: the data key wrapped per user and once for recovery.

Key hierarchy (see docs/SECURITY.md):

- data key: 32 random bytes, the SQLCipher raw key; never stored in clear.
- per user: Argon2id(passphrase, salt) → AES-256-GCM key that wraps the data key; the
  associated data binds the database id, user name and role, so editing a role in this
  plain JSON file makes that user's unlock fail instead of granting a role.
- recovery: either sealed to the township's X25519 public key (ephemeral ECDH + HKDF-SHA256
  → AES-GCM) or wrapped under a random recovery code shown once (Argon2id like a passphrase).

Failed unlocks are counted per user in the file; from the 6th attempt on each try waits longer.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.domain.errors import AuthError, StorageError, UnlockDelayed, ValidationError
from db.fsutil import write_atomic

FORMAT = "yibao.keyfile/1"
ROLES = ("collector", "township")
FREE_ATTEMPTS = 5
FIRST_DELAY_S = 30.0
MAX_DELAY_S = 3600.0
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O/1/I: read aloud over the phone
RECOVERY_GROUPS = 6
RECOVERY_GROUP_LEN = 5


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. The default takes ~0.2 s here and ~0.5 s on an old laptop."""

    memory_kib: int = 64 * 1024
    iterations: int = 3
    lanes: int = 1

    def to_dict(self) -> dict[str, int]:
        return {"memory_kib": self.memory_kib, "iterations": self.iterations, "lanes": self.lanes}


# The OWASP minimum; tests and CI use it through YIBAO_FAST_KDF=1 to keep the suite quick.
OWASP_MINIMUM = KdfParams(memory_kib=19 * 1024, iterations=2, lanes=1)


def default_kdf() -> KdfParams:
    return OWASP_MINIMUM if os.environ.get("YIBAO_FAST_KDF") == "1" else KdfParams()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _derive(secret: str, salt: bytes, params: KdfParams) -> bytes:
    normalized = unicodedata.normalize("NFC", secret).encode("utf-8")
    kdf = Argon2id(
        salt=salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(normalized)


def lockout_delay(failed_attempts: int) -> float:
    """Seconds a user must wait after ``failed_attempts`` consecutive failures."""
    if failed_attempts < FREE_ATTEMPTS:
        return 0.0
    return min(FIRST_DELAY_S * 2 ** (failed_attempts - FREE_ATTEMPTS), MAX_DELAY_S)


def new_recovery_code() -> str:
    groups = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUP_LEN))
        for _ in range(RECOVERY_GROUPS)
    ]
    return "-".join(groups)


def normalize_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


@dataclass(frozen=True)
class UserEntry:
    name: str
    role: str
    failed_attempts: int
    last_failed_at: float | None


class KeyFile:
    """In-memory view of the key file; every change is written atomically before returning."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = Path(path)
        self.data = data

    # ---- loading and saving -------------------------------------------------------------

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise StorageError(f"找不到密钥文件：{path}") from exc
        except (OSError, ValueError) as exc:
            raise StorageError(f"密钥文件已损坏，无法读取：{path}") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise StorageError(f"密钥文件格式不支持：{path}")
        return cls(path, data)

    def save(self) -> None:
        text = json.dumps(self.data, ensure_ascii=False, indent=1, sort_keys=True)
        write_atomic(self.path, text.encode("utf-8"))

    @classmethod
    def create(
        cls,
        path: Path,
        *,
        db_id: str,
        data_key: bytes,
        user: str,
        role: str,
        passphrase: str,
        recovery_public_key: X25519PublicKey | None = None,
    ) -> tuple[KeyFile, str | None]:
        """Write a new key file; returns it and the recovery code (None when sealed to a key)."""
        kf = cls(Path(path), {"format": FORMAT, "db_id": db_id, "users": [], "recovery": None})
        kf._add_user_entry(data_key, user, role, passphrase)
        code = None
        if recovery_public_key is not None:
            kf.data["recovery"] = _seal_to_public_key(data_key, recovery_public_key, db_id)
        else:
            code = new_recovery_code()
            kf.data["recovery"] = _wrap_with_secret(
                data_key, normalize_recovery_code(code), _aad(db_id, "recovery", "code")
            )
            kf.data["recovery"]["kind"] = "code"
        kf.save()
        return kf, code

    # ---- users --------------------------------------------------------------------------

    @property
    def db_id(self) -> str:
        return str(self.data["db_id"])

    def users(self) -> list[UserEntry]:
        return [
            UserEntry(u["name"], u["role"], u.get("failed_attempts", 0), u.get("last_failed_at"))
            for u in self.data["users"]
        ]

    def _entry(self, name: str) -> dict[str, Any]:
        for u in self.data["users"]:
            if u["name"] == name:
                return u
        raise AuthError(f"没有名为“{name}”的用户")

    def resolve_user(self, name: str | None) -> str:
        """The given user, or the only one when none is given."""
        if name is not None:
            return self._entry(name)["name"]
        names = [u["name"] for u in self.data["users"]]
        if len(names) == 1:
            return names[0]
        raise AuthError("此数据库有多个用户，请用 --user 指定：" + "、".join(names))

    def role_of(self, name: str) -> str:
        return str(self._entry(name)["role"])

    def _add_user_entry(self, data_key: bytes, name: str, role: str, passphrase: str) -> None:
        if role not in ROLES:
            raise ValidationError(f"角色应为 collector（收款员）或 township（财政所），不是“{role}”")
        name = name.strip()
        if not name:
            raise ValidationError("用户名不能为空")
        if any(u["name"] == name for u in self.data["users"]):
            raise ValidationError(f"用户“{name}”已存在")
        check_passphrase_strength(passphrase)
        entry = _wrap_with_secret(data_key, passphrase, _aad(self.db_id, name, role))
        entry.update({"name": name, "role": role, "failed_attempts": 0, "last_failed_at": None})
        self.data["users"].append(entry)

    def add_user(self, data_key: bytes, name: str, role: str, passphrase: str) -> None:
        self._add_user_entry(data_key, name, role, passphrase)
        self.save()

    # ---- unlocking ----------------------------------------------------------------------

    def wait_seconds(self, name: str, *, now: float | None = None) -> float:
        """How long ``name`` must still wait before the next unlock attempt is allowed."""
        entry = self._entry(name)
        delay = lockout_delay(entry.get("failed_attempts", 0))
        last = entry.get("last_failed_at")
        if not delay or last is None:
            return 0.0
        now = time.time() if now is None else now
        return max(0.0, last + delay - now)

    def unlock(self, name: str, passphrase: str, *, now: float | None = None) -> bytes:
        """Return the data key, or raise AuthError / UnlockDelayed (and count the failure)."""
        entry = self._entry(name)
        wait = self.wait_seconds(name, now=now)
        if wait > 0:
            raise UnlockDelayed(
                f"口令错误次数过多，请 {int(wait + 0.999)} 秒后再试", wait_seconds=wait
            )
        try:
            key = _unwrap_with_secret(entry, passphrase, _aad(self.db_id, name, entry["role"]))
        except AuthError:
            entry["failed_attempts"] = entry.get("failed_attempts", 0) + 1
            entry["last_failed_at"] = time.time() if now is None else now
            self.save()
            left = FREE_ATTEMPTS - entry["failed_attempts"]
            hint = f"（再错 {left} 次将需要等待）" if left > 0 else "（下次尝试需要等待）"
            raise AuthError("口令不正确" + hint) from None
        if entry.get("failed_attempts"):
            entry["failed_attempts"] = 0
            entry["last_failed_at"] = None
            self.save()
        return key

    def change_passphrase(self, name: str, old: str, new: str) -> None:
        data_key = self.unlock(name, old)
        self.set_passphrase(data_key, name, new)

    def set_passphrase(self, data_key: bytes, name: str, new: str) -> None:
        """Rewrap the data key for ``name``; the database itself is not rekeyed."""
        check_passphrase_strength(new)
        entry = self._entry(name)
        wrapped = _wrap_with_secret(data_key, new, _aad(self.db_id, name, entry["role"]))
        entry.update(wrapped)
        entry["failed_attempts"] = 0
        entry["last_failed_at"] = None
        self.save()

    # ---- recovery -----------------------------------------------------------------------

    @property
    def recovery_kind(self) -> str:
        return str(self.data["recovery"]["kind"])

    def recover_with_code(self, code: str) -> bytes:
        rec = self.data["recovery"]
        if rec["kind"] != "code":
            raise AuthError("此数据库的恢复密钥由乡镇财政所保管，请用财政所私钥恢复")
        try:
            return _unwrap_with_secret(
                rec, normalize_recovery_code(code), _aad(self.db_id, "recovery", "code")
            )
        except AuthError:
            raise AuthError("恢复码不正确") from None

    def recover_with_private_key(self, private_key: X25519PrivateKey) -> bytes:
        rec = self.data["recovery"]
        if rec["kind"] != "x25519":
            raise AuthError("此数据库使用恢复码，而不是财政所私钥")
        return _open_sealed(rec, private_key, self.db_id)


def check_passphrase_strength(passphrase: str) -> None:
    if len(passphrase) < 8:
        raise ValidationError("口令至少需要 8 个字符")


def _aad(db_id: str, name: str, role: str) -> bytes:
    return f"yibao-key/1|{db_id}|{name}|{role}".encode()


def _wrap_with_secret(data_key: bytes, secret: str, aad: bytes) -> dict[str, Any]:
    params = default_kdf()
    salt = os.urandom(16)
    nonce = os.urandom(12)
    kek = _derive(secret, salt, params)
    return {
        "kdf": {"alg": "argon2id", "salt": _b64(salt), **params.to_dict()},
        "nonce": _b64(nonce),
        "wrapped": _b64(AESGCM(kek).encrypt(nonce, data_key, aad)),
    }


def _unwrap_with_secret(entry: dict[str, Any], secret: str, aad: bytes) -> bytes:
    try:
        kdf = entry["kdf"]
        params = KdfParams(int(kdf["memory_kib"]), int(kdf["iterations"]), int(kdf["lanes"]))
        kek = _derive(secret, _unb64(kdf["salt"]), params)
        return AESGCM(kek).decrypt(_unb64(entry["nonce"]), _unb64(entry["wrapped"]), aad)
    except InvalidTag:
        raise AuthError("口令不正确") from None
    except (KeyError, ValueError, TypeError) as exc:
        raise StorageError("密钥文件已损坏") from exc


def _seal_kek(shared: bytes, eph_pub: bytes, recipient_pub: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=eph_pub + recipient_pub, info=b"yibao-recovery/1"
    ).derive(shared)


def _raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _seal_to_public_key(data_key: bytes, recipient: X25519PublicKey, db_id: str) -> dict[str, Any]:
    eph = X25519PrivateKey.generate()
    eph_pub = _raw_public(eph.public_key())
    recipient_pub = _raw_public(recipient)
    kek = _seal_kek(eph.exchange(recipient), eph_pub, recipient_pub)
    nonce = os.urandom(12)
    return {
        "kind": "x25519",
        "recipient": _b64(recipient_pub),
        "ephemeral": _b64(eph_pub),
        "nonce": _b64(nonce),
        "wrapped": _b64(AESGCM(kek).encrypt(nonce, data_key, _aad(db_id, "recovery", "x25519"))),
    }


def _open_sealed(rec: dict[str, Any], private_key: X25519PrivateKey, db_id: str) -> bytes:
    recipient_pub = _raw_public(private_key.public_key())
    if _unb64(rec["recipient"]) != recipient_pub:
        raise AuthError("这不是此数据库登记的财政所恢复私钥")
    eph_pub = _unb64(rec["ephemeral"])
    shared = private_key.exchange(X25519PublicKey.from_public_bytes(eph_pub))
    kek = _seal_kek(shared, eph_pub, recipient_pub)
    try:
        return AESGCM(kek).decrypt(
            _unb64(rec["nonce"]), _unb64(rec["wrapped"]), _aad(db_id, "recovery", "x25519")
        )
    except InvalidTag:
        raise AuthError("恢复失败：密钥文件中的恢复数据已损坏") from None


def load_x25519_public_key(path: Path) -> X25519PublicKey:
    """A township recovery public key: PEM, or 32 raw bytes as hex/base64 text."""
    raw = Path(path).read_bytes()
    try:
        if b"BEGIN" in raw:
            key = serialization.load_pem_public_key(raw)
            if not isinstance(key, X25519PublicKey):
                raise ValidationError("恢复公钥不是 X25519 公钥")
            return key
        text = raw.decode("ascii").strip()
        data = bytes.fromhex(text) if len(text) == 64 else base64.b64decode(text, validate=True)
        return X25519PublicKey.from_public_bytes(data)
    except ValidationError:
        raise
    except ValueError as exc:
        raise ValidationError(f"无法读取恢复公钥文件：{path}") from exc


def load_x25519_private_key(path: Path) -> X25519PrivateKey:
    raw = Path(path).read_bytes()
    try:
        key = serialization.load_pem_private_key(raw, password=None)
    except ValueError as exc:
        raise ValidationError(f"无法读取财政所恢复私钥文件：{path}") from exc
    if not isinstance(key, X25519PrivateKey):
        raise ValidationError("恢复私钥不是 X25519 私钥")
    return key
