"""The manager's daily digest lists the annual reviews of their teams that are overdue, most overdue first,
each linking to its plan's page."""

from ehcna.bootstrap import build_notifications
from ehcna.notifications.policy import parse_policy
from ehcna.settings import Settings
from tests.notifications.policies import PEOPLE, policy_text
from tests.notifications.sinks import smtp_sink
from tests.notifications.test_digest import TODAY
from tests.store.plans_seed import store_plan


async def test_overdue_reviews_are_in_the_digest_most_overdue_first(db):
    # TODAY is 11 May 2026; a review is due 12 months after the plan's start
    store_plan(db, "PL-SOON", 375, TODAY)  # started 1 May 2025: due 1 May 2026, 10 days late
    store_plan(db, "PL-LONG", 400, TODAY)  # started 6 April 2025: due 6 April 2026, 35 days late
    store_plan(db, "PL-AHEAD", 100, TODAY)  # due next year: not overdue
    store_plan(db, "PL-SOUTH", 400, TODAY, team="south")  # another manager's
    with smtp_sink() as smtp:
        digests = build_notifications(
            parse_policy(policy_text(smtp.port)), db.sessions, settings=Settings()
        ).digests
        await digests.send_daily_digests(TODAY)
        mails = [m for m in smtp.received() if m.to == PEOPLE["north-lead"]]
    assert len(mails) == 1
    north = mails[0]
    assert north.subject.endswith(", 2 annual reviews overdue")
    assert (
        "Annual reviews overdue (2)\n"
        "  - PL-LONG: annual review 35 days late (due 6 April 2026), convened by oak-school\n"
        "    https://ehcna.test/plans/PL-LONG\n"
        "  - PL-SOON: annual review 10 days late (due 1 May 2026), convened by oak-school\n"
    ) in north.text
    assert "PL-AHEAD" not in north.text and "PL-SOUTH" not in north.text
    assert '<a href="https://ehcna.test/plans/PL-LONG">' in north.html
