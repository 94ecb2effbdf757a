"""Faults a village laptop meets: a full disk, a corrupted database or key file."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from app.domain.errors import StorageError
from app.services.base.workspace import key_path_for, open_workspace
from app.services.upkeep.verify import verify_workspace
from app.services.views.reconcile import reconcile
from tests.conftest import PASSPHRASE, ROOT
from tests.helpers_ledger import make_village

FULL_DISK_CHILD = """
import json, os, resource, signal, sys
from datetime import timedelta
from app.domain.errors import YibaoError
from app.services.village.collect import collect_household
from app.services.base.workspace import open_workspace
from tests.helpers_ledger import T0
path, passphrase, households = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
ws = open_workspace(path, user=None, passphrase=passphrase)
# The disk "fills up" a little above the current size: writes past it fail with EFBIG.
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
limit = os.path.getsize(path) + os.path.getsize(path + "-wal") + 64 * 1024
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
for i, no in enumerate(households):
    try:
        done = collect_household(ws, household_no=no, tier_code="1",
                                 now=T0 + timedelta(minutes=i))
    except YibaoError as exc:
        print("REFUSED", exc.message, flush=True)
        continue
    except Exception as exc:
        print("FAILED", type(exc).__name__, str(exc)[:80], flush=True)
        break
    print("ACK", json.dumps(done.payment_id), flush=True)
"""


def test_full_disk_loses_no_acknowledged_payment(ws, new_db):
    village = make_village(ws, households=120)
    ws.close()
    numbers = [h.no for h in village.households]
    child = subprocess.run(
        [sys.executable, "-c", FULL_DISK_CHILD, str(new_db.path), PASSPHRASE, json.dumps(numbers)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "YIBAO_FAST_KDF": "1"},
        capture_output=True, text=True, timeout=120)
    lines = child.stdout.splitlines()
    acked = [json.loads(line[4:]) for line in lines if line.startswith("ACK ")]
    assert any(line.startswith("FAILED") for line in lines), "the disk never filled up"
    assert acked, "nothing was collected before the disk filled up"
    with open_workspace(new_db.path, user=None, passphrase=PASSPHRASE) as after:
        stored = {r[0] for r in after.conn.execute("SELECT id FROM payments")}
        assert set(acked) <= stored
        report = verify_workspace(after)
        assert report.ok, report.problems
        assert not [p for p in reconcile(after)["problems"] if "跳号" in p]


def test_corrupted_database_is_reported_not_opened(ws, new_db):
    make_village(ws, households=10)
    ws.close()
    data = bytearray(new_db.path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 4096] = os.urandom(4096)
    new_db.path.write_bytes(bytes(data))
    try:
        damaged = open_workspace(new_db.path, user=None, passphrase=PASSPHRASE)
    except StorageError as exc:
        assert "损坏" in exc.message
        return
    with damaged:
        report = verify_workspace(damaged)
    assert not report.ok


def test_corrupted_database_header_is_a_clear_message(new_db):
    data = bytearray(new_db.path.read_bytes())
    data[:64] = b"\x00" * 64
    new_db.path.write_bytes(bytes(data))
    with pytest.raises(StorageError, match="损坏"):
        open_workspace(new_db.path, user=None, passphrase=PASSPHRASE)


def test_corrupted_key_file_is_a_clear_message(new_db):
    key_path_for(new_db.path).write_text('{"format": "yibao.keyfile/1", "users": [', "utf-8")
    with pytest.raises(StorageError, match="密钥文件已损坏"):
        open_workspace(new_db.path, user=None, passphrase=PASSPHRASE)
