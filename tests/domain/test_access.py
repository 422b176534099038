"""Access by team (architecture.md): each role's reach over a case, as a rule."""

import pytest

from domain.access import OTHER_TEAMS_CHILD, CaseAccess, child_refusal, refusal, visible_teams
from domain.commands import Actor, Role

NORTH_OFFICER = Actor(user="o", role=Role.CASE_OFFICER, team="north")
NORTH_MANAGER = Actor(user="m", role=Role.MANAGER, team="north")
HEAD = Actor(user="h", role=Role.ADMIN, team=None)
PROVIDER = Actor(user="p", role=Role.PROVIDER, team="health")


@pytest.mark.parametrize("access", list(CaseAccess))
def test_officers_read_and_act_on_their_own_team_s_cases_only(access):
    assert refusal(NORTH_OFFICER, access, "north") is None
    assert "own team" in (refusal(NORTH_OFFICER, access, "south") or "")


def test_managers_read_every_case_and_act_on_the_teams_they_manage():
    assert refusal(NORTH_MANAGER, CaseAccess.READ, "south") is None
    assert refusal(NORTH_MANAGER, CaseAccess.ACT, "north") is None
    assert refusal(NORTH_MANAGER, CaseAccess.ACT, "east", managed={"east"}) is None
    assert "do not manage" in (refusal(NORTH_MANAGER, CaseAccess.ACT, "south") or "")


@pytest.mark.parametrize("access", list(CaseAccess))
def test_the_head_of_service_reads_and_acts_on_all(access):
    assert refusal(HEAD, access, "south") is None


@pytest.mark.parametrize("access", list(CaseAccess))
def test_providers_reach_no_case_directly(access):
    assert refusal(PROVIDER, access, "health") is not None


def test_lists_show_an_officer_their_team_and_managers_every_team():
    assert visible_teams(NORTH_OFFICER) == "north"
    assert visible_teams(NORTH_MANAGER) is None and visible_teams(HEAD) is None


def test_a_childs_record_is_seen_through_the_cases_held_on_the_child():
    north, south = (
        Actor(user="o", role=Role.CASE_OFFICER, team="north"),
        Actor(user="s", role=Role.CASE_OFFICER, team="south"),
    )
    assert child_refusal(north, {"north"}) is None
    assert child_refusal(north, {"south", "north"}) is None  # one of the child's cases is enough
    assert child_refusal(south, {"north"}) == OTHER_TEAMS_CHILD
    assert child_refusal(south, set()) == OTHER_TEAMS_CHILD  # no case yet: not an officer's to find
    for role in (Role.MANAGER, Role.ADMIN):  # they read every case, so every child
        assert child_refusal(Actor(user="m", role=role, team="south"), {"north"}) is None
        assert child_refusal(Actor(user="m", role=role, team="south"), set()) is None
    assert child_refusal(Actor(user="p", role=Role.PROVIDER, team="north"), {"north"}) is not None
