"""Issue 19, items 3–5: file modes, a message of its own for each corruption and resource
failure, and secrets never on the command line."""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cli.main import build, main
from app.cli.shared import _RefuseOnArgv
from app.domain.errors import DatabaseDamaged, DiskFull, KeyFileDamaged
from app.services.base import workspace as workspace_module
from app.services.base.workspace import init_database, key_path_for, open_workspace, recover
from app.services.upkeep.backup import backup_database, restore_database
from app.services.upkeep.verify import verify_workspace
from db.connection import OperationalError, storage_failure
from db.fsutil import write_atomic
from tests.conftest import PASSPHRASE, ROOT, run_cli
from tests.helpers_ledger import make_village

POSIX = pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# ---- 3. every file that holds key material or data is 0600 ----------------------------------

@POSIX
def test_database_key_backups_and_restore_leftovers_are_owner_only(umask_022, tmp_path):
    db = tmp_path / "v" / "yibao.db"
    init_database(db, user="李会计", role="collector", passphrase=PASSPHRASE, village="3404220010")
    ws = open_workspace(db, user=None, passphrase=PASSPHRASE)
    try:
        make_village(ws, households=3)
        live = [db, key_path_for(db), Path(f"{db}-wal"), Path(f"{db}-shm")]
        assert {p.name: mode(p) for p in live} == {p.name: 0o600 for p in live}
        backup = backup_database(ws, tmp_path / "usb" / "b.db")
        upgrade_copy = workspace_module._pre_upgrade_backup(db, ws.conn)
    finally:
        ws.close()
    restored = restore_database(db, backup.path, user=None, passphrase=PASSPHRASE)
    kept = Path(str(restored["previous_kept_as"]))
    written = [backup.path, backup.key_path, upgrade_copy, db, key_path_for(db), kept,
               key_path_for(kept)]
    assert {p.name: mode(p) for p in written} == {p.name: 0o600 for p in written}


@POSIX
def test_an_older_world_readable_database_is_narrowed_when_opened(umask_022, new_db):
    for path in (new_db.path, key_path_for(new_db.path)):
        os.chmod(path, 0o644)
    with open_workspace(new_db.path, user=None, passphrase=PASSPHRASE):
        assert mode(new_db.path) == 0o600
        assert mode(Path(f"{new_db.path}-wal")) == 0o600
    # The key file is rewritten (0600) at its next save, e.g. after a failed unlock.
    with pytest.raises(Exception, match="口令不正确"):
        open_workspace(new_db.path, user=None, passphrase="wrong passphrase")
    assert mode(key_path_for(new_db.path)) == 0o600


@POSIX
def test_atomic_writes_and_exports_are_owner_only(umask_022, tmp_path):
    from app.sheets.writer import write_csv, write_xlsx

    bundle = tmp_path / "out.yb"
    bundle.write_bytes(b"old")
    os.chmod(bundle, 0o644)
    write_atomic(bundle, b"sealed")
    assert bundle.read_bytes() == b"sealed" and mode(bundle) == 0o600
    write_atomic(tmp_path / "public.pem", b"key", mode=0o644)
    assert mode(tmp_path / "public.pem") == 0o644  # an explicit mode is kept
    write_xlsx(tmp_path / "e.xlsx", [("表", ["姓名"], [["张三"]])])
    write_csv(tmp_path / "e.csv", ["姓名"], [["张三"]])
    assert mode(tmp_path / "e.xlsx") == mode(tmp_path / "e.csv") == 0o600


@POSIX
def test_cli_writes_owner_only_files_under_umask_022(umask_022, tmp_path):
    db = tmp_path / "cli" / "yibao.db"
    env = {"YIBAO_NEW_PASSPHRASE": PASSPHRASE, "YIBAO_PASSPHRASE": PASSPHRASE}
    assert run_cli("init", "--db", str(db), "--user", "李会计", "--role", "collector",
                   env=env).returncode == 0
    done = run_cli("backup", "--db", str(db), "--out", str(tmp_path / "b.db"), env=env)
    assert done.returncode == 0, done.stderr
    files = [db, key_path_for(db), tmp_path / "b.db", tmp_path / "b.db.key"]
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}


# ---- 4. a named message for each corruption and resource failure ----------------------------

