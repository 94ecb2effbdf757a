"""Claims at the county: one standing enrolment per person and campaign year, first accepted wins.

A push reads once, for every person its batch's payments name, what the county holds about
them (the employee-insured list, payments through other channels, the standing claims); each
accepted payment is then judged against that and against what the batch itself claimed and
released so far, and the batch's new claims are inserted together. Two pushes that claim one
person at once are told apart by the claims table's primary key: the later insert fails, its
whole push is retried (``kernel.retrying``) and then reads the winner's claim.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from app.domain import events as catalogue
from app.domain.idcard import mask_id_number
from server.kernel import FeedBatch, among, distinct_chunks, insert_rows
from server.schema import claims, conflicts, employee_insured, external_payments
from sync.protocol import ConflictData


@dataclass(frozen=True)
class _Claim:
    device_id: str
    village: str
    payment_id: str
    line_id: str


@dataclass
class Claims:
    """What the county holds about one push batch's payers, kept up to date by the batch."""

    employees: set[str] = field(default_factory=set)
    paid: dict[tuple[int, str], str] = field(default_factory=dict)  # (year, id) → channel
    held: dict[tuple[int, str, str], _Claim] = field(default_factory=dict)
    pending: list[dict[str, Any]] = field(default_factory=list)  # claims not inserted yet

    @classmethod
    def for_batch(cls, conn: Connection, payloads: Iterable[catalogue.Payload]) -> Claims:
        found = cls()
        pays = [p for p in payloads if isinstance(p, catalogue.PaymentCollected)]
        ids = [line.id_number for p in pays for line in p.lines]
        # Each table's key in full, so the lookups go by its index whatever its size.
        years = list({p.campaign_year for p in pays})
        types = list({line.id_type for p in pays for line in p.lines})
        for chunk in distinct_chunks(ids):
            found.employees.update(r.id_number for r in conn.execute(
                select(employee_insured.c.id_number)
                .where(among(conn, employee_insured.c.id_number, chunk))))
            for r in conn.execute(select(external_payments.c.campaign_year,
                                         external_payments.c.id_number,
                                         external_payments.c.channel)
                                  .where(among(conn, external_payments.c.campaign_year, years),
                                         among(conn, external_payments.c.id_number, chunk))):
                found.paid.setdefault((int(r.campaign_year), r.id_number), r.channel)
            for r in conn.execute(select(claims).where(
                    among(conn, claims.c.campaign_year, years),
                    among(conn, claims.c.id_type, types), among(conn, claims.c.id_number, chunk))):
                found.held[(int(r.campaign_year), r.id_type, r.id_number)] = _Claim(
                    r.device_id, r.village, r.payment_id, r.line_id)
        return found

    def _conflict(self, year: int,
                  line: catalogue.PaymentLine) -> tuple[str, str | None, str] | None:
        who = mask_id_number(line.id_number)
        if line.id_number in self.employees:
            return "employee_insured", None, f"{who} 已参加职工医保，不能再参加城乡居民医保，需要退费"
        channel = self.paid.get((year, line.id_number))
        if channel is not None:
            return "paid_elsewhere", None, f"{who} 已通过{channel}缴纳{year}年度保费，本笔重复，需要退费"
        # Only accepted claims are held: a refused payment never claimed anyone.
        claim = self.held.get((year, line.id_type, line.id_number))
        if claim is not None and claim.line_id != line.line_id:
            return ("duplicate_enrolment", claim.village,
                    f"{who} {year}年度已在村 {claim.village} 先行参保缴费（先到先得），本笔重复，需要退费")
        return None

    def pay(self, conn: Connection, feed: FeedBatch, device: Any, event_uuid: str,
            pay: catalogue.PaymentCollected, now: str) -> list[str]:
        """Claim each line's person for the year, or record the conflict and feed its notice
        to the village; the conflicts' messages."""
        messages: list[str] = []
        year = pay.campaign_year
        for line in pay.lines:
            found = self._conflict(year, line)
            if found is None:
                key = (year, line.id_type, line.id_number)
                if key not in self.held:  # (a line claiming again holds its claim already)
                    self.held[key] = _Claim(device.id, device.village, pay.payment_id,
                                            line.line_id)
                    self.pending.append({
                        "campaign_year": year, "id_type": line.id_type,
                        "id_number": line.id_number, "device_id": device.id,
                        "village": device.village, "payment_id": pay.payment_id,
                        "line_id": line.line_id, "event_uuid": event_uuid, "claimed_at": now})
                continue
            reason, other_village, message = found
            notice = ConflictData(
                notice_id=str(uuid.uuid4()), reason=reason, message=message,
                event_uuid=event_uuid, campaign_year=year, payment_id=pay.payment_id,
                line_id=line.line_id, id_number=line.id_number, name=line.name,
                receipt=pay.receipt.label if pay.receipt else None, other_village=other_village)
            conn.execute(insert(conflicts).values(
                notice_id=notice.notice_id, device_id=device.id, village=device.village,
                reason=reason, campaign_year=year, id_number=line.id_number, name=line.name,
                payment_id=pay.payment_id, line_id=line.line_id, event_uuid=event_uuid,
                other_village=other_village, created_at=now))
            feed.add("conflict", notice, village=device.village, device_id=device.id)
            messages.append(message)
        return messages

    def release(self, conn: Connection, device: Any, *, column: str, value: object,
                resolution: str, now: str) -> None:
        """A void or a refund ends an enrolment: the person may be enrolled again elsewhere."""
        if not isinstance(value, str) or not value:
            return
        self.flush(conn)
        claim_col = claims.c.payment_id if column == "payment_id" else claims.c.line_id
        conflict_col = conflicts.c.payment_id if column == "payment_id" else conflicts.c.line_id
        conn.execute(delete(claims).where(claims.c.device_id == device.id, claim_col == value))
        conn.execute(update(conflicts)
                     .where(conflicts.c.device_id == device.id, conflict_col == value,
                            conflicts.c.resolved_at.is_(None))
                     .values(resolved_at=now, resolution=resolution))
        self.held = {key: c for key, c in self.held.items()
                     if c.device_id != device.id or getattr(c, column) != value}

    def flush(self, conn: Connection) -> None:
        """Insert the claims made since the last flush (a person claimed at once by another
        push fails here, on the primary key, and the push is retried)."""
        insert_rows(conn, claims, self.pending)
        self.pending = []
