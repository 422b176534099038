"""The child's identifiers and date of birth (domain/person.py)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.errors import RuleViolation
from domain.person import (
    CHECK_LETTERS,
    Person,
    check_year_group,
    cohort_year,
    nhs_number_problem,
    upn_problem,
)


def test_UPN_check_letter_is_verified():
    # B801200005001 is valid: 8x2 + 1x4 + 2x5 + 5x10 + 1x13 = 93 = 4x23 + 1 -> B
    assert upn_problem("B801200005001") is None
    # 2x2 + 7x4 + 1x9 + 6x10 + 4x12 + 9x13 = 266 = 11x23 + 13 -> P (I and O are skipped)
    assert upn_problem("P207000016049") is None
    assert upn_problem("B207000016049") == "the UPN's check letter should be P: check the number"
    assert "13 characters" in upn_problem("B80120000500")


@given(st.text("0123456789", min_size=12, max_size=12))
def test_UPN_every_number_has_exactly_one_check_letter(digits):
    valid = [letter for letter in CHECK_LETTERS if upn_problem(letter + digits) is None]
    assert len(valid) == 1


def test_UPN_temporary_numbers_end_in_a_letter_counted_by_its_place():
    # 12 digits then a letter: the letter counts as A=0, B=1 ... at weight 13
    body = "80120000500A"
    letter = next(c for c in CHECK_LETTERS if upn_problem(c + body) is None)
    assert upn_problem(letter + body) is None


def test_NHS_number_check_digit_is_verified():
    assert nhs_number_problem("9434765919") is None
    assert "check digit" in nhs_number_problem("9434765918")
    assert nhs_number_problem("94347659") == "an NHS number is 10 digits"


def test_date_of_birth_inconsistent_with_the_year_group_is_refused_with_the_reason():
    born = date(2019, 10, 2)  # turns 5 in the school year 2024-25: Reception then, year 1 in 2025-26
    assert cohort_year(born, date(2025, 9, 1)) == 1
    assert cohort_year(born, date(2025, 8, 31)) == 0
    check_year_group(born, 2, date(2025, 11, 1))  # one year out: taught out of cohort, accepted
    with pytest.raises(RuleViolation, match="puts the child in year 1 on 1 November 2025, not year 3") as err:
        check_year_group(born, 3, date(2025, 11, 1))
    assert err.value.field == "birth_date"


def test_a_person_is_checked_field_by_field():
    with pytest.raises(ValidationError) as err:
        Person(
            forename="Ada",
            surname="Example",
            birth_date=date(2015, 1, 1),
            upn="A801200005001",
            ethnicity="XXXX",
            postcode="nope",
        )
    fields = {e["loc"][0] for e in err.value.errors()}
    assert fields == {"upn", "ethnicity", "postcode"}
    with pytest.raises(ValidationError, match="only when neither is given"):
        Person(
            forename="Ada",
            surname="Example",
            birth_date=date(2015, 1, 1),
            upn="B801200005001",
            upn_unknown="UN8",
        )
    ok = Person(
        forename=" Ada ",
        surname="Example",
        birth_date=date(2015, 1, 1),
        upn="b801200005001",
        nhs_number="943 476 5919",
    )
    assert (ok.forename, ok.upn, ok.nhs_number) == ("Ada", "B801200005001", "9434765919")
