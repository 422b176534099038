"""The standard advice set in one form (/cases/<ref>/advice-set): the kinds reg 6(1) asks for this
child, each team preselected from the directory and changeable, one request per ticked kind, once."""

import re

from tests.web.test_casework import body
from tests.web.test_pages import (  # noqa: F401 - the site fixture
    date_fields,
    error_links,
    new_ref,
    post_form,
    site,
    today,
)


async def test_the_ticked_kinds_are_requested_once_each_with_the_teams_chosen(site):  # noqa: F811
    api = site.api
    ref = new_ref()
    officer = api.auth("officer")
    assert (await api.http.post("/api/cases", json=body(ref), headers=officer)).status_code == 201  # year 3
    decided = await api.http.post(
        f"/api/cases/{ref}/decide-to-assess", json={"yes": True, "on": str(today())}, headers=officer
    )
    assert decided.status_code == 200
    http = await site.signed_in("officer")

    form = (await http.get(f"/cases/{ref}/advice-set")).text
    kinds = re.findall(r'name="ask_([A-Z_]+)"', form)
    assert kinds == [
        "PARENT",
        "EDUCATION",
        "HEALTH",
        "EP",
        "SOCIAL_CARE",
    ]  # year 3: no preparing for adulthood
    assert all(f'id="ask_{k}" name="ask_{k}" type="checkbox" value="true" checked' in form for k in kinds)
    assert '<option value="icb-community-paeds" selected>ICB community paediatrics</option>' in form
    assert '<option value="north"' not in form  # teams asked for advice only
    assert f'href="/cases/{ref}/request-advice"' in form  # a second of one kind: the single form
    submission = re.search(r'name="submission" value="([0-9a-f]+)"', form).group(1)

    missing = await post_form(http, f"/cases/{ref}/advice-set", {"submission": submission, "ask_EP": "true"})
    assert missing.status_code == 422
    assert error_links(missing.text) == [("#requested_on-day", "Enter the date the advice was requested")]

    ticked = {
        "submission": submission,
        "ask_EDUCATION": "true",
        "team_EDUCATION": "oak-school",
        "ask_HEALTH": "true",
        "team_HEALTH": "social-care",  # changed from the default (a council's choice; the directory's check)
        "ask_EP": "true",
        "team_EP": "ep-service",
        "team_SOCIAL_CARE": "social-care",  # not ticked: not asked
        **date_fields("requested_on", today()),
    }
    sent = await post_form(http, f"/cases/{ref}/advice-set", ticked)
    assert sent.status_code == 303 and sent.headers["location"] == f"/cases/{ref}"
    banner = (await http.get(f"/cases/{ref}")).text
    assert "Advice requested: Educational advice, Medical advice, Psychological advice" in banner
    again = await post_form(http, f"/cases/{ref}/advice-set", ticked)  # a double click, a retry
    assert again.status_code == 303

    case = (await api.http.get(f"/api/cases/{ref}", headers=officer)).json()["case"]["case"]
    assert sorted((a["kind"], a["provider_team"], a["requested_on"]) for a in case["advice"]) == [
        ("EDUCATION", "oak-school", str(today())),
        ("EP", "ep-service", str(today())),
        ("HEALTH", "social-care", str(today())),
    ]  # each once, each its own request and clock

    # the form again: what is already asked is offered unticked, the rest ticked
    form = (await http.get(f"/cases/{ref}/advice-set")).text
    assert 'id="ask_EP" name="ask_EP" type="checkbox" value="true">' in form
    assert 'id="ask_SOCIAL_CARE" name="ask_SOCIAL_CARE" type="checkbox" value="true" checked' in form
    assert form.count("A request for this advice is already open.") == 3


async def test_after_a_part_refused_the_same_submission_sends_only_what_was_not_sent(site):  # noqa: F811
    api = site.api
    ref = new_ref()
    officer = api.auth("officer")
    assert (await api.http.post("/api/cases", json=body(ref), headers=officer)).status_code == 201
    decided = await api.http.post(
        f"/api/cases/{ref}/decide-to-assess", json={"yes": True, "on": str(today())}, headers=officer
    )
    assert decided.status_code == 200
    http = await site.signed_in("officer")
    form = (await http.get(f"/cases/{ref}/advice-set")).text
    submission = re.search(r'name="submission" value="([0-9a-f]+)"', form).group(1)
    data = {
        "submission": submission,
        "ask_EP": "true",
        "team_EP": "ep-service",
        "ask_SOCIAL_CARE": "true",
        "team_SOCIAL_CARE": "nowhere",  # forged: refused by the directory, the EP request still sent
        **date_fields("requested_on", today()),
    }
    part = await post_form(http, f"/cases/{ref}/advice-set", data)
    assert part.status_code == 409
    links = error_links(part.text)
    assert links[0] == ("#ask_PARENT", "Requested: Psychological advice. The others were not:")
    assert links[1][0] == "#team_SOCIAL_CARE" and links[1][1].startswith(
        "Social care advice was not requested"
    )
    assert f'name="submission" value="{submission}"' in part.text  # the same submission, its keys kept
    assert 'id="ask_EP" name="ask_EP" type="checkbox" value="true">' in part.text  # sent: not ticked

    # the officer fixes the team and sends again, ticking psychological advice again by mistake
    fixed = await post_form(http, f"/cases/{ref}/advice-set", data | {"team_SOCIAL_CARE": "social-care"})
    assert fixed.status_code == 303
    case = (await api.http.get(f"/api/cases/{ref}", headers=officer)).json()["case"]["case"]
    assert sorted((a["kind"], a["provider_team"]) for a in case["advice"]) == [
        ("EP", "ep-service"),
        ("SOCIAL_CARE", "social-care"),
    ]  # psychological advice once: its keyed request joined the first
