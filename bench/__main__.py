"""`python -m bench` — build (or reuse) the datasets, run every benchmark, write the results.

``--quick`` runs the same code on small datasets to check the benchmarks themselves; its
results go to ``bench/data/`` (not committed), never over ``bench/results.json``.
``--only NAME`` runs some benchmarks only (and then merges into an existing results file).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import collecting, gui, importing, ledger, papers, searching, syncing, workers
from bench.dataset import DATA_DIR, TOWNSHIP_60K, TOWNSHIP_100K, Dataset, Spec, ensure, load
from bench.machine import describe, one_line
from bench.metrics import Metric, progress, rounded, stopwatch, table, unmeasured
from bench.report import update_doc

RESULTS = Path(__file__).resolve().parent / "results.json"


@dataclass(frozen=True)
class Sizes:
    township: Spec
    large: Spec
    import_rows: int
    collect_samples: int
    push_events: int
    pull_persons: int
    multiworker_events: int  # in all, over the eight villages of bench.workers


FULL = Sizes(TOWNSHIP_60K, TOWNSHIP_100K, import_rows=60_000, collect_samples=300,
             push_events=10_000, pull_persons=60_000, multiworker_events=40_000)
QUICK = Sizes(Spec(3_000, 3_000), Spec(5_000, 1_000), import_rows=3_000, collect_samples=40,
              push_events=500, pull_persons=3_000, multiworker_events=800)


@dataclass
class Context:
    sizes: Sizes
    workdir: Path
    _datasets: dict[Spec, Dataset]

    def dataset(self, spec: Spec) -> Dataset:
        if spec not in self._datasets:
            self._datasets[spec] = load(spec)
        return self._datasets[spec]

    @property
    def township(self) -> Dataset:
        return self.dataset(self.sizes.township)

    @property
    def large(self) -> Dataset:
        return self.dataset(self.sizes.large)


Benchmark = Callable[[Context], list[Metric]]

# The datasets each benchmark reads, so that all can be built, in parallel, before any runs.
NEEDS: dict[str, tuple[str, ...]] = {"collect": ("township",), "search": ("large",),
                                     "papers": ("township",), "ledger": ("township",),
                                     "gui": ("large",)}

BENCHMARKS: dict[str, Benchmark] = {
    "collect": lambda c: collecting.run(c.township, c.workdir,
                                        samples=c.sizes.collect_samples),
    "search": lambda c: searching.run(c.large),
    "papers": lambda c: papers.run(c.township),
    "import": lambda c: importing.run(c.workdir, rows=c.sizes.import_rows,
                                      seed=c.sizes.township.seed),
    "ledger": lambda c: ledger.run(c.township, c.workdir),
    "sync": lambda c: syncing.run(c.workdir, events=c.sizes.push_events,
                                  persons=c.sizes.pull_persons, seed=c.sizes.township.seed),
    "workers": lambda c: workers.run(c.workdir, events=c.sizes.multiworker_events,
                                     seed=c.sizes.township.seed),
    "gui": lambda c: gui.run(c.large, c.workdir),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small datasets (a smoke run)")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), metavar="NAME",
                        help=f"run only these: {', '.join(BENCHMARKS)}")
    parser.add_argument("--out", type=Path, help="results file (default bench/results.json)")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    out = args.out or (DATA_DIR / "results-quick.json" if args.quick else RESULTS)
    names = args.only or list(BENCHMARKS)
    metrics: list[Metric] = []
    failed = []
    with tempfile.TemporaryDirectory(prefix="yibao-bench-") as tmp, stopwatch() as elapsed:
        # Datasets first: a one-off build must not compete with any measurement.
        ensure(getattr(sizes, need) for name in names for need in NEEDS.get(name, ()))
        context = Context(sizes, Path(tmp), {})
        for name in names:
            try:
                metrics.extend(BENCHMARKS[name](context))
            except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the rest
                traceback.print_exc()
                failed.append(name)
                metrics.append(unmeasured(name, "", None, f"benchmark failed: {exc!r}"))
    machine = describe()
    results = [{**m.to_dict(), "machine": one_line(machine)} for m in metrics]
    if args.only and out.exists():
        # The new figures take the places of the old ones; the rest stay as they were.
        fresh = {r["name"]: r for r in results}
        earlier = [rounded(r) for r in json.loads(out.read_text(encoding="utf-8"))]
        results = [fresh.pop(r["name"], r) for r in earlier] + list(fresh.values())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if out == RESULTS:
        update_doc(results, machine)
    print(table(metrics))
    print(f"\n{one_line(machine)}\n{sum(m.met for m in metrics)}/{len(metrics)} targets met "
          f"in {elapsed():.0f} s; results in {out}")
    progress(f"done in {elapsed():.0f} s")
    if failed:
        print(f"benchmarks that failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
