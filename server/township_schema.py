"""The county's record of townships (乡镇) and the villages each one oversees."""

from __future__ import annotations

from sqlalchemy import Column, String, Table

from server.schema import metadata

townships = Table(
    "townships", metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(60), nullable=False),
    Column("created_at", String(40), nullable=False),
)

township_villages = Table(
    "township_villages", metadata,
    Column("township", String(40), primary_key=True),
    Column("village", String(40), primary_key=True),
    Column("added_at", String(40), nullable=False),
)
