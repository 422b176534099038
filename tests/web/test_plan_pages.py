"""The plan page over HTTP on the real plan workflows and store: the review timeline in words, only the
steps possible now, GOV.UK error summaries for refused steps and bad dates, and the setting's view."""

import asyncio
from datetime import timedelta

from fastapi.routing import APIRoute

from domain.plan_calendar import review_due
from domain.words import day_in_words
from ehcna.web.pages import plans as plan_pages
from ehcna.web.plan_actions import PLAN_STEPS
from tests.web.test_api import start, today
from tests.web.test_pages import CODES, date_fields, error_links, post_form, shown, site  # noqa: F401
from tests.web.test_plans_api import forbidden, new_plan_ref, start_plan

DAY = timedelta(days=1)


async def test_the_plan_page_shows_the_timeline_in_words_and_only_the_steps_possible_now(site):  # noqa: F811
    ref = new_plan_ref()
    await start_plan(site.api, ref)
    http = await site.signed_in("officer")
    page = await http.get(f"/plans/{ref}")
    assert page.status_code == 200, page.text
    text = shown(page.text)
    assert "Review timeline" in text
    assert "Annual review of the plan within 12 months" in text
    assert day_in_words(review_due(today() - timedelta(days=300))) in text
    assert not CODES.search(text), CODES.search(text)  # dates in words, never codes
    assert f'href="/plans/{ref}/schedule-review-meeting"' in page.text
    assert f'href="/plans/{ref}/decide-review"' not in page.text  # no meeting held yet
    assert f'href="/plans/{ref}/hold-review-meeting"' not in page.text  # none arranged


async def test_a_refused_step_and_a_bad_date_come_back_with_the_error_summary(site):  # noqa: F811
    ref = new_plan_ref()
    await start_plan(site.api, ref)
    http = await site.signed_in("officer")
    # the rule refuses: no meeting arranged (409), the reason on the date it is about
    r = await post_form(http, f"/plans/{ref}/hold-review-meeting", date_fields("on", today()))
    assert r.status_code == 409
    assert error_links(r.text) == [
        ("#on-day", "Cannot record the review meeting: no review meeting has been arranged (R2)")
    ]
    assert "Error: Record the review meeting as held" in r.text  # the title says there is an error
    # not a date at all (422), and a missing one
    bad = {"meeting_on-day": "31", "meeting_on-month": "2", "meeting_on-year": "2027"}
    r = await post_form(http, f"/plans/{ref}/schedule-review-meeting", bad)
    assert r.status_code == 422
    assert error_links(r.text) == [
        ("#meeting_on-day", "The date must be a real date"),
        ("#on-day", "Enter the date the invitations were sent"),
    ]
    # a meeting a week ahead is recorded, and its short notice warned of on the plan page
    meeting = today() + timedelta(days=7)
    form = {**date_fields("meeting_on", meeting), **date_fields("on", today())}
    r = await post_form(http, f"/plans/{ref}/schedule-review-meeting", form)
    assert r.status_code == 303 and r.headers["location"] == f"/plans/{ref}"
    page = await http.get(f"/plans/{ref}")
    text = " ".join(shown(page.text).split())
    assert "Review meeting arranged" in text  # the success banner
    assert "Warning Invitations to the review meeting at least 2 weeks before it (reg 20)" in text
    assert day_in_words(meeting) in text
    assert f'href="/plans/{ref}/hold-review-meeting"' in page.text


async def test_the_school_records_its_own_steps_and_no_other(site):  # noqa: F811
    ref = new_plan_ref()
    await start_plan(site.api, ref)
    school = await site.signed_in("school")
    form = {**date_fields("meeting_on", today()), **date_fields("on", today() - timedelta(days=20))}
    r = await post_form(school, f"/plans/{ref}/schedule-review-meeting", form)
    assert r.status_code == 303, r.text
    page = await school.get(f"/plans/{ref}")
    assert page.status_code == 200
    assert f'href="/plans/{ref}/hold-review-meeting"' in page.text
    assert f'href="/plans/{ref}/decide-to-cease"' not in page.text  # the council's step
    assert (await school.get(f"/plans/{ref}/decide-to-cease")).status_code == 403
    # another team's officer, and another setting, see nothing of it
    for who in ("south-officer", "health"):
        other = await site.signed_in(who)
        assert (await other.get(f"/plans/{ref}")).status_code == 403, who
    assert (await (await site.signed_in("officer")).get("/plans/NO-SUCH-PLAN")).status_code == 404


