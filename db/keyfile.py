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
import contextlib
import hmac
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

from app.domain.errors import (
    AuthError,
    KeyFileDamaged,
    StorageError,
    UnlockDelayed,
    ValidationError,
)
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
        except PermissionError as exc:
            raise StorageError(f"没有权限读取密钥文件：{path}（请用建库时的系统账户运行）") \
                from exc
        except OSError as exc:
            raise StorageError(f"密钥文件无法读取（{exc.strerror or exc}）：{path}") from exc
        except ValueError as exc:
            raise damaged(path, "整个文件（不是有效的 JSON 文本，可能有字节被改动）",
                          "file") from exc
        if not isinstance(data, dict):
            raise damaged(path, "整个文件（内容不是密钥文件）", "file")
        if data.get("format") != FORMAT:
            if isinstance(data.get("format"), str) and data["format"].startswith("yibao.keyfile/"):
                raise StorageError(f"密钥文件格式不支持（{data['format']}），请升级程序：{path}")
            raise damaged(path, "格式标记（format）", "format")
        _check_header(path, data)
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
        kf.data[RECOVERY_CHECK] = _recovery_tag(data_key, db_id, kf.data["recovery"])
        kf.save()
        return kf, code

    # ---- users --------------------------------------------------------------------------

    @property
    def db_id(self) -> str:
        return str(self.data["db_id"])

    def users(self) -> list[UserEntry]:
        return [
            UserEntry(u["name"], u["role"], _attempts(u), u.get("last_failed_at"))
            for u in self.data["users"]
        ]

    def _entry(self, name: str) -> dict[str, Any]:
        for u in self.data["users"]:
            if u.get("name") == name:
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
        entry[ENTRY_CHECK] = _entry_check(self.db_id, entry)
        self.data["users"].append(entry)

    def add_user(self, data_key: bytes, name: str, role: str, passphrase: str) -> None:
        self._add_user_entry(data_key, name, role, passphrase)
        self.save()

    # ---- unlocking ----------------------------------------------------------------------

    def wait_seconds(self, name: str, *, now: float | None = None) -> float:
        """How long ``name`` must still wait before the next unlock attempt is allowed."""
        entry = self._entry(name)
        delay = lockout_delay(_attempts(entry))
        last = entry.get("last_failed_at")
        if not delay or not isinstance(last, int | float):
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
        part = f"用户“{name}”的条目"
        problem = _entry_check_problem(self.db_id, entry)
        if problem is not None:
            raise damaged(self.path, f"{part}（{problem}）", "user")
        try:
            key = _unwrap_with_secret(entry, passphrase, _aad(self.db_id, name, entry["role"]),
                                      path=self.path, part=part)
        except AuthError:
            entry["failed_attempts"] = _attempts(entry) + 1
            entry["last_failed_at"] = time.time() if now is None else now
            self.save()
            left = FREE_ATTEMPTS - entry["failed_attempts"]
            hint = f"（再错 {left} 次将需要等待）" if left > 0 else "（下次尝试需要等待）"
            raise AuthError("口令不正确" + hint) from None
        if entry.get("failed_attempts") or ENTRY_CHECK not in entry:
            entry["failed_attempts"] = 0
            entry["last_failed_at"] = None
            entry[ENTRY_CHECK] = _entry_check(self.db_id, entry)  # an older file's entry
            with contextlib.suppress(OSError):
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
        entry[ENTRY_CHECK] = _entry_check(self.db_id, entry)
        self.save()

    # ---- recovery -----------------------------------------------------------------------

    @property
    def recovery_kind(self) -> str:
        return str(self._recovery()["kind"])

    def _recovery(self) -> dict[str, Any]:
        problem = _recovery_shape_problem(self.data.get("recovery"))
        if problem is not None:
            raise damaged(self.path, f"恢复条目（{problem}），无法用它恢复", "recovery")
        rec: dict[str, Any] = self.data["recovery"]
        return rec

    def recover_with_code(self, code: str) -> bytes:
        rec = self._recovery()
        if rec["kind"] != "code":
            raise AuthError("此数据库的恢复密钥由乡镇财政所保管，请用财政所私钥恢复")
        try:
            return _unwrap_with_secret(
                rec, normalize_recovery_code(code), _aad(self.db_id, "recovery", "code"),
                path=self.path, part="恢复条目"
            )
        except AuthError:
            hint = "（或恢复条目已损坏）" if self.data.get(RECOVERY_CHECK) is None else ""
            raise AuthError("恢复码不正确" + hint) from None

    def recover_with_private_key(self, private_key: X25519PrivateKey) -> bytes:
        rec = self._recovery()
        if rec["kind"] != "x25519":
            raise AuthError("此数据库使用恢复码，而不是财政所私钥")
        return _open_sealed(rec, private_key, self.db_id)

    def recovery_problem(self, data_key: bytes) -> str | None:
        """Check the recovery entry against its authentication tag, made with the data key
        (which unlocking gives): a damaged entry is noticed now, not on the day it is needed.

        A file written before the tag existed gets one now (it is then trusted as it is).
        Returns a message for the clerk, or None when the entry is intact.
        """
        tag = self.data.get(RECOVERY_CHECK)
        rec = self.data.get("recovery")
        shape = _recovery_shape_problem(rec)
        if tag is None and set(self.data) <= LEGACY_FIELDS and shape is None:
            self.data[RECOVERY_CHECK] = _recovery_tag(data_key, self.db_id, rec)
            with contextlib.suppress(OSError):  # a read-only folder: tagged on a later unlock
                self.save()
            return None
        expected = _recovery_tag(data_key, self.db_id, rec)
        if shape is None and isinstance(tag, str) and hmac.compare_digest(tag, expected):
            return None
        return (f"密钥文件中的恢复条目已损坏（{shape or '校验不符'}）：口令仍可照常使用，但忘记口令时"
                "将无法用恢复码或财政所私钥恢复。请保留最近一次备份旁的密钥文件副本（备份文件名"
                " + .key，其中的恢复条目可用），并告知乡镇财政所")

    def seal_recovery_check(self, data_key: bytes) -> None:
        """Tag the recovery entry as it now is (after it proved itself in a recovery)."""
        if _recovery_shape_problem(self.data.get("recovery")) is None:
            self.data[RECOVERY_CHECK] = _recovery_tag(data_key, self.db_id,
                                                      self.data["recovery"])
            self.save()


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


