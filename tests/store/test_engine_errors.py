"""A database error names the statement, never the values it carried (a child's name, a phone)."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DataError, IntegrityError

from ehcna.store.models import ContactRow, PersonRow

SECRET = "Secretsurname"


def _person(**changes: object) -> dict[str, object]:
    return {
        "id": "p-1",
        "forename": "Ada",
        "surname": SECRET,
        "surname_key": SECRET.lower(),
        "birth_date": date(2015, 3, 27),
        "updated_at": datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        **changes,
    }


def test_an_integrity_error_carries_no_values(db):
    with db.engine.begin() as conn:
        conn.execute(sa.insert(PersonRow), [_person()])
    with pytest.raises(IntegrityError) as raised, db.engine.begin() as conn:
        conn.execute(sa.insert(PersonRow), [_person()])
    assert SECRET not in str(raised.value) and "hidden" in str(raised.value)


def test_a_data_error_carries_no_values(db):
    if db.backend != "postgresql":
        pytest.skip("SQLite keeps any text whole: no DataError")
    with db.engine.begin() as conn:
        conn.execute(sa.insert(PersonRow), [_person()])
    for bad in ({"phone": "+44" + "1" * 30}, {"name": f"{SECRET}\x00"}):
        with pytest.raises(DataError) as raised, db.engine.begin() as conn:
            row = {
                "person_id": "p-1",
                "position": 0,
                "name": SECRET,
                "relationship": "Father",
                "preferred": "phone",
            }
            conn.execute(sa.insert(ContactRow), [{**row, "phone": "01234 567890", **bad}])
        assert SECRET not in str(raised.value) and "1" * 30 not in str(raised.value)
