"""What a case looks like to the people reading it on a given day."""

from datetime import date

from pydantic import BaseModel

from domain.case import Case, Stage
from domain.deadlines import Deadline, deadlines, is_breached, next_deadline


class CaseView(BaseModel):
    case: Case
    stage: Stage
    as_of: date
    deadlines: list[Deadline]
    next_deadline: Deadline | None
    breached: bool
    week20_exception: bool


def case_view(case: Case, as_of: date) -> CaseView:
    return CaseView(
        case=case,
        stage=case.stage,
        as_of=as_of,
        deadlines=deadlines(case, as_of),
        next_deadline=next_deadline(case, as_of),
        breached=is_breached(case, as_of),
        week20_exception=case.week20_exception,
    )
