"""Annual reviews owed, on the officer's worklist (most overdue first by days late, then the next due), in
the API, and in a school's inbox (the reviews it convenes); another team's or setting's never."""

from uuid import uuid4

from tests.store.plans_seed import store_plan
from tests.web.test_api import today
from tests.web.test_pages import shown, site  # noqa: F401  (site: the pages' fixture)


def seed(db) -> dict[str, str]:
    """Four north plans (two overdue, one due soon, one with no setting) and one of the south team."""
    tag = uuid4().hex[:5]
    refs = {k: f"RV-{k}-{tag}" for k in ("late10", "late40", "soon", "elm", "south")}
    store_plan(db, refs["late10"], 375, today())  # 12 months + about 10 days ago
    store_plan(db, refs["late40"], 405, today())  # about 40 days late
    store_plan(db, refs["soon"], 340, today())  # due in about 25 days
    store_plan(db, refs["elm"], 200, today(), setting_team="elm-school")
    store_plan(db, refs["south"], 500, today(), team="south")
    return refs


async def test_the_worklist_of_reviews_puts_the_most_overdue_first(site):  # noqa: F811
    refs = seed(site.api.db)
    api = site.api
    r = await api.http.get("/api/reviews", headers=api.auth("officer"))
    assert r.status_code == 200, r.text
    mine = [i["ref"] for i in r.json() if i["ref"].startswith("RV-")]
    assert mine == [refs["late40"], refs["late10"], refs["soon"], refs["elm"]]
    late = {i["ref"]: i["days_late"] for i in r.json()}
    assert late[refs["late40"]] > late[refs["late10"]] > 0 and late[refs["soon"]] == 0
    # the page says the same in words, linking each plan
    http = await site.signed_in("officer")
    page = await http.get("/reviews")
    assert page.status_code == 200
    text = " ".join(shown(page.text).split())
    order = [text.index(f"Plan {refs[k]}") for k in ("late40", "late10", "soon", "elm")]
    assert order == sorted(order) and refs["south"] not in text
    assert f'href="/plans/{refs["late40"]}"' in page.text and "Overdue by" in text
    # the worklist says how many are overdue, and links to them
    cases = " ".join(shown((await http.get("/cases")).text).split())
    assert "annual reviews overdue on your team's EHC plans" in cases
    assert 'href="/reviews"' in (await http.get("/cases")).text


async def test_a_school_sees_the_reviews_it_convenes_in_its_inbox(site):  # noqa: F811
    refs = seed(site.api.db)
    api = site.api
    r = await api.http.get("/api/reviews", headers=api.auth("school"))
    assert r.status_code == 200
    theirs = [i["ref"] for i in r.json() if i["ref"].startswith("RV-")]
    assert theirs == [refs["south"], refs["late40"], refs["late10"], refs["soon"]]  # oak-school's, any team
    r = await api.http.get("/api/reviews", headers=api.auth("health"))
    assert [i for i in r.json() if i["ref"].startswith("RV-")] == []
    school = await site.signed_in("school")
    inbox = await school.get("/inbox")
    assert inbox.status_code == 200
    text = " ".join(shown(inbox.text).split())
    assert "Annual reviews to convene" in text and f"Plan {refs['late40']}" in text
    assert refs["elm"] not in text
    assert (await school.get("/reviews")).status_code == 403  # the council's worklist, not a setting's


async def test_a_setting_with_no_review_to_convene_is_told_so_and_other_providers_see_no_reviews(site):  # noqa: F811
    school = await site.signed_in("school")
    text = " ".join(shown((await school.get("/inbox")).text).split())
    assert "There are no annual reviews for your setting to convene" in text
    health = await site.signed_in("health")  # not a setting (the directory's kind)
    assert "Annual reviews" not in shown((await health.get("/inbox")).text)


async def test_a_manager_sees_every_team_s_reviews_with_their_team(site):  # noqa: F811
    refs = seed(site.api.db)
    manager = await site.signed_in("manager")
    page = await manager.get("/reviews")
    assert page.status_code == 200
    text = " ".join(shown(page.text).split())
    assert "Every team" in text and "Case officer team" in text
    assert f"Plan {refs['south']}" in text and f"Plan {refs['late40']}" in text
    south, north = text.index(f"Plan {refs['south']}"), text.index(f"Plan {refs['late40']}")
    assert south < north  # the most overdue first, whichever team
