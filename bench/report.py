"""Writes the latest figures into docs/PERFORMANCE.md, between its results markers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"
BEGIN = "<!-- results:begin -->"
END = "<!-- results:end -->"


def _cell(value: Any) -> str:
    return "—" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def figures(results: list[dict[str, Any]], machine: dict[str, Any]) -> str:
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine['cpu']} ({machine['cores']} cores), "
        f"{machine['ram_gib']} GiB RAM, {machine['os']}; Python {machine['python']}, "
        f"SQLCipher {machine['sqlcipher']} (SQLite {machine['sqlite']}), "
        f"PySide6 {machine['pyside6']}.",
        "",
        "| metric | value | unit | target | baseline | ratio | met |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        sign = "≤" if r["better"] == "lower" else "≥"
        target = "—" if r["target"] is None else (
            f"{'ratio ' if r['target_on'] == 'ratio' else ''}{sign} {_cell(r['target'])}")
        lines.append(f"| `{r['name']}` | {_cell(r['value'])} | {r['unit']} | {target} | "
                     f"{_cell(r.get('baseline'))} | {_cell(r.get('ratio'))} | "
                     f"{'yes' if r['met'] else '**no**'} |")
    notes = [f"- `{r['name']}`: {r['note']}" for r in results if r["value"] is None]
    return "\n".join(lines + (["", *notes] if notes else []))


def update_doc(results: list[dict[str, Any]], machine: dict[str, Any]) -> None:
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    DOC.write_text(f"{head}{BEGIN}\n{figures(results, machine)}\n{END}{tail}", encoding="utf-8")
