"""The metric record every benchmark returns, and the statistics and helpers they share."""

from __future__ import annotations

import math
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass
class Metric:
    """One line of the results table.

    ``target_on`` says which figure the target applies to: the value itself, or the ratio to
    the baseline (a ratio survives a slow or busy machine; an absolute figure does not).
    ``better`` says which direction meets the target. A metric that could not be measured has
    ``value`` None, ``met`` False and a ``note`` saying why.
    """

    name: str
    value: float | None
    unit: str
    target: float | None
    better: Literal["lower", "higher"] = "lower"
    target_on: Literal["value", "ratio"] = "value"
    baseline: float | None = None
    baseline_label: str | None = None
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    @property
    def met(self) -> bool:
        judged = self.ratio if self.target_on == "ratio" else self.value
        if judged is None or self.target is None:
            return False
        return judged <= self.target if self.better == "lower" else judged >= self.target

    def target_text(self) -> str:
        if self.target is None:
            return "—"
        sign = "≤" if self.better == "lower" else "≥"
        what = "ratio " if self.target_on == "ratio" else ""
        return f"{what}{sign} {_num(self.target)}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name, "value": _round(self.value), "unit": self.unit,
            "target": self.target, "target_on": self.target_on, "better": self.better,
            "met": self.met,
        }
        if self.baseline is not None:
            out["baseline"] = _round(self.baseline)
            out["baseline_label"] = self.baseline_label
            out["ratio"] = _round(self.ratio)
        if self.note:
            out["note"] = self.note
        if self.detail:
            out["detail"] = rounded(self.detail)
        return out


def unmeasured(name: str, unit: str, target: float | None, note: str, *,
               better: Literal["lower", "higher"] = "lower") -> Metric:
    return Metric(name, None, unit, target, better=better, note=note)


def _round(value: float | None) -> float | None:
    if value is None:
        return None
    return float(f"{value:.4g}") if value else 0.0


def rounded(value: Any) -> Any:
    """Four significant digits for every float, however deep: noise is not a result."""
    if isinstance(value, float):
        return _round(value)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


def _num(value: float) -> str:
    return f"{value:g}"


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile: the p95 of 100 samples is the 95th smallest, a real sample."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    """``with stopwatch() as elapsed: …`` then ``elapsed()`` in seconds."""
    start = time.perf_counter()
    end: float | None = None

    def elapsed() -> float:
        return (end if end is not None else time.perf_counter()) - start

    try:
        yield elapsed
    finally:
        end = time.perf_counter()


def in_own_process(target: Callable[..., Any], *args: Any, timeout: float = 600) -> Any:
    """``target(*args)`` (a module-level function, picklable arguments and result) in a fresh
    process, as the desktop runs its work: the benchmark's own process holds whatever the
    benchmarks before it left behind (a township's data), which timed work there paid for."""
    spawn = multiprocessing.get_context("spawn")
    answers = spawn.Queue()
    child = spawn.Process(target=_answer, args=(target, args, answers))
    child.start()
    try:
        ok, value = answers.get(timeout=timeout)
    finally:
        child.join(timeout=60)
        if child.is_alive():
            child.kill()
    if not ok:
        raise RuntimeError(f"{target.__name__} failed in its process: {value}")
    return value


def _answer(target: Callable[..., Any], args: tuple[Any, ...], answers: Any) -> None:
    try:
        answers.put((True, target(*args)))
    except Exception as exc:  # noqa: BLE001 - a failure is answered, so the parent stops
        answers.put((False, repr(exc)))


def progress(text: str) -> None:
    """Progress goes to stderr so stdout keeps only the results table."""
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def table(metrics: list[Metric]) -> str:
    rows = [("metric", "value", "unit", "target", "baseline", "ratio", "met")]
    for m in metrics:
        rows.append((
            m.name,
            "—" if m.value is None else f"{_round(m.value):g}",
            m.unit,
            m.target_text(),
            "—" if m.baseline is None else f"{_round(m.baseline):g}",
            "—" if m.ratio is None else f"{m.ratio:.2f}",
            "yes" if m.met else "NO",
        ))
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(cell + " " * (widths[i] - _width(cell))
                               for i, cell in enumerate(row)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
