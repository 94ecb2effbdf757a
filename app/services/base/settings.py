"""Device settings (printer offsets, backup folder, limits…): plain key/value, not journaled."""

from __future__ import annotations

import json
from typing import Any

from app.services.base.roles import any_role
from app.services.base.workspace import Workspace

DEFAULTS: dict[str, Any] = {
    "backup_folder": "",
    "backup_keep": 10,
    "cash_limit_fen": 2_000_000,
    "cash_max_days": 1,
    "language": "zh_CN",
    "receipt_layout": "three_part",
    "printer_name": "",
    "pdf_folder": "",  # receipts saved as PDF files when no printer is installed
    "font_size": "standard",  # standard / large / largest (ui.common.FONT_SCALES)
    "overlay_offset_x_mm": 0.0,
    "overlay_offset_y_mm": 0.0,
    "server_url": "",
    "village_name": "",
    "issuer": "",
}


@any_role
def get_setting(ws: Workspace, key: str) -> Any:
    row = ws.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return json.loads(row[0]) if row else DEFAULTS.get(key)


@any_role
def set_setting(ws: Workspace, key: str, value: Any) -> None:
    ws.conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, json.dumps(value, ensure_ascii=False)),
    )


@any_role
def all_settings(ws: Workspace) -> dict[str, Any]:
    values = dict(DEFAULTS)
    for key, value in ws.conn.execute("SELECT key, value FROM settings"):
        values[key] = json.loads(value)
    return values
