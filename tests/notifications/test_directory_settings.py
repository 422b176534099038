"""Settings, a kind of directory team: the schools and colleges that convene their plans' annual reviews."""

import pytest

from ehcna.bootstrap import directory_teams
from ehcna.notifications.policy import DEFAULT_POLICY_PATH, PolicyError, load_policy, parse_policy


def test_the_shipped_directory_names_its_schools_and_college_as_settings():
    policy = load_policy(DEFAULT_POLICY_PATH)
    settings = sorted(tid for tid, team in policy.directory.teams.items() if team.setting)
    assert settings == ["elm-secondary", "oak-primary", "riverside-college", "willow-infants"]
    teams = directory_teams(policy)  # as the web app knows them
    assert teams["oak-primary"].setting and not teams["north"].setting and not teams["ep-service"].setting


def test_a_team_of_case_officers_cannot_be_a_setting():
    north = '[directory.teams.north]\nname = "North SEN team"\n'
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8").replace(north, north + "setting = true\n")
    with pytest.raises(PolicyError, match=r"holds cases \(casework\) or is a setting, not both"):
        parse_policy(text)
