"""Receipt PDF, warm, and the daily ledger (台账) of a 300-receipt day, on the township."""

from __future__ import annotations

import random
from datetime import date

from app.services.papers.printing import daily_report_pdf, receipt_pdf
from bench.dataset import Dataset
from bench.metrics import Metric, median, progress, stopwatch

RECEIPT_TARGET_MS = 50.0
REPORT_TARGET_S = 1.0
RECEIPTS = 40
REPORT_RUNS = 3


def run(dataset: Dataset) -> list[Metric]:
    day = date.fromisoformat(dataset.manifest["busy_day"])
    count = dataset.manifest["busy_day_receipts"]
    progress(f"papers: {RECEIPTS} receipt PDFs, daily report of {day} ({count} receipts)")
    with dataset.open() as ws:
        picks = random.Random(dataset.spec.seed).sample(ws.conn.execute(
            "SELECT series, number FROM payments WHERE series IS NOT NULL").fetchall(),
            RECEIPTS)
        # Warm: fonts parsed and subset caches filled, as after the first print of the day.
        receipt_pdf(ws, str(picks[0][1]), series=picks[0][0])
        receipt_times = []
        sizes = []
        for series, number in picks:
            with stopwatch() as took:
                pdf = receipt_pdf(ws, str(number), series=series)
            receipt_times.append(took() * 1000)
            sizes.append(len(pdf))
        report_times = []
        for _ in range(REPORT_RUNS):
            with stopwatch() as took:
                report = daily_report_pdf(ws, day)
            report_times.append(took())
    return [
        Metric("receipt_pdf_warm_median", median(receipt_times), "ms", RECEIPT_TARGET_MS,
               note="receipt_pdf (three parts on A4, signed QR code) of distinct receipts from "
                    f"the {dataset.manifest['receipts']}-receipt township ledger",
               detail={"samples": len(receipt_times), "max_ms": max(receipt_times),
                       "median_bytes": median([float(s) for s in sizes])}),
        Metric("daily_report_300_receipts", median(report_times), "s", REPORT_TARGET_S,
               note=f"daily_report_pdf for {day}: {count} receipts (median of {REPORT_RUNS})",
               detail={"receipts": count, "max_s": max(report_times), "bytes": len(report)}),
    ]