def _unwrap_with_secret(entry: dict[str, Any], secret: str, aad: bytes, *,
                        path: Path | None = None, part: str = "口令条目") -> bytes:
    problem = _wrapped_shape_problem(entry)
    if problem is not None:
        raise damaged(path, f"{part}（{problem}）", "recovery" if part == "恢复条目" else "user")
    kdf = entry["kdf"]
    params = KdfParams(int(kdf["memory_kib"]), int(kdf["iterations"]), int(kdf["lanes"]))
    kek = _derive(secret, _unb64(kdf["salt"]), params)
    try:
        return AESGCM(kek).decrypt(_unb64(entry["nonce"]), _unb64(entry["wrapped"]), aad)
    except InvalidTag:
        raise AuthError("口令不正确") from None


# ---- the shape of the file: a damaged part is named, never a KeyError -----------------------

RECOVERY_CHECK = "recovery_check"
# The fields of a file written before the tag: any other field (a flipped byte in the tag's
# own name) reads as damage, not as an old file.
LEGACY_FIELDS = frozenset({"format", "db_id", "users", "recovery"})
KEY_FILE_ADVICE = ("请用最近一次备份旁的密钥文件副本（备份文件名 + .key）替换它"
                   "（口令以备份时为准），或联系乡镇财政所")
_B64_LENGTHS = {"salt": 16, "nonce": 12, "wrapped": 48, "recipient": 32, "ephemeral": 32}


def damaged(path: Path | None, part: str, code: str) -> KeyFileDamaged:
    where = f"：{path}" if path is not None else ""
    return KeyFileDamaged(f"密钥文件已损坏，无法读取{part}{where}。{KEY_FILE_ADVICE}",
                          part=code)


def _attempts(entry: dict[str, Any]) -> int:
    value = entry.get("failed_attempts", 0)
    return value if isinstance(value, int) and value >= 0 else 0


