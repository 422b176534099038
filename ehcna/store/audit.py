"""The append-only audit trail: who did what to which case, and who was refused what.

Written by the case records (each applied action), the importer, and the web
layer (each refusal). A row is keyed, so a retried write adds nothing.
"""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from domain.commands import Actor
from ehcna.store.models import AuditRow
from ehcna.store.upsert import insert_ignore


def append_audit(
    session: Session,
    *,
    key: str,
    case_ref: str | None,
    seq: int | None,
    action: str,
    by: Actor,
    at: datetime,
    detail: dict[str, Any],
) -> bool:
    return insert_ignore(
        session,
        AuditRow.__table__,
        {
            "key": key,
            "case_ref": case_ref,
            "seq": seq,
            "action": action,
            "actor_user": by.user,
            "actor_role": str(by.role),
            "actor_team": by.team,
            "at": at,
            "detail": detail,
        },
    )