def _cli(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(list(args))
    return code, err.getvalue()


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_flipped_byte_in_the_key_file_gets_a_named_message(new_db, monkeypatch, data):
    monkeypatch.setenv("YIBAO_PASSPHRASE", PASSPHRASE)
    kpath = key_path_for(new_db.path)
    if not hasattr(new_db, "_pristine"):
        object.__setattr__(new_db, "_pristine", kpath.read_bytes())
    pristine: bytes = new_db._pristine  # type: ignore[attr-defined]
    position = data.draw(st.integers(0, len(pristine) - 1), label="position")
    flip = data.draw(st.integers(1, 255), label="xor")
    damaged = bytearray(pristine)
    damaged[position] ^= flip
    kpath.write_bytes(bytes(damaged))
    code, err = _cli("--db", str(new_db.path), "info")
    assert code in (0, 1), err
    assert "内部错误" not in err and "Error" not in err
    if code == 1:
        assert _is_chinese(err) and "密钥文件" in err, err
    kpath.write_bytes(pristine)


def _flip_field_name(path: Path, name: str) -> None:
    """Flip one bit in the last occurrence of a field name (the keys are sorted, so the
    users' entries come after the recovery entry)."""
    head, sep, tail = path.read_text("utf-8").rpartition(f'"{name}"')
    assert sep
    path.write_text(f'{head}"{name[:-1]}{chr(ord(name[-1]) ^ 1)}"{tail}', "utf-8")


def test_a_flipped_field_name_in_a_user_entry_names_the_part(new_db):
    _flip_field_name(key_path_for(new_db.path), "nonce")
    with pytest.raises(KeyFileDamaged, match="用户“李会计”的条目") as caught:
        open_workspace(new_db.path, user=None, passphrase=PASSPHRASE)
    assert caught.value.part == "user"
    done = run_cli("info", "--db", str(new_db.path), env={"YIBAO_PASSPHRASE": PASSPHRASE})
    assert done.returncode == 1 and "密钥文件已损坏" in done.stderr
    assert "KeyError" not in done.stderr and "内部错误" not in done.stderr


def test_a_flipped_byte_in_a_wrapped_key_is_damage_not_a_wrong_passphrase(new_db):
    kpath = key_path_for(new_db.path)
    data = json.loads(kpath.read_text("utf-8"))
    wrapped = data["users"][0]["wrapped"]
    data["users"][0]["wrapped"] = ("B" if wrapped[0] != "B" else "C") + wrapped[1:]
    kpath.write_text(json.dumps(data), "utf-8")
    with pytest.raises(KeyFileDamaged, match="校验不符"):
        open_workspace(new_db.path, user=None, passphrase=PASSPHRASE)
    assert json.loads(kpath.read_text("utf-8"))["users"][0]["failed_attempts"] == 0


def test_a_damaged_recovery_entry_is_noticed_at_unlock_and_by_verify(new_db, monkeypatch):
    kpath = key_path_for(new_db.path)
    data = json.loads(kpath.read_text("utf-8"))
    salt = data["recovery"]["kdf"]["salt"]
    data["recovery"]["kdf"]["salt"] = ("A" if salt[0] != "A" else "B") + salt[1:]
    kpath.write_text(json.dumps(data), "utf-8")
    # The unlock goes on (it does not need the recovery entry) and says so once.
    with open_workspace(new_db.path, user=None, passphrase=PASSPHRASE) as ws:
        assert ws.warnings and "恢复条目已损坏" in ws.warnings[0]
        report = verify_workspace(ws)
    assert not report.ok and any("恢复条目已损坏" in p for p in report.problems)
    monkeypatch.setenv("YIBAO_PASSPHRASE", PASSPHRASE)
    code, err = _cli("--db", str(new_db.path), "info")
    assert code == 0 and "注意" in err and "恢复条目已损坏" in err
    code, err = _cli("--db", str(new_db.path), "verify")
    assert code == 1
    # The right code no longer opens it: said as a recovery failure, not a crash.
    with pytest.raises(Exception, match="恢复码不正确"):
        recover(new_db.path, user=None, new_passphrase="new passphrase 1",
                code=new_db.recovery_code)


def test_an_older_key_file_gains_its_checks_at_unlock(new_db):
    kpath = key_path_for(new_db.path)
    data = json.loads(kpath.read_text("utf-8"))
    del data["recovery_check"]
    del data["users"][0]["check"]
    kpath.write_text(json.dumps(data), "utf-8")
    with open_workspace(new_db.path, user=None, passphrase=PASSPHRASE) as ws:
        assert ws.warnings == []
        assert verify_workspace(ws).ok
    data = json.loads(kpath.read_text("utf-8"))
    assert data["recovery_check"] and data["users"][0]["check"]


def test_a_recovery_still_works_and_renews_the_check(new_db):
    recover(new_db.path, user=None, new_passphrase="new passphrase 1", code=new_db.recovery_code)
    with open_workspace(new_db.path, user=None, passphrase="new passphrase 1") as ws:
        assert ws.warnings == [] and verify_workspace(ws).ok


def test_a_damaged_database_page_says_restore(ws, new_db):
    make_village(ws, households=5)
    ws.close()
    data = bytearray(new_db.path.read_bytes())
    data[4096] ^= 0x01
    new_db.path.write_bytes(bytes(data))
    with pytest.raises(DatabaseDamaged, match="restore"):
        open_workspace(new_db.path, user=None, passphrase=PASSPHRASE)
    for command in ("info", "verify"):
        done = run_cli(command, "--db", str(new_db.path), env={"YIBAO_PASSPHRASE": PASSPHRASE})
        assert done.returncode == 1, done.stderr
        assert "数据库文件已损坏" in done.stderr and "yibao restore" in done.stderr
        assert "内部错误" not in done.stderr


FULL_DISK_CLI = """
import os, resource, signal, sys
from app.cli.main import main
path, households = sys.argv[1], sys.argv[2:]
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
limit = os.path.getsize(path) + 4096
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
for no in households:
    code = main(["--db", path, "collect", "--household", no, "--tier", "1"])
    if code:
        print("EXIT", code, flush=True)
        break
"""


@POSIX
def test_a_full_disk_says_how_much_room_is_needed(ws, new_db):
    village = make_village(ws, households=40)
    ws.close()
    child = subprocess.run(
        [sys.executable, "-c", FULL_DISK_CLI, str(new_db.path), *[h.no for h in village.households]],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "YIBAO_FAST_KDF": "1",
                       "YIBAO_PASSPHRASE": PASSPHRASE},
        capture_output=True, text=True, timeout=300)
    assert "EXIT 1" in child.stdout, (child.stdout, child.stderr)
    assert "磁盘空间已满" in child.stderr and " MB" in child.stderr, child.stderr
    assert "内部错误" not in child.stderr
    with open_workspace(new_db.path, user=None, passphrase=PASSPHRASE) as after:
        assert verify_workspace(after).ok


