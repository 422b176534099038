"""Roles resolved to people and channels from the directory, at send time."""

import pytest
from pydantic import ValidationError

from domain.escalation import Audience, Channel
from ehcna.notifications.directory import Directory, resolve
from tests.notifications.policies import PEOPLE, make_policy

EMAIL, WEBHOOK = Channel.EMAIL, Channel.WEBHOOK


def directory() -> Directory:
    return make_policy(25, "http://127.0.0.1:9").directory


def who(targets) -> list[tuple[str, str, str]]:
    return [(t.recipient, str(t.channel), t.address) for t in targets]


def test_team_roles_resolve_to_members_and_managers_of_the_right_team():
    d = directory()
    roles = [Audience.HOLDER_TEAM, Audience.CASE_MANAGER]
    assert who(resolve(d, roles, [EMAIL], case_team="north", holder="ep-service")) == [
        ("ep-1", "email", PEOPLE["ep-1"]),
        ("north-lead", "email", PEOPLE["north-lead"]),
    ]


def test_each_person_and_each_channel_is_addressed_once():
    d = directory()
    roles = [
        Audience.CASE_TEAM,
        Audience.HOLDER_TEAM,
        Audience.CASE_MANAGER,
        Audience.HOLDER_MANAGER,
        Audience.HEAD_OF_SERVICE,
    ]
    targets = resolve(d, roles, [EMAIL, WEBHOOK], case_team="north", holder="north")
    assert who(targets) == [
        ("north-1", "email", PEOPLE["north-1"]),
        ("north-2", "email", PEOPLE["north-2"]),
        ("north-lead", "email", PEOPLE["north-lead"]),
        ("hos", "email", PEOPLE["hos"]),
        ("webhook:managers", "webhook", "managers"),  # the head of service's channel
    ]


def test_a_team_not_in_the_directory_goes_to_the_fallback_team():
    targets = resolve(directory(), [Audience.HOLDER_TEAM], [EMAIL], case_team="north", holder="oak-school")
    assert who(targets) == [("admin", "email", PEOPLE["admin"])]


def test_the_family_is_reached_only_when_a_contact_is_known():
    d = directory()
    roles = [Audience.FAMILY, Audience.CASE_MANAGER]
    assert [t.recipient for t in resolve(d, roles, [EMAIL], "north", "north")] == ["north-lead"]
    with_contact = resolve(d, roles, [EMAIL], "north", "north", family_email="parent@example.net")
    assert who(with_contact)[-1] == ("family", "email", "parent@example.net")


def test_an_address_changed_in_one_place_changes_every_role_that_names_the_person():
    d = directory()
    people = {
        **d.people,
        "north-lead": d.people["north-lead"].model_copy(update={"email": "new@example.org"}),
    }
    moved = d.model_copy(update={"people": people})
    for roles in ([Audience.CASE_MANAGER], [Audience.HOLDER_MANAGER]):
        assert who(resolve(moved, roles, [EMAIL], "north", "north")) == [
            ("north-lead", "email", "new@example.org")
        ]


def test_a_bad_address_is_refused():
    with pytest.raises(ValidationError, match="'not-an-address' is not an email address"):
        Directory.model_validate(
            {
                "head_of_service": "a",
                "fallback_team": "t",
                "people": {"a": {"name": "A", "email": "not-an-address"}},
                "teams": {"t": {"name": "T", "manager": "a"}},
            }
        )
