"""Text people type is refused, with the character named, when it holds a control character."""

import pytest
from pydantic import ValidationError

from domain.person import Contact, Person
from domain.text import text_problem


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("a\x00b", "a NUL byte"),
        ("a\tb", "a tab"),
        ("a\nb", "a line break"),
        ("\x7f", "U+007F"),
        ("a\x85", "U+0085"),
        ("a\ud800", "U+D800"),
    ],
)
def test_a_control_character_or_lone_surrogate_is_named(text, named):
    problem = text_problem(text)
    assert problem is not None and named in problem


def test_letters_of_any_script_and_joiners_are_text():
    for text in ("Ďurica", "İnce", "Σωκράτης", "O'Neill-Brontë", "می\u200cخواهم", "👩\u200d👧"):
        assert text_problem(text) is None


def test_line_breaks_only_where_several_lines_are_expected():
    assert text_problem("1 High Street\r\nTown", multiline=True) is None
    assert text_problem("1 High Street\x00", multiline=True) is not None
    Contact(name="Ben", relationship="Father", address="1 High Street\nTown", preferred="post")
    with pytest.raises(ValidationError, match="line break"):
        Contact(name="Ben\nQuill", relationship="Father", phone="01234 567890", preferred="phone")


def test_a_surname_must_fit_its_search_key_in_lower_case():
    Person(forename="Ada", surname="İ" * 50, birth_date="2015-01-01")
    with pytest.raises(ValidationError, match="counted in lower case"):
        Person(forename="Ada", surname="İ" * 51, birth_date="2015-01-01")
