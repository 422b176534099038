"""Annual reviews owed, as lists: a team's (the officer's worklist of reviews), a setting's (the reviews
a school must convene) and the service's overdue ones (the manager's digest).

A review is owed while its plan is in force with no decision to cease and its meeting not yet held
(``plans.review_due`` set, ``plans.review_held_on`` empty). The most overdue comes first (by days late),
then the one due soonest: ordering by the due date does both.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ehcna.store.plans import PlanRow

REVIEWS_PAGE = 200  # one page of a team's reviews: more than a team convenes in a month


@dataclass(frozen=True)
class ReviewItem:
    ref: str
    team: str
    setting_team: str | None
    review_due: date  # the R1 (or R10) date
    meeting_on: date | None  # the meeting arranged, if it is
    days_late: int  # 0 when not yet late

    @property
    def overdue(self) -> bool:
        return self.days_late > 0


def _owed() -> Select[Any]:
    p = PlanRow
    return select(p).where(p.ended_on.is_(None), p.review_due.is_not(None), p.review_held_on.is_(None))


def _items(session: Session, query: Select[Any], today: date) -> list[ReviewItem]:
    rows = session.scalars(query.order_by(PlanRow.review_due, PlanRow.ref))
    out = []
    for r in rows:
        assert r.review_due is not None  # _owed
        out.append(
            ReviewItem(
                ref=r.ref,
                team=r.team,
                setting_team=r.setting_team,
                review_due=r.review_due,
                meeting_on=r.meeting_on,
                days_late=max(0, (today - r.review_due).days),
            )
        )
    return out


def reviews_owed(
    session: Session, today: date, teams: tuple[str, ...] | None = None, limit: int = REVIEWS_PAGE
) -> list[ReviewItem]:
    """The reviews owed on the plans of ``teams`` (None: every team), most overdue first, then the soonest."""
    query = _owed()
    if teams is not None:
        query = query.where(PlanRow.team.in_(teams))
    return _items(session, query.limit(limit), today)


def reviews_to_convene(
    session: Session, setting_team: str, today: date, limit: int = REVIEWS_PAGE
) -> list[ReviewItem]:
    """The reviews a setting must convene (its plans' reviews owed), most overdue first."""
    query = _owed().where(PlanRow.setting_team == setting_team)
    return _items(session, query.limit(limit), today)


def overdue_reviews(session: Session, today: date, teams: tuple[str, ...] | None = None) -> list[ReviewItem]:
    """The reviews of ``teams`` (None: every team) whose date has passed without their meeting (L8's plans
    today), most overdue first."""
    query = _owed().where(PlanRow.review_due < today)
    if teams is not None:
        query = query.where(PlanRow.team.in_(teams))
    return _items(session, query, today)


def overdue_count(session: Session, today: date, teams: tuple[str, ...] | None = None) -> int:
    """How many reviews of ``teams`` (None: every team) are overdue."""
    query = _owed().where(PlanRow.review_due < today)
    if teams is not None:
        query = query.where(PlanRow.team.in_(teams))
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0
