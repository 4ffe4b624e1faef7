"""What the roundtable's screens show, read in one go per list (the writes are in
:mod:`plugins.deliberation.services`): plain data back, no query per row."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from plugins.deliberation.models import Consultation, Round, RoundState


def receiving_round(session: Session) -> tuple[int, int] | None:
    """(consultation id, round id) of the newest round receiving ballots, or None."""
    row = session.execute(
        select(Round.consultation_id, Round.id).join(Consultation, Consultation.id == Round.consultation_id)
        .where(Round.state == RoundState.open.value).order_by(Round.opened_at.desc(), Round.id.desc()).limit(1)
    ).first()
    return None if row is None else (row[0], row[1])
