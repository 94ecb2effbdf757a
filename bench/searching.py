"""Search as the clerk types, at 100,000 persons: ``find_households`` per kind of query.

Queries are drawn from the roster itself (seeded), so they hit real names and numbers: a
surname alone (王 — the worst prefix, tens of thousands of matches), the first two characters
of a three-character name, a two-character full name such as 张伟 (too short for a trigram
index), pinyin initials (wjg), the last 6 characters of an ID number, and a household number
prefix (the village code and the first digits of the household's sequence). Each query runs
several rounds in shuffled order; the first round warms the page cache like the clerk's
first searches of the day.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from app.services.base.workspace import Workspace
from app.services.village.roster import find_households
from bench.dataset import Dataset
from bench.metrics import Metric, percentile, progress, stopwatch

P95_TARGET_MS = 20.0
QUERIES_PER_KIND = 40
ROUNDS = 3

Picker = Callable[[Workspace, random.Random], list[str]]


def _names(ws: Workspace, length: int) -> list[str]:
    return [r[0] for r in ws.conn.execute(
        "SELECT name FROM persons WHERE length(name) = ? ORDER BY id", (length,))]


def _sample(values: list[str], rng: random.Random) -> list[str]:
    distinct = sorted(set(values))
    return rng.sample(distinct, min(QUERIES_PER_KIND, len(distinct)))


def _surnames(ws: Workspace, rng: random.Random) -> list[str]:
    # Weighted by how many people carry the surname, as the clerk meets them.
    names = _names(ws, 3) + _names(ws, 2)
    return [rng.choice(names)[0] for _ in range(QUERIES_PER_KIND)]


def _two_char_prefixes(ws: Workspace, rng: random.Random) -> list[str]:
    return _sample([n[:2] for n in _names(ws, 3)], rng)


def _two_char_names(ws: Workspace, rng: random.Random) -> list[str]:
    return _sample(_names(ws, 2), rng)


def _initials(ws: Workspace, rng: random.Random) -> list[str]:
    return _sample([r[0] for r in ws.conn.execute(
        "SELECT initials FROM persons WHERE length(initials) = 3")], rng)


def _id_last6(ws: Workspace, rng: random.Random) -> list[str]:
    return _sample([r[0][-6:] for r in ws.conn.execute(
        "SELECT id_number FROM persons WHERE id_type = '01'")], rng)


def _household_prefixes(ws: Workspace, rng: random.Random) -> list[str]:
    return _sample([r[0][:12] for r in ws.conn.execute("SELECT household_no FROM households")],
                   rng)


KINDS: dict[str, Picker] = {
    "name_1char": _surnames,
    "name_2char_prefix": _two_char_prefixes,
    "full_name_2char": _two_char_names,
    "pinyin_initials": _initials,
    "id_last6": _id_last6,
    "household_no_prefix": _household_prefixes,
}


def run(dataset: Dataset) -> list[Metric]:
    persons = dataset.manifest["persons"]
    progress(f"search: {len(KINDS)} kinds × {QUERIES_PER_KIND} queries × {ROUNDS} rounds "
             f"at {persons} persons")
    rng = random.Random(dataset.spec.seed)
    with dataset.open() as ws:
        queries = [(kind, q) for kind, pick in KINDS.items() for q in pick(ws, rng)]
        times: dict[str, list[float]] = {kind: [] for kind in KINDS}
        hits: dict[str, int] = dict.fromkeys(KINDS, 0)
        for _ in range(ROUNDS):
            rng.shuffle(queries)
            for kind, query in queries:
                with stopwatch() as took:
                    found = find_households(ws, query)
                times[kind].append(took() * 1000)
                hits[kind] += bool(found)
    metrics = [
        Metric(f"search_p95_{kind}", percentile(samples, 95), "ms", P95_TARGET_MS,
               note=f"find_households at {persons} persons, e.g. “{_example(queries, kind)}”",
               detail={"samples": len(samples), "max_ms": max(samples),
                       "answered": f"{hits[kind]}/{len(samples)}"})
        for kind, samples in times.items()
    ]
    everything = [t for samples in times.values() for t in samples]
    metrics.append(Metric("search_p95_overall", percentile(everything, 95), "ms", P95_TARGET_MS,
                          note=f"all kinds together at {persons} persons",
                          detail={"samples": len(everything), "max_ms": max(everything)}))
    return metrics


def _example(queries: list[tuple[str, str]], kind: str) -> str:
    return next(q for k, q in queries if k == kind)
