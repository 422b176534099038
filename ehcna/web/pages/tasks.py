"""The case page's task list: the statutory steps in order, each done, possible now, or not yet.

Only the steps the case's stage allows are links; the workflow's validated update still judges
each one when it is sent.
"""

from dataclasses import dataclass
from datetime import date

from domain.case import AdviceStatus
from domain.views import CaseView
from ehcna.web.pages.rendering import long_date


@dataclass(frozen=True)
class Task:
    title: str
    href: str | None  # None: not possible now
    status: str  # "Completed", "Not yet started", "In progress", "Cannot start yet", "Not needed"
    hint: str | None = None

    @property
    def tag(self) -> str | None:
        """GOV.UK task list: a tag for what is still to do; plain text for done or not possible."""
        return {"Not yet started": "govuk-tag--blue", "In progress": "govuk-tag--light-blue"}.get(self.status)


MAIN_STEPS = (
    "decide-to-assess",
    "request-advice",
    "submit-advice",
    "decide-to-issue",
    "serve-draft",
    "family-response",
    "issue-final-plan",
)


def case_tasks(view: CaseView, available: set[str], advice_set_href: str | None = None) -> list[Task]:
    case = view.case
    ref = case.ref

    def link(action: str) -> str | None:
        return f"/cases/{ref}/{action}" if action in available else None

    def task(
        title: str, action: str, done_on: date | None, hint: str | None = None, stopped: bool = False
    ) -> Task:
        if done_on:
            return Task(title, None, "Completed", hint or f"On {long_date(done_on)}")
        if stopped:
            return Task(title, None, "Not needed", hint)
        href = link(action)
        return Task(title, href, "Not yet started" if href else "Cannot start yet", hint)

    assess = case.decision_to_assess
    issue = case.decision_to_issue
    no_assessment = assess is not None and not assess.yes
    no_plan = issue is not None and not issue.yes
    ended = case.is_closed
    out = [
        task(
            "Decide whether to assess",
            "decide-to-assess",
            assess.on if assess else None,
            f"{'Yes' if assess.yes else 'No'}, on {long_date(assess.on)}" if assess else None,
        )
    ]
    live = [a for a in case.advice if a.status is not AdviceStatus.WITHDRAWN]
    received = [a for a in live if a.status in (AdviceStatus.RECEIVED, AdviceStatus.EXISTING_USED)]
    request_href = (
        advice_set_href if "request-advice" in available and advice_set_href else link("request-advice")
    )
    if no_assessment or (ended and not live):
        out.append(Task("Request advice", None, "Not needed"))
    elif live:
        out.append(
            Task(
                "Request advice",
                request_href,
                "Completed" if not request_href else "In progress",
                f"{len(live)} request{'s' if len(live) != 1 else ''} sent",
            )
        )
    else:
        out.append(
            Task("Request advice", request_href, "Not yet started" if request_href else "Cannot start yet")
        )
    if live:
        waiting = len(live) - len(received)
        out.append(
            Task(
                "Record advice received",
                link("submit-advice") if waiting else None,
                "Completed" if not waiting else "In progress",
                f"{len(received)} of {len(live)} received",
            )
        )
    out.append(
        task(
            "Decide whether to issue an EHC plan",
            "decide-to-issue",
            issue.on if issue else None,
            f"{'Yes' if issue.yes else 'No'}, on {long_date(issue.on)}" if issue else None,
            stopped=no_assessment,
        )
    )
    plan_stopped = no_assessment or no_plan
    out.append(task("Serve the draft plan", "serve-draft", case.draft_served_on, stopped=plan_stopped))
    out.append(
        task("Record the family's response", "family-response", case.family_response_on, stopped=plan_stopped)
    )
    out.append(
        task("Issue the final EHC plan", "issue-final-plan", case.final_plan_issued_on, stopped=plan_stopped)
    )
    if ended:  # a closed case: nothing is possible; steps not taken were not needed
        out = [t if t.status == "Completed" else Task(t.title, None, "Not needed", t.hint) for t in out]
    return out
