"""The `yibao` CLI as a clerk's script uses it: exit codes, JSON, one-line errors."""

from __future__ import annotations

import json

from tests.conftest import PASSPHRASE, run_cli


def _env(**extra):
    return {"YIBAO_PASSPHRASE": PASSPHRASE, **extra}


def _init(db, *extra):
    return run_cli("init", "--db", str(db), "--user", "李会计", "--role", "collector",
                   "--village", "3404220010", "--json", *extra,
                   env={"YIBAO_NEW_PASSPHRASE": PASSPHRASE})


def test_init_info_verify(tmp_path):
    db = tmp_path / "v.db"
    res = _init(db)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["recovery"] == "code" and len(out["recovery_code"]) == 35
    info = run_cli("--db", str(db), "info", "--json", env=_env())
    assert info.returncode == 0, info.stderr
    data = json.loads(info.stdout)
    assert data["user"] == "李会计" and data["role"] == "collector"
    assert data["village"] == "3404220010"
    ver = run_cli("verify", "--db", str(db), "--json", env=_env())
    assert ver.returncode == 0
    report = json.loads(ver.stdout)
    assert report["ok"] is True and report["events"] == 1 and len(report["head"]) == 64
    assert report["problems"] == []


def test_wrong_passphrase_exits_nonzero_with_one_line(tmp_path):
    db = tmp_path / "v.db"
    _init(db)
    before = db.read_bytes()
    res = run_cli("info", "--db", str(db), env={"YIBAO_PASSPHRASE": "not it at all"})
    assert res.returncode == 1
    assert res.stderr.strip().count("\n") == 0
    assert "口令不正确" in res.stderr
    assert "Traceback" not in res.stderr
    assert db.read_bytes() == before


def test_missing_database_is_a_clear_message(tmp_path):
    res = run_cli("info", "--db", str(tmp_path / "nope.db"), env=_env())
    assert res.returncode == 1
    assert "数据库文件不存在" in res.stderr and "yibao init" in res.stderr


def test_no_passphrase_without_terminal_is_explained(tmp_path):
    db = tmp_path / "v.db"
    _init(db)
    res = run_cli("info", "--db", str(db))
    assert res.returncode == 1
    assert "YIBAO_PASSPHRASE" in res.stderr


def test_passwd_user_add_backup_restore(tmp_path):
    db = tmp_path / "v.db"
    _init(db)
    res = run_cli("passwd", "--db", str(db),
                  env=_env(YIBAO_NEW_PASSPHRASE="second passphrase"))
    assert res.returncode == 0, res.stderr
    new_env = {"YIBAO_PASSPHRASE": "second passphrase"}
    res = run_cli("user", "add", "--db", str(db), "--name", "张财政", "--role", "township",
                  env={**new_env, "YIBAO_NEW_PASSPHRASE": "township pass 1"})
    assert res.returncode == 0, res.stderr
    res = run_cli("info", "--db", str(db), "--user", "张财政", "--json",
                  env={"YIBAO_PASSPHRASE": "township pass 1"})
    assert json.loads(res.stdout)["role"] == "township"
    bak = tmp_path / "usb" / "backup.db"
    res = run_cli("backup", "--db", str(db), "--user", "李会计", "--out", str(bak), "--json",
                  env=new_env)
    assert res.returncode == 0, res.stderr
    assert bak.exists() and (tmp_path / "usb" / "backup.db.key").exists()
    target = tmp_path / "restored" / "v.db"
    res = run_cli("restore", str(bak), "--db", str(target), "--user", "李会计", "--json",
                  env=new_env)
    assert res.returncode == 0, res.stderr
    res = run_cli("verify", "--db", str(target), "--user", "李会计", "--json", env=new_env)
    assert json.loads(res.stdout)["ok"] is True


def test_recover_with_township_key_via_cli(tmp_path):
    res = run_cli("recovery-keygen", "--out", str(tmp_path / "township"), "--json")
    assert res.returncode == 0, res.stderr
    keys = json.loads(res.stdout)
    db = tmp_path / "v.db"
    res = _init(db, "--recovery-pubkey", keys["public_key"])
    assert json.loads(res.stdout)["recovery"] == "township_key"
    res = run_cli("recover", "--db", str(db), "--township-key", keys["private_key"],
                  env={"YIBAO_NEW_PASSPHRASE": "brand new pass"})
    assert res.returncode == 0, res.stderr
    res = run_cli("info", "--db", str(db), env={"YIBAO_PASSPHRASE": "brand new pass"})
    assert res.returncode == 0


def test_usage_error_exit_code(tmp_path):
    res = run_cli("init", "--db", str(tmp_path / "x.db"), "--role", "mayor")
    assert res.returncode == 2


def test_verify_failure_exits_1(tmp_path):
    from app.services.base.workspace import open_workspace

    db = tmp_path / "v.db"
    _init(db)
    with open_workspace(db, user=None, passphrase=PASSPHRASE) as ws:
        ws.conn.execute("DROP TRIGGER journal_no_update")
        ws.conn.execute("UPDATE journal SET actor = 'mallory'")
    res = run_cli("verify", "--db", str(db), "--json", env=_env())
    assert res.returncode == 1
    assert json.loads(res.stdout)["ok"] is False
