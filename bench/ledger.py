"""Reconciliation (票款人三线合一) and `verify` on the township's full campaign history.

Two reconciliations: the village-level ``reconcile()`` run over the whole township database,
and the township office's ``reconcile_villages()`` over the same history received as village
journals. For the latter the dataset's journal is ingested once into an office database
(``ingest_events``, every link and receipt signature checked) and cached beside the dataset;
its 20 collectors come out as the office's rows per collector. ``verify`` recomputes the
chain of every event, checks the file, every ledger invariant and the journal replay.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

from app.services.base.workspace import init_database, open_workspace
from app.services.upkeep.verify import verify_workspace
from app.services.views.reconcile import reconcile
from bench.dataset import LAST_YEAR, OWNER, PASSPHRASE, TOWNSHIP, Dataset
from bench.metrics import Metric, median, progress, stopwatch, unmeasured
from db import journal
from db.connection import open_database

RECONCILE_TARGET_S = 1.0
VERIFY_TARGET_S = 5.0
RUNS = 3
# A fixed "today" for the office's cash-age warnings, so reruns find the same problems.
TODAY = date(LAST_YEAR, 11, 2)


def run(dataset: Dataset, workdir: Path) -> list[Metric]:
    m = dataset.manifest
    progress(f"ledger: reconcile over {m['receipts']} receipts, verify of {m['events']} events")
    with dataset.open() as ws:
        reconcile_times = []
        for _ in range(RUNS):
            with stopwatch() as took:
                result = reconcile(ws)
            reconcile_times.append(took())
        # Alternating with a bare pass over the same file — SQLCipher's quick_check, which reads
        # and decrypts every page and which verify runs too — so a busy machine shows as a
        # slower baseline, not as a slower verify.
        verify_times, bare_times = [], []
        bare = open_database(ws.path, ws.data_key)
        try:
            for _ in range(RUNS):
                with stopwatch() as took:
                    bare.execute("PRAGMA quick_check").fetchone()
                bare_times.append(took())
                with stopwatch() as took:
                    report = verify_workspace(ws)
                verify_times.append(took())
        finally:
            bare.close()
    scope = (f"{m['receipts']} receipts, {m['voided']} voided, {m['refunds']} refunds, "
             f"{m['books']} books, {m['deposits']} deposits")
    return [
        Metric("reconcile_60k_receipts", median(reconcile_times), "s", RECONCILE_TARGET_S,
               note=f"reconcile() over the whole township database: {scope} (median of {RUNS})",
               detail={"max_s": max(reconcile_times), "books": len(result["books"]),
                       "problems": len(result["problems"])}),
        _township(dataset, workdir, scope, result),
        Metric("verify_100k_events", median(verify_times), "s", VERIFY_TARGET_S,
               baseline=median(bare_times),
               baseline_label="bare SQLCipher quick_check of the same file (median)",
               note=f"verify_workspace: hash chain of {report.events} journal events, "
                    f"quick_check, table invariants and the one ledger fold (median of {RUNS})",
               detail={"events": report.events, "ok": report.ok, "max_s": max(verify_times),
                       "problems": len(report.problems)}),
    ]


def _agrees(village: dict[str, Any], township: dict[str, Any]) -> bool:
    return (village["receipts_fen"], village["cash"]["collected_fen"],
            village["noncash"]["collected_fen"], village["cash"]["on_hand_fen"]) == (
        township["amount_fen"], township["cash_collected_fen"], township["noncash_fen"],
        township["on_hand_fen"])


def _township(dataset: Dataset, workdir: Path, scope: str,
              village: dict[str, Any]) -> Metric:
    name = "township_reconcile_60k_receipts"
    try:
        from app.services.exchange.township_ingest import ingest_events
        from app.services.township.reconcile import reconcile_villages
        from sync.state import to_wire
    except ImportError as exc:
        return unmeasured(name, "s", RECONCILE_TARGET_S,
                          f"no township reconcile service to measure: {exc}")
    office = dataset.folder / "office" / "township.db"
    if not office.exists():
        progress("  ingesting the township's journal into an office database (cached)")
        tmp = office.parent.with_name(".office-building")
        shutil.rmtree(tmp, ignore_errors=True)
        init_database(tmp / office.name, user=OWNER, role="township", passphrase=PASSPHRASE,
                      village=TOWNSHIP)
        with dataset.open() as source, \
                open_workspace(tmp / office.name, user=OWNER, passphrase=PASSPHRASE) as ws:
            ingest_events(ws, ((TOWNSHIP, to_wire(ev)) for ev in journal.iter_events(source.conn)),
                          via="bundle")
        tmp.replace(office.parent)
    copy = workdir / "office" / office.name
    copy.parent.mkdir(parents=True)
    for source in (office, office.with_name(office.name + ".key")):
        shutil.copyfile(source, copy.parent / source.name)
    times = []
    with open_workspace(copy, user=OWNER, passphrase=PASSPHRASE) as ws:
        for _ in range(RUNS):
            with stopwatch() as took:
                result = reconcile_villages(ws, today=TODAY)
            times.append(took())
    return Metric(name, median(times), "s", RECONCILE_TARGET_S,
                  note="reconcile_villages() in a township office database holding the same "
                       f"history as ingested village journals: {scope} (median of {RUNS})",
                  # The first call folds every village's journal; later ones catch up.
                  detail={"max_s": max(times), "first_call_s": times[0],
                          # The same fold at both ends: the figures agree to the fen.
                          "agrees_with_village": _agrees(village, result["totals"]),
                          "collectors": sum(
                      len(v["collectors"]) for v in result["villages"]),
                          "receipts": result["totals"]["receipts"],
                          "problems": len(result["problems"])})
