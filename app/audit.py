"""The append-only audit log: every decision, memo, sign-off and admin action, and its CSV export."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from typing import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.spreadsheet import safe_cell
from pipeline.store import models as m

CSV_COLUMNS = ["id", "at", "user", "action", "object_type", "object_id", "details"]


def record(session: Session, user_id: int | None, action: str, object_type: str, object_id: str,
           details: dict | None = None) -> None:
    """Add an audit row inside the caller's transaction, so it commits with the change it records."""
    session.add(m.AuditEntry(user_id=user_id, action=action, object_type=object_type, object_id=str(object_id)[:200],
                             details=details or {}, at=datetime.now(timezone.utc)))


def entries(session: Session, *, limit: int | None = None, before_id: int | None = None) -> list[tuple]:
    """``(AuditEntry, username)`` rows, newest first."""
    q = (select(m.AuditEntry, m.User.username).outerjoin(m.User, m.User.id == m.AuditEntry.user_id)
         .order_by(m.AuditEntry.id.desc()))
    if before_id is not None:
        q = q.where(m.AuditEntry.id < before_id)
    if limit is not None:
        q = q.limit(limit)
    return list(session.execute(q))


def csv_rows(rows: Iterable[tuple]) -> Iterator[list[str]]:
    for entry, username in rows:
        at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=timezone.utc)
        yield [str(entry.id), at.isoformat(), safe_cell(username or ""), safe_cell(entry.action),
               safe_cell(entry.object_type), safe_cell(entry.object_id),
               safe_cell(json.dumps(entry.details, ensure_ascii=False, sort_keys=True))]


def export_csv(session: Session) -> str:
    """The whole log, oldest first, as CSV (UTF-8; the caller adds a BOM if it wants one)."""
    rows = list(session.execute(
        select(m.AuditEntry, m.User.username).outerjoin(m.User, m.User.id == m.AuditEntry.user_id)
        .order_by(m.AuditEntry.id)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(rows))
    return out.getvalue()
