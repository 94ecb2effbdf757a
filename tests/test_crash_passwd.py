"""SIGKILL at random moments during 100 passphrase changes never loses the key file."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

from app.domain.errors import AuthError
from app.services.base.workspace import key_path_for, open_workspace
from db.keyfile import KeyFile, _aad, _unwrap_with_secret
from tests.conftest import PASSPHRASE, ROOT

OTHER = "the other passphrase 2"

CHILD = """
import sys
from app.services.base.workspace import change_passphrase
path, cur, other = sys.argv[1], sys.argv[2], sys.argv[3]
while True:
    change_passphrase(path, user=None, old=cur, new=other)
    print("changed", flush=True)
    cur, other = other, cur
"""


def _opens_with(path, passphrase: str) -> bool:
    kf = KeyFile.load(key_path_for(path))
    entry = kf.data["users"][0]
    try:
        _unwrap_with_secret(entry, passphrase, _aad(kf.db_id, entry["name"], entry["role"]))
    except AuthError:
        return False
    return True


def test_key_file_survives_sigkill_during_100_changes(new_db):
    rng = random.Random(20261123)
    env = {**os.environ, "YIBAO_FAST_KDF": "1", "PYTHONPATH": str(ROOT)}
    current, other = PASSPHRASE, OTHER
    changes = kills = 0
    while changes < 100:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(new_db.path), current, other],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
        )
        time.sleep(rng.uniform(0.2, 1.2))
        os.kill(child.pid, signal.SIGKILL)
        out, _ = child.communicate()
        changes += out.count("changed")
        kills += 1
        old_ok, new_ok = _opens_with(new_db.path, current), _opens_with(new_db.path, other)
        assert old_ok or new_ok, f"key file opens with neither passphrase after kill {kills}"
        if new_ok and not old_ok:
            current, other = other, current
    assert kills >= 5
    with open_workspace(new_db.path, user=None, passphrase=current) as ws:
        assert ws.user == "李会计"