def test_storage_failures_map_to_typed_messages(new_db):
    full = storage_failure(OperationalError("database or disk is full"), new_db.path)
    assert isinstance(full, DiskFull) and full.needed_bytes > os.path.getsize(new_db.path)
    assert "磁盘空间已满" in full.message
    assert isinstance(storage_failure(OSError(errno.ENOSPC, "No space left"), new_db.path),
                      DiskFull)
    assert storage_failure(KeyError("x"), new_db.path) is None
    assert storage_failure(OSError(errno.EACCES, "denied"), new_db.path) is None


# ---- 5. secrets never from argv -------------------------------------------------------------

@pytest.mark.parametrize(("argv", "env"), [
    (["recover", "--code", "AAAAA-BBBBB"], "YIBAO_RECOVERY_CODE"),
    (["enrol", "--server", "http://127.0.0.1:9", "--code", "X"], "YIBAO_ENROL_CODE"),
    (["bundle", "export", "--out", "x.yb", "--code", "X"], "YIBAO_ENROL_CODE"),
])
def test_a_code_on_the_command_line_is_refused(argv, env, new_db):
    done = run_cli(*argv, "--db", str(new_db.path), env={"YIBAO_PASSPHRASE": PASSPHRASE})
    assert done.returncode == 2
    assert env in done.stderr and "不能写在命令行上" in done.stderr


def test_no_command_takes_a_secret_as_a_value():
    def walk(parser):
        for action in parser._actions:
            yield parser.prog, action
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from walk(sub)

    seen = 0
    for prog, action in walk(build().parser):
        names = " ".join(action.option_strings)
        if "--code" in action.option_strings:
            assert isinstance(action, _RefuseOnArgv), prog
            seen += 1
        assert not any(word in names for word in ("passphrase", "password", "secret")), prog
    assert seen == 3


def test_help_says_where_codes_come_from():
    for argv, env in ((["recover", "--help"], "YIBAO_RECOVERY_CODE"),
                      (["enrol", "--help"], "YIBAO_ENROL_CODE")):
        done = run_cli(*argv)
        assert done.returncode == 0 and env in done.stdout and "--code-file" in done.stdout


def test_recover_reads_the_code_from_the_environment_or_a_file(new_db, tmp_path):
    done = run_cli("recover", "--db", str(new_db.path),
                   env={"YIBAO_RECOVERY_CODE": new_db.recovery_code,
                        "YIBAO_NEW_PASSPHRASE": "second passphrase"})
    assert done.returncode == 0, done.stderr
    code_file = tmp_path / "code.txt"
    code_file.write_text(new_db.recovery_code + "\n", "utf-8")
    done = run_cli("recover", "--db", str(new_db.path), "--code-file", str(code_file),
                   env={"YIBAO_NEW_PASSPHRASE": "third passphrase"})
    assert done.returncode == 0, done.stderr
    with open_workspace(new_db.path, user=None, passphrase="third passphrase"):
        pass
    done = run_cli("recover", "--db", str(new_db.path), env={"YIBAO_NEW_PASSPHRASE": "x" * 10})
    assert done.returncode == 1 and "YIBAO_RECOVERY_CODE" in done.stderr
