"""The policy file: the shipped default, the timing it gives new cases, and bad files refused."""

import tomllib
from datetime import UTC, datetime, timedelta

import pytest

from domain.alarms import Alarm, AlarmLevel
from domain.escalation import Audience
from domain.statutory_calendar import Duty
from ehcna.bootstrap import load_policy_or_exit
from ehcna.notifications.policy import DEFAULT_POLICY_PATH, PolicyError, load_policy, parse_policy
from ehcna.settings import Settings
from tests.notifications.policies import make_policy, policy_text


def alarm(duty: Duty, level: AlarmLevel, days: int, subject: str | None = None) -> Alarm:
    return Alarm(
        deadline_key=f"{duty}:{subject}" if subject else str(duty),
        duty=duty,
        subject=subject,
        level=level,
        offset_days=days,
        at=datetime(2026, 1, 1, tzinfo=UTC),
        due="2026-01-10",
    )


def test_the_shipped_default_policy_loads_and_times_every_deadline_kind():
    policy = load_policy(DEFAULT_POLICY_PATH)
    timing = policy.timing()
    assert timing.remind_before[Duty.T1] == [14, 7, 2]
    # T2 fires every advice kind's reminders; HEALTH's 21 days is its own
    assert timing.remind_before[Duty.T2] == [21, 14, 7, 2]
    assert timing.escalate_after[Duty.T6] == [7, 28]
    assert timing.escalate_after[Duty.M14] == []
    assert policy.delivery.give_up_after == timedelta(hours=6)

    def keys(node: object) -> set[str]:
        if isinstance(node, dict):
            return set(node) | {k for v in node.values() for k in keys(v)}
        return set()

    secrets = {"password", "api_key", "token", "secret"}
    assert not keys(tomllib.loads(DEFAULT_POLICY_PATH.read_text())) & secrets


def test_each_advice_kind_is_reminded_only_at_its_own_offsets():
    rules = make_policy(25).deadlines
    health_21 = rules.step_for(alarm(Duty.T2, AlarmLevel.REMINDER, 21, "HEALTH-1"))
    assert health_21 is not None and health_21.to == [Audience.HOLDER_TEAM]
    assert rules.step_for(alarm(Duty.T2, AlarmLevel.REMINDER, 14, "HEALTH-1")) is None  # EP's, not HEALTH's
    assert rules.step_for(alarm(Duty.T2, AlarmLevel.REMINDER, 21, "EP-1")) is None
    assert rules.step_for(alarm(Duty.T2, AlarmLevel.REMINDER, 14, "EP-1")) is not None
    breach = rules.step_for(alarm(Duty.T2, AlarmLevel.BREACH, 0, "EP-1"))
    assert breach is not None and breach.to == [Audience.HOLDER_MANAGER, Audience.CASE_MANAGER]


def test_an_offset_from_an_earlier_policy_takes_the_nearest_step_not_silence():
    rules = make_policy(25).deadlines
    old = rules.step_for(alarm(Duty.T1, AlarmLevel.ESCALATION, 28))  # the policy now names only 7
    assert old is not None and old.to == [Audience.HEAD_OF_SERVICE]
    assert rules.step_for(alarm(Duty.T3, AlarmLevel.REMINDER, 14)) is None  # T3 has no reminders now


def refused(text: str) -> str:
    with pytest.raises(PolicyError) as err:
        parse_policy(text, "bad.toml")
    return str(err.value)


def test_a_missing_key_is_named():
    text = policy_text(25).replace('breach = { to = ["case_manager"], channels = ["email"] }\n', "", 1)
    message = refused(text)
    assert "bad.toml" in message
    assert "deadlines.T1.breach: Field required" in message


def test_a_bad_value_is_named_with_what_was_given():
    message = refused(
        policy_text(25).replace(
            'before_days = 7, to = ["case_team"]', 'before_days = 0, to = ["case_team"]', 1
        )
    )
    assert "deadlines.T1.remind[0].before_days: Input should be greater than or equal to 1 (got 0)" in message


def test_an_unknown_role_and_an_unknown_key_are_refused():
    message = refused(policy_text(25).replace('to = ["case_manager"]', 'to = ["director"]', 1))
    assert "deadlines.T1.breach.to[0]" in message and "'director'" in message
    message = refused(policy_text(25) + '\n[deadlines.T7]\nbreach = { to = ["case_team"] }\n')
    assert "deadlines.T7: Extra inputs are not permitted" in message


def test_a_password_in_the_file_is_refused():
    message = refused(policy_text(25).replace('tls = "none"', 'tls = "none"\npassword = "hunter2"'))
    assert "email: password: secrets are read only from the environment (EHCNA_SMTP_PASSWORD)" in message
    assert "hunter2" not in message


def test_a_directory_naming_someone_not_listed_is_refused():
    message = refused(policy_text(25).replace('manager = "ep-lead"', 'manager = "ep-boss"'))
    assert "directory: teams.ep-service.manager: no person 'ep-boss' in people" in message


def test_a_milestone_that_escalates_and_a_family_told_of_deadlines_are_refused():
    text = policy_text(25).replace(
        "[deadlines.M14]\n", '[deadlines.M14]\nescalate = [{ after_days = 7, to = ["case_manager"] }]\n'
    )
    assert "deadlines.M14: M14 is a planning milestone" in refused(text)
    text = policy_text(25).replace('to = ["case_manager"]', 'to = ["family"]', 1)
    assert "deadlines.T1.breach.to: 'family' is told of exceptions only" in refused(text)


def test_a_channel_without_its_settings_is_refused():
    text = policy_text(25).replace(
        'to = ["case_manager"], channels = ["email"]', 'to = ["case_manager"], channels = ["notify"]', 1
    )
    assert "notify: the policy uses GOV.UK Notify but has no [notify] section" in refused(text)


def test_a_file_that_is_not_toml_says_where():
    message = refused("[links\ncase_base_url = 1\n")
    assert "bad.toml is not valid TOML" in message and "line 1" in message


def test_the_worker_stops_with_the_message_on_a_bad_file(tmp_path, capsys):
    bad = tmp_path / "escalation.toml"
    bad.write_text(policy_text(25).replace('give_up_after = "PT6H"', 'give_up_after = "soon"'))
    with pytest.raises(SystemExit) as stop:
        load_policy_or_exit(Settings(escalation_policy=bad))
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "delivery.give_up_after" in err and "'soon'" in err
    with pytest.raises(SystemExit):
        load_policy_or_exit(Settings(escalation_policy=tmp_path / "missing.toml"))
    assert "cannot be read" in capsys.readouterr().err
