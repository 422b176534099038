"""Who may read a plan and take its steps (domain.access.plan_refusal): the plan's team as for a case, the
setting that convenes its reviews for its own steps only."""

from domain.access import CaseAccess, plan_refusal
from domain.commands import Actor, Role

READ, ACT = CaseAccess.READ, CaseAccess.ACT


def who(role: Role, team: str | None) -> Actor:
    return Actor(user="u", role=role, team=team)


def test_officers_managers_and_the_head_of_service_as_for_a_case():
    assert plan_refusal(who(Role.CASE_OFFICER, "north"), ACT, "north", "oak") is None
    refused = plan_refusal(who(Role.CASE_OFFICER, "south"), READ, "north", "oak")
    assert refused == "this plan belongs to team north; case officers work on their own team's cases"
    assert plan_refusal(who(Role.MANAGER, "south"), READ, "north", "oak") is None
    assert plan_refusal(who(Role.MANAGER, "south"), ACT, "north", "oak") is not None
    assert plan_refusal(who(Role.MANAGER, "south"), ACT, "north", "oak", managed=("north",)) is None
    assert plan_refusal(who(Role.ADMIN, None), ACT, "north", None) is None


def test_the_setting_reads_the_plan_and_records_its_own_steps_only():
    school = who(Role.PROVIDER, "oak")
    assert plan_refusal(school, READ, "north", "oak") is None
    assert plan_refusal(school, ACT, "north", "oak", setting_step=True) is None
    assert plan_refusal(school, ACT, "north", "oak", setting_step=False) == (
        "a setting records the review meeting and its report; the council takes the other steps"
    )
    other = "this plan's reviews are convened by another setting"
    assert plan_refusal(who(Role.PROVIDER, "elm"), READ, "north", "oak") == other
    assert plan_refusal(who(Role.PROVIDER, "oak"), READ, "north", None) == other  # no setting named
    assert plan_refusal(who(Role.PROVIDER, None), READ, "north", None) == other
