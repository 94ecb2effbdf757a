"""The machinery of tests/test_fault_injection.py: a fork server for the child, a small disk."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from contextlib import contextmanager, suppress
from pathlib import Path

from tests.conftest import ROOT

CHILD = Path(__file__).with_name("fault_child.py")
DISK_MB = 256


class Zygote:
    """tests/fault_child.py in zygote mode: one fork per run."""

    def __init__(self, env: dict[str, str], child: Path = CHILD) -> None:
        self.proc = subprocess.Popen([sys.executable, str(child), "zygote"], cwd=ROOT, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.running: int | None = None

    def _line(self, timeout: float) -> str:
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        assert ready, "the zygote did not answer"
        line = self.proc.stdout.readline()
        assert line, f"the zygote died ({self.proc.poll()})"
        return line.strip()

    def start(self, cfg: dict) -> int:
        self.proc.stdin.write(json.dumps(cfg) + "\n")
        self.proc.stdin.flush()
        word, pid = self._line(60).split()
        assert word == "PID"
        self.running = int(pid)
        return self.running

    def wait(self, pid: int, timeout: float = 60) -> int:
        word, who, code = self._line(timeout).split()
        assert (word, int(who)) == ("EXIT", pid)
        self.running = None
        return int(code)

    def close(self) -> None:
        if self.running is not None:  # a failed check left a child waiting to be killed
            with suppress(ProcessLookupError):
                os.kill(self.running, signal.SIGKILL)
            with suppress(AssertionError):
                self.wait(self.running, 10)
        with suppress(OSError):
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextmanager
def small_disk(folder: Path):
    """A filesystem that can fill up: (kind, path). tmpfs of DISK_MB when root (mounting
    works), else a plain folder and RLIMIT_FSIZE in the child."""
    folder.mkdir(parents=True)
    mounted = False
    if os.geteuid() == 0 and os.environ.get("YIBAO_FAULT_DISK") != "rlimit":
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m,mode=0700",
                                  "yibao-fault", str(folder)], capture_output=True).returncode == 0
    try:
        yield ("tmpfs" if mounted else "rlimit"), folder
    finally:
        if mounted and subprocess.run(["umount", str(folder)]).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)])
