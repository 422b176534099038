"""A forecast as of a date reads the statutory exceptions the store held then: one recorded later was not
known, and a backtest that read it would learn from the future."""

from datetime import date, timedelta

from sqlalchemy import insert, select, update

from ehcna.forecast.calibration import months_before
from ehcna.forecast.history import load_history
from ehcna.forecast.outlook import make_outlook, outlook_json
from ehcna.store.db import make_engine
from ehcna.store.models import AdviceRow, CaseRow, ExceptionRow
from tests.databases import fresh_database
from tests.forecast.known import AS_OF, DATA_END, write


def _open_cases_with_advice(conn, count: int) -> list[tuple[str, str]]:
    """(case, advice id) of cases open at AS_OF whose advice was asked by then."""
    c, a = CaseRow.__table__.c, AdviceRow.__table__.c
    rows = conn.execute(
        select(c.ref, a.advice_id)
        .join(AdviceRow.__table__, a.case_ref == c.ref)
        .where(c.day0 <= AS_OF, (c.outcome_on.is_(None)) | (c.outcome_on > AS_OF), a.requested_on <= AS_OF)
        .order_by(c.ref, a.advice_id)
    ).all()
    seen: dict[str, str] = {}
    for ref, advice_id in rows:
        seen.setdefault(ref, advice_id)
    return list(seen.items())[:count]


def _record(conn, ref: str, code: str, on: date, advice_id: str | None = None) -> None:
    conn.execute(
        insert(ExceptionRow),
        [
            {
                "case_ref": ref,
                "position": 0,
                "code": code,
                "recorded_on": on,
                "advice_id": advice_id,
                "start": on,
                "end": on + timedelta(days=40),
                "description": "fictional",
            }
        ],
    )
    if code.startswith("E-"):  # as the store keeps it: the case's flag as it is now
        conn.execute(update(CaseRow).where(CaseRow.ref == ref).values(week20_exception=True))
    else:
        conn.execute(
            update(AdviceRow)
            .where(AdviceRow.case_ref == ref, AdviceRow.advice_id == advice_id)
            .values(excepted=True)
        )


def test_exceptions_recorded_after_the_date_are_unknown_to_its_forecast(known_store, tmp_path):
    clean, _ = known_store
    with fresh_database("sqlite", tmp_path) as url:
        engine = make_engine(url)
        write(engine)
        with engine.begin() as conn:
            chosen = _open_cases_with_advice(conn, 60)
            later, earlier = chosen[:40], chosen[40:]
            for n, (ref, advice_id) in enumerate(later):  # recorded after the date
                if n % 2:
                    _record(conn, ref, "E-PERS", AS_OF + timedelta(days=20))
                else:
                    _record(conn, ref, "A-PERS", AS_OF + timedelta(days=20), advice_id)
            for ref, _ in earlier[:10]:  # recorded before it
                _record(conn, ref, "E-ABS", AS_OF - timedelta(days=10))
        since = months_before(AS_OF, 24)
        with engine.connect() as conn:
            then = load_history(conn, AS_OF, since)
            now = load_history(conn, DATA_END, since)
            outlook = outlook_json(make_outlook(conn, AS_OF, DATA_END, runs=20))
        engine.dispose()
    with clean.connect() as conn:
        unknown = outlook_json(make_outlook(conn, AS_OF, DATA_END, runs=20))

    where = {ref: i for i, ref in enumerate(then.refs)}
    late_cases = [ref for n, (ref, _) in enumerate(later) if n % 2]
    assert not any(then.exception[where[ref]] for ref in late_cases)
    assert all(then.exception[where[ref]] for ref, _ in earlier[:10])
    assert not then.advice_excepted.any()
    now_at = {ref: i for i, ref in enumerate(now.refs)}
    assert all(now.exception[now_at[ref]] for ref in late_cases)  # known by today
    assert now.advice_excepted.sum() == 20
    # the forecast of every case without an exception known at the date is the forecast without them
    known_then = {ref for ref, _ in earlier[:10]}
    mine = [c for c in outlook["baseline"]["cases"] if c["ref"] not in known_then]
    theirs = [c for c in unknown["baseline"]["cases"] if c["ref"] not in known_then]
    assert mine == theirs and len(mine) > 500
