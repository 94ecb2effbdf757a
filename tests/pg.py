"""A throwaway PostgreSQL cluster for tests: initdb in a temp folder, start on a free port.

``initdb`` refuses to run as root, so as root the cluster belongs to the ``postgres`` user
(or ``nobody``) and every command runs through ``runuser``. The socket lives in the temp
folder and the server listens on 127.0.0.1 only; ``stop()`` shuts it down and deletes it all.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def find_bin_dir() -> Path | None:
    """The newest PostgreSQL bin folder with initdb and pg_ctl, or None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit()
                        else 0, reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).resolve().parent))
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _unprivileged_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root and no unprivileged user exists for initdb")


class PgCluster:
    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.user = _unprivileged_user()
        self.base = Path(tempfile.mkdtemp(prefix="yibao-pg-"))
        self.data = self.base / "data"
        self.port = free_port()
        self.started = False

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user is not None:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              cwd=self.base, check=False)

    def start(self) -> PgCluster:
        if self.user is not None:
            shutil.chown(self.base, self.user)
            self.base.chmod(0o700)
        done = self._run("initdb", "-D", str(self.data), "-U", "yibao", "--auth=trust",
                         "-E", "UTF8", "--no-locale", "--no-sync")
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr[-2000:]}")
        options = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=60")
        done = self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l",
                         str(self.base / "server.log"), "-w", "-t", "60", "start")
        if done.returncode != 0:
            log = (self.base / "server.log")
            raise RuntimeError(f"pg_ctl start failed: {done.stderr[-1000:]} "
                               f"{log.read_text()[-2000:] if log.exists() else ''}")
        self.started = True
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start listening")

    def create_database(self, name: str) -> str:
        """A fresh database; returns its SQLAlchemy URL (psycopg 3, loopback TCP)."""
        done = self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "yibao",
                         name)
        if done.returncode != 0:
            raise RuntimeError(f"createdb failed: {done.stderr[-1000:]}")
        return f"postgresql+psycopg://yibao@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.started:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self.started = False
        shutil.rmtree(self.base, ignore_errors=True)