async def test_the_case_page_links_to_the_plan_the_case_issued(site):  # noqa: F811
    ref = new_plan_ref()
    await start(site.api, ref)  # the assessment; its plan in force shares its reference
    http = await site.signed_in("officer")
    assert f'href="/plans/{ref}"' not in (await http.get(f"/cases/{ref}")).text
    await start_plan(site.api, ref, days_ago=10)
    for _ in range(50):  # the plan's first event is recorded by the worker a moment after its start
        page = await http.get(f"/cases/{ref}")
        if f'href="/plans/{ref}"' in page.text:
            break
        await asyncio.sleep(0.1)
    assert f'href="/plans/{ref}"' in page.text


async def test_every_plan_page_refuses_an_officer_of_another_team(site):  # noqa: F811
    ref = new_plan_ref()
    await start_plan(site.api, ref)
    south = await site.signed_in("south-officer")
    walked = 0
    for route in plan_pages.router.routes:
        assert isinstance(route, APIRoute)
        for method in sorted(route.methods - {"HEAD"}):
            for name in PLAN_STEPS if "{step}" in route.path else [""]:
                path = route.path.replace("{ref}", ref).replace("{step}", name)
                r = await south.request(method, path, data={})
                assert r.status_code == 403, (method, path, r.status_code)
                walked += 1
    assert walked == 1 + 2 * len(PLAN_STEPS)
    assert forbidden(site.api, ref) == walked  # each refusal audited, with the plan it concerned


async def test_a_case_that_issued_its_plan_with_no_year_group_has_its_plan_started_from_the_case_page(site):  # noqa: F811
    ref = new_plan_ref()
    await start(site.api, ref, days_ago=100)  # no year group
    officer = site.api.auth("officer")
    for action, body in [
        ("decide-to-assess", {"yes": True, "on": str(today() - timedelta(days=90))}),
        *[
            (
                "request-advice",
                {"advice_kind": kind, "provider_team": team, "requested_on": str(today() - 85 * DAY)},
            )
            for kind, team in [
                ("PARENT", "family"),
                ("EDUCATION", "oak-school"),
                ("HEALTH", "icb-community-paeds"),
                ("EP", "ep-service"),
                ("SOCIAL_CARE", "social-care"),
            ]
        ],
    ]:
        r = await site.api.http.post(f"/api/cases/{ref}/{action}", json=body, headers=officer)
        assert r.status_code == 200, (action, r.text)
    case = (await site.api.http.get(f"/api/cases/{ref}", headers=officer)).json()["case"]["case"]
    overdue = str(today() - 40 * DAY)
    late = [("advice-not-received", {"advice_id": a["id"], "on": overdue}) for a in case["advice"]]
    for action, body in [
        *late,
        ("decide-to-issue", {"yes": True, "on": str(today() - timedelta(days=40))}),
        ("serve-draft", {"on": str(today() - timedelta(days=30))}),
        ("issue-final-plan", {"on": str(today() - timedelta(days=5))}),
    ]:
        r = await site.api.http.post(f"/api/cases/{ref}/{action}", json=body, headers=officer)
        assert r.status_code == 200, (action, r.text)
    http = await site.signed_in("officer")
    page = await http.get(f"/cases/{ref}")
    assert "Not started" in shown(page.text) and f'href="/cases/{ref}/start-plan"' in page.text
    # another team's officer may not start it (403, audited as every refusal is)
    south = await site.signed_in("south-officer")
    assert (await south.get(f"/cases/{ref}/start-plan")).status_code == 403
    # a year group out of range comes back with the error summary; nothing started
    r = await post_form(http, f"/cases/{ref}/start-plan", {"year_group": "15"})
    assert r.status_code == 422 and error_links(r.text)[0][0] == "#year_group"
    assert (await site.api.http.get(f"/api/plans/{ref}", headers=officer)).status_code == 404
    r = await post_form(http, f"/cases/{ref}/start-plan", {"year_group": "6"})
    assert r.status_code == 303 and r.headers["location"] == f"/plans/{ref}"
    got = (await site.api.http.get(f"/api/plans/{ref}", headers=officer)).json()["plan"]["plan"]
    # started as the case would have started it: on the day the final plan was issued, the year given
    assert got["start_on"] == str(today() - timedelta(days=5)) and got["team"] == "north"
    assert [t["year_group"] for t in got["transfers"]][:1] == [7]  # year 6 to 7: the next transfer owed
    for _ in range(50):  # the case page now links to the plan, once its first event is recorded
        page = await http.get(f"/cases/{ref}")
        if f'href="/plans/{ref}"' in page.text:
            break
        await asyncio.sleep(0.1)
    assert f'href="/plans/{ref}"' in page.text and "Not started" not in shown(page.text)
