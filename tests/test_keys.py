"""Passphrases, roles, lockout delay and recovery of the data key."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from app.domain.errors import AuthError, KeyFileDamaged, UnlockDelayed, ValidationError
from app.services.base.workspace import (
    add_user,
    change_passphrase,
    init_database,
    key_path_for,
    open_workspace,
    recover,
)
from db.keyfile import KeyFile, lockout_delay
from tests.conftest import PASSPHRASE


def test_wrong_passphrase_is_refused_and_counted(new_db):
    with pytest.raises(AuthError, match="口令不正确"):
        open_workspace(new_db.path, user=None, passphrase="wrong passphrase")
    kf = KeyFile.load(key_path_for(new_db.path))
    assert kf.users()[0].failed_attempts == 1
    with open_workspace(new_db.path, user=None, passphrase=PASSPHRASE) as ws:
        assert ws.role == "collector"
    assert KeyFile.load(key_path_for(new_db.path)).users()[0].failed_attempts == 0


def test_sixth_attempt_is_delayed_even_with_the_right_passphrase(new_db):
    kf = KeyFile.load(key_path_for(new_db.path))
    now = 1_000_000.0
    for _ in range(5):
        with pytest.raises(AuthError):
            kf.unlock("李会计", "not the passphrase", now=now)
    with pytest.raises(UnlockDelayed) as delayed:
        kf.unlock("李会计", PASSPHRASE, now=now + 1)
    assert delayed.value.wait_seconds == pytest.approx(29, abs=1)
    assert "秒后再试" in delayed.value.message
    # After the wait the right passphrase works again and the counter resets.
    assert len(kf.unlock("李会计", PASSPHRASE, now=now + 31)) == 32
    assert kf.users()[0].failed_attempts == 0


def test_delay_grows_with_each_further_failure():
    delays = [lockout_delay(n) for n in range(5, 12)]
    assert delays[0] > 0
    assert delays == sorted(delays) and len(set(delays)) == len(delays)
    assert lockout_delay(4) == 0


def test_editing_the_role_in_the_key_file_breaks_that_users_unlock(new_db):
    kpath = key_path_for(new_db.path)
    data = json.loads(kpath.read_text(encoding="utf-8"))
    data["users"][0]["role"] = "township"
    kpath.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(KeyFileDamaged):  # the entry's checksum no longer matches
        open_workspace(new_db.path, user=None, passphrase=PASSPHRASE)
    # The checksum is no secret: recomputed, the AES-GCM associated data still refuses it.
    from db.keyfile import _entry_check

    data["users"][0]["check"] = _entry_check(data["db_id"], data["users"][0])
    kpath.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(AuthError):
        open_workspace(new_db.path, user=None, passphrase=PASSPHRASE)


def test_change_passphrase_rewraps_without_rekeying(new_db):
    before = new_db.path.read_bytes()[:4096]
    change_passphrase(new_db.path, user=None, old=PASSPHRASE, new="新的口令 new one")
    with pytest.raises(AuthError):
        open_workspace(new_db.path, user=None, passphrase=PASSPHRASE)
    with open_workspace(new_db.path, user=None, passphrase="新的口令 new one") as ws:
        assert ws.user == "李会计"
    assert new_db.path.read_bytes()[:4096] == before


def test_short_passphrase_is_refused(db_path):
    with pytest.raises(ValidationError, match="至少"):
        init_database(db_path, user="a", role="collector", passphrase="short")
    assert not db_path.exists()
    assert not key_path_for(db_path).exists()


def test_recovery_code_sets_a_new_passphrase(new_db):
    assert new_db.recovery_code
    with pytest.raises(AuthError, match="恢复码不正确"):
        recover(new_db.path, user=None, new_passphrase="whatever123", code="AAAAA-BBBBB")
    # Codes are forgiving about case and separators: they are read over the phone.
    code = new_db.recovery_code.lower().replace("-", " ")
    recover(new_db.path, user=None, new_passphrase="recovered passphrase", code=code)
    with open_workspace(new_db.path, user=None, passphrase="recovered passphrase") as ws:
        types = [r[0] for r in ws.conn.execute("SELECT type FROM journal ORDER BY seq")]
    assert types[-1] == "user.recovered"


def test_township_private_key_recovers(db_path):
    township = X25519PrivateKey.generate()
    result = init_database(db_path, user="王收款", role="collector", passphrase=PASSPHRASE,
                           recovery_public_key=township.public_key())
    assert result.recovery_code is None
    with pytest.raises(AuthError):
        recover(db_path, user=None, new_passphrase="x" * 10,
                private_key=X25519PrivateKey.generate())
    recover(db_path, user=None, new_passphrase="township reset 1", private_key=township)
    with open_workspace(db_path, user=None, passphrase="township reset 1") as ws:
        assert ws.user == "王收款"


def test_second_user_with_own_passphrase_and_role(ws, new_db):
    add_user(ws, name="财政所张", role="township", passphrase="township passphrase")
    with pytest.raises(AuthError, match="多个用户"):
        open_workspace(new_db.path, user=None, passphrase=PASSPHRASE)
    with open_workspace(new_db.path, user="财政所张", passphrase="township passphrase") as tw:
        assert tw.role == "township"
    with pytest.raises(ValidationError, match="已存在"):
        add_user(ws, name="财政所张", role="township", passphrase="another passphrase")


def test_init_refuses_to_overwrite(new_db):
    with pytest.raises(ValidationError, match="已存在"):
        init_database(new_db.path, user="x", role="collector", passphrase=PASSPHRASE)