def _b64_problem(holder: dict[str, Any], name: str, label: str) -> str | None:
    value = holder.get(name)
    if not isinstance(value, str):
        return f"缺少字段 {label}"
    try:
        raw = _unb64(value)
    except ValueError:
        return f"字段 {label} 不是有效的 base64"
    if len(raw) != _B64_LENGTHS[name]:
        return f"字段 {label} 长度不对"
    return None


def _wrapped_shape_problem(entry: Any) -> str | None:
    """What is wrong with a passphrase or recovery-code entry's fields, or None."""
    if not isinstance(entry, dict):
        return "不是对象"
    kdf = entry.get("kdf")
    if not isinstance(kdf, dict):
        return "缺少字段 kdf"
    if kdf.get("alg") != "argon2id":
        return "字段 kdf.alg 不对"
    for name, low, high in (("memory_kib", 8, 4 * 1024 * 1024), ("iterations", 1, 1000),
                            ("lanes", 1, 64)):
        value = kdf.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            return f"字段 kdf.{name} 缺少或超出范围"
    for problem in (_b64_problem(kdf, "salt", "kdf.salt"), _b64_problem(entry, "nonce", "nonce"),
                    _b64_problem(entry, "wrapped", "wrapped")):
        if problem is not None:
            return problem
    return None


def _recovery_shape_problem(rec: Any) -> str | None:
    if not isinstance(rec, dict):
        return "缺少恢复条目"
    kind = rec.get("kind")
    if kind == "code":
        return _wrapped_shape_problem(rec)
    if kind == "x25519":
        for name in ("recipient", "ephemeral", "nonce", "wrapped"):
            problem = _b64_problem(rec, name, name)
            if problem is not None:
                return problem
        return None
    return "字段 kind 不对"


def _check_header(path: Path, data: dict[str, Any]) -> None:
    """The parts every unlock needs: the database id and each user's name and role."""
    if not isinstance(data.get("db_id"), str) or not data["db_id"]:
        raise damaged(path, "数据库编号（db_id）", "db_id")
    users = data.get("users")
    if not isinstance(users, list) or not users:
        raise damaged(path, "用户列表（users）", "users")
    for index, u in enumerate(users, 1):
        if not isinstance(u, dict) or not isinstance(u.get("name"), str) or not u["name"]:
            raise damaged(path, f"第 {index} 个用户的用户名（name）", "user")
        if u.get("role") not in ROLES:
            raise damaged(path, f"用户“{u['name']}”的角色（role）", "user")


ENTRY_CHECK = "check"
# A user entry written before the check: any other field is damage (a flipped field name).
ENTRY_LEGACY_FIELDS = frozenset({"kdf", "nonce", "wrapped", "name", "role", "failed_attempts",
                                 "last_failed_at"})


def _entry_check(db_id: str, entry: dict[str, Any]) -> str:
    """A checksum over what unlocking reads from a user entry (not the failure counter).

    It tells a damaged entry from a wrong passphrase: AES-GCM alone fails the same way for
    both. Not a defence against editing (anyone can recompute it; the AES-GCM tag and the
    associated data are that), only against a flipped byte.
    """
    body = {"db_id": db_id, **{k: entry.get(k) for k in ("kdf", "nonce", "wrapped", "name",
                                                         "role")}}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashes_sha256(text.encode("utf-8"))[:32]


def hashes_sha256(data: bytes) -> str:
    digest = hashes.Hash(hashes.SHA256())
    digest.update(data)
    return digest.finalize().hex()


def _entry_check_problem(db_id: str, entry: dict[str, Any]) -> str | None:
    held = entry.get(ENTRY_CHECK)
    if held is None:
        return None if set(entry) <= ENTRY_LEGACY_FIELDS else "有无法识别的字段"
    if not isinstance(held, str) or not hmac.compare_digest(held, _entry_check(db_id, entry)):
        return "校验不符"
    return None


def _recovery_tag(data_key: bytes, db_id: str, rec: Any) -> str:
    """HMAC-SHA256 over the recovery entry's canonical JSON, keyed from the data key."""
    mac_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"yibao-recovery-check/1").derive(data_key)
    body = json.dumps({"db_id": db_id, "recovery": rec}, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    return _b64(hmac.new(mac_key, body, "sha256").digest())


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
