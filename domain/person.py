"""The child or young person, as SEN2 module 1 and the casework need them (docs/sen2-reference.md).

Personal data: a ``Person`` lives in the SQL store only, under an opaque id; no workflow, search
attribute, log line or mail carries any of it. Identifiers are checked here, purely; a refusal
names the field and what is wrong, never the value (import errors are printed and logged).
"""

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, StringConstraints, field_validator, model_validator

from domain.errors import RuleViolation
from domain.text import printable, printable_lines
from domain.words import day_in_words

# The store's column lengths (ehcna/store/models.py is built from these): a value valid here fits there.
NAME_LENGTH = 100  # a forename, a surname and its lower-case search key, a contact's name
RELATIONSHIP_LENGTH = 60
EMAIL_LENGTH = 254
PHONE_LENGTH = 20
ADDRESS_LENGTH = 500
LANGUAGE_LENGTH = 60
MAX_CONTACTS = 6  # parent and carer contacts of one child

Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_LENGTH),
    AfterValidator(printable),
]


class Sex(StrEnum):
    """SEN2 ``Sex`` (docs/sen2-reference.md §4: M and F seen; U not confirmed, so not offered)."""

    M = "M"
    F = "F"


# DfE main ethnicity categories (school census, CIN and SEN2), with REFU and NOBT (§4.1)
ETHNICITY: dict[str, str] = {
    "WBRI": "White British",
    "WIRI": "White Irish",
    "WOTH": "Any other White background",
    "WIRT": "Traveller of Irish heritage",
    "WROM": "Gypsy/Roma",
    "MWBC": "White and Black Caribbean",
    "MWBA": "White and Black African",
    "MWAS": "White and Asian",
    "MOTH": "Any other Mixed background",
    "AIND": "Indian",
    "APKN": "Pakistani",
    "ABAN": "Bangladeshi",
    "CHNE": "Chinese",
    "AOTH": "Any other Asian background",
    "BCRB": "Caribbean",
    "BAFR": "African",
    "BOTH": "Any other Black background",
    "OOTH": "Any other ethnic group",
    "REFU": "Refused",
    "NOBT": "Information not yet obtained",
}

# SEN2 UPNunknown: why neither a UPN nor a ULN is given (§4.2)
UPN_UNKNOWN: dict[str, str] = {
    "UN1": "Under 6 and not yet assigned a UPN",
    "UN2": "Never attended a state-funded school in England",
    "UN3": "Educated outside England",
    "UN5": "Sources disagree on the child's details, so no reliable match",
    "UN8": "New to the council; UPN or ULN not yet known",
    "UN9": "Never attended a state-funded school or FE setting in England",
    "UN10": "Request ended before the UPN or ULN was known",
}

CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # remainders 0-22 (no I, O, S)
UPN_SHAPE = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")
POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$")


def upn_problem(upn: str) -> str | None:
    """DfE's UPN: a check letter, then 11 digits, then a digit (or a letter for a temporary UPN);
    the check letter is the weighted sum of characters 2-13 (weights 2-13) modulo 23."""
    if not UPN_SHAPE.match(upn):
        return "a UPN is 13 characters: a letter, 11 digits, then a digit or a letter"
    total = 0
    for weight, ch in enumerate(upn[1:], start=2):
        total += weight * (
            int(ch) if ch.isdigit() else CHECK_LETTERS.index(ch) if ch in CHECK_LETTERS else -1000
        )
    if total < 0:
        return f"'{upn[-1]}' cannot end a temporary UPN"
    expected = CHECK_LETTERS[total % 23]
    if upn[0] != expected:
        return f"the UPN's check letter should be {expected}: check the number"
    return None


def nhs_number_problem(number: str) -> str | None:
    """The NHS number's modulus 11 check digit (weights 10 down to 2)."""
    if not re.fullmatch(r"\d{10}", number):
        return "an NHS number is 10 digits"
    total = sum(int(d) * w for d, w in zip(number[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10 or check != int(number[9]):
        return "the NHS number fails its check digit: check the number"
    return None


def cohort_year(birth_date: date, on: date) -> int:
    """The national curriculum year of a child born on ``birth_date``, in the school year of ``on``:
    Reception (0) is the school year (1 September to 31 August) in which the child turns 5."""
    school_year = on.year if on.month >= 9 else on.year - 1
    born_year = birth_date.year if birth_date.month >= 9 else birth_date.year - 1
    return school_year - born_year - 5


# ENGINE RULE: a recorded year group may differ from the birth cohort's by one year (children taught
# out of their cohort); more than that is a mistake in one of the two and is refused with both
YEAR_GROUP_TOLERANCE = 1


def check_year_group(birth_date: date, year_group: int | None, on: date) -> None:
    if year_group is None:
        return
    expected = cohort_year(birth_date, on)
    if abs(year_group - expected) > YEAR_GROUP_TOLERANCE:
        raise RuleViolation(
            "birth_date",
            f"the date of birth puts the child in year {expected} on {day_in_words(on)}, "
            f"not year {year_group}: check the date of birth or the year group",
        )


# ENGINE RULE: the current setting of a child without a school URN or provider UKPRN
CURRENT_SETTING_TYPES: dict[str, str] = {
    "EY": "Early years, not at a setting with a URN",
    "NIE": "Not in education or training",
}


class Person(BaseModel):
    forename: Name
    surname: Name
    birth_date: date
    sex: Sex | None = None
    ethnicity: str | None = None
    postcode: str | None = None
    upn: str | None = None
    uln: str | None = None
    upn_unknown: str | None = None  # SEN2 reason when neither UPN nor ULN is known
    nhs_number: str | None = None
    # where the child is now: a school's URN, a provider's UKPRN, or one of CURRENT_SETTING_TYPES
    setting_urn: str | None = None
    setting_ukprn: str | None = None
    setting_type: str | None = None

    @field_validator("surname")
    @classmethod
    def _surname_key_fits(cls, surname: str) -> str:
        """Its search key (the surname in lower case) is kept too: some capitals, such as 'İ', are
        two letters in lower case."""
        if len(surname.lower()) > NAME_LENGTH:
            raise ValueError(f"the surname is too long: at most {NAME_LENGTH} letters, counted in lower case")
        return surname

    @field_validator("upn", "postcode", "ethnicity", "upn_unknown", "setting_type", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) and value.strip() else None

    @field_validator("nhs_number", "uln", "setting_urn", "setting_ukprn", mode="before")
    @classmethod
    def _digits(cls, value: object) -> object:
        return value.replace(" ", "") if isinstance(value, str) and value.strip() else None

    @field_validator("upn")
    @classmethod
    def _upn(cls, upn: str | None) -> str | None:
        if upn is not None and (problem := upn_problem(upn)):
            raise ValueError(problem)
        return upn

    @field_validator("nhs_number")
    @classmethod
    def _nhs(cls, number: str | None) -> str | None:
        if number is not None and (problem := nhs_number_problem(number)):
            raise ValueError(problem)
        return number

    @field_validator("uln")
    @classmethod
    def _uln(cls, uln: str | None) -> str | None:
        if uln is not None and not re.fullmatch(r"[1-9]\d{9}", uln):
            raise ValueError("a ULN is 10 digits, not starting with 0")
        return uln

    @field_validator("ethnicity")
    @classmethod
    def _ethnicity(cls, code: str | None) -> str | None:
        if code is not None and code not in ETHNICITY:
            raise ValueError(f"'{code}' is not one of the DfE ethnicity codes: {', '.join(ETHNICITY)}")
        return code

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, code: str | None) -> str | None:
        if code is not None and not POSTCODE.match(code):
            raise ValueError("the postcode is not a UK postcode")
        return code

    @field_validator("upn_unknown")
    @classmethod
    def _unknown(cls, code: str | None) -> str | None:
        if code is not None and code not in UPN_UNKNOWN:
            raise ValueError(f"'{code}' is not one of {', '.join(UPN_UNKNOWN)}")
        return code

    @field_validator("setting_urn")
    @classmethod
    def _setting_urn(cls, urn: str | None) -> str | None:
        if urn is not None and not re.fullmatch(r"\d{6}", urn):
            raise ValueError("a school's URN is 6 digits")
        return urn

    @field_validator("setting_ukprn")
    @classmethod
    def _setting_ukprn(cls, ukprn: str | None) -> str | None:
        if ukprn is not None and not re.fullmatch(r"1\d{7}", ukprn):
            raise ValueError("a UKPRN is 8 digits starting with 1")
        return ukprn

    @field_validator("setting_type")
    @classmethod
    def _setting_type(cls, code: str | None) -> str | None:
        if code is not None and code not in CURRENT_SETTING_TYPES:
            raise ValueError(f"'{code}' is not one of {', '.join(CURRENT_SETTING_TYPES)}")
        return code

    @model_validator(mode="after")
    def _identified(self) -> "Person":
        if self.upn_unknown is not None and (self.upn or self.uln):
            raise ValueError("give the reason no UPN or ULN is known only when neither is given")
        settings = [n for n in ("setting_urn", "setting_ukprn", "setting_type") if getattr(self, n)]
        if len(settings) > 1:
            raise ValueError(
                "give the current setting once: a URN, a UKPRN, or early years / not in education"
            )
        return self

    @property
    def full_name(self) -> str:
        return f"{self.forename} {self.surname}"

    def check_born(self, on: date) -> None:
        """Born, and not over 25 (the oldest a plan runs to), on ``on``."""
        if self.birth_date > on:
            raise RuleViolation(
                "birth_date",
                f"the date of birth is after the day the request was received ({day_in_words(on)})",
            )
        if (on - self.birth_date).days > 26 * 366:
            raise RuleViolation(
                "birth_date", f"the date of birth makes the child over 25 on {day_in_words(on)}"
            )


# SEN2 SENsetting, for a setting named without a URN or UKPRN (docs/sen2-reference.md §8.1, 2025 wording)
SEN_SETTINGS: dict[str, str] = {
    "OLA": "Arrangements made by the council (section 61, education otherwise than at school)",
    "OPA": "Arrangements made by the parents or young person (section 42(5)), not home education",
    "EHE": "Elective home education",
    "EYP": "Early years provider without a URN",
    "OTH": "A type of setting named, no particular setting",
    "NEET": "Not in education, employment or training (16-25)",
    "NIEC": "Not in education or training: notice to cease issued",
    "NIEO": "Not in education or training: other",
}


class NamedSetting(BaseModel):
    """The school or setting named in the plan: a URN (6 digits), a UKPRN (8 digits) or a SEN2 code."""

    urn: str | None = None
    ukprn: str | None = None
    sen_setting: str | None = None
    consulted_on: date | None = None  # the day the council consulted it (T5, CFA s.39)

    @model_validator(mode="after")
    def _one(self) -> "NamedSetting":
        given = [n for n in ("urn", "ukprn", "sen_setting") if getattr(self, n)]
        if len(given) != 1:
            raise ValueError("name the setting by exactly one of its URN, its UKPRN or a SEN2 setting code")
        if self.urn is not None and not re.fullmatch(r"\d{6}", self.urn):
            raise ValueError("a URN is 6 digits")
        if self.ukprn is not None and not re.fullmatch(r"1\d{7}", self.ukprn):
            raise ValueError("a UKPRN is 8 digits starting with 1")
        if self.sen_setting is not None and self.sen_setting not in SEN_SETTINGS:
            raise ValueError(f"'{self.sen_setting}' is not one of {', '.join(SEN_SETTINGS)}")
        return self


class ContactWay(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    POST = "post"


Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=PHONE_LENGTH, pattern=r"^\+?[0-9 ()-]{6,20}$")
]
EMAIL_SHAPE = r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$"
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=EMAIL_LENGTH, pattern=EMAIL_SHAPE),
    AfterValidator(printable),
]
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=ADDRESS_LENGTH), AfterValidator(printable_lines)
]
Relationship = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=RELATIONSHIP_LENGTH),
    AfterValidator(printable),
]
Language = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=LANGUAGE_LENGTH), AfterValidator(printable)
]


class Contact(BaseModel):
    """A parent or carer to send decisions to (personal data: the store only)."""

    name: Name
    relationship: Relationship
    email: Email | None = None
    phone: Phone | None = None
    address: Text | None = None
    preferred: ContactWay = ContactWay.EMAIL
    interpreter_language: Language | None = None  # None: not needed

    @field_validator("email", "phone", "address", "interpreter_language", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return value if not (isinstance(value, str) and not value.strip()) else None

    @model_validator(mode="after")
    def _reachable(self) -> "Contact":
        needed = {ContactWay.EMAIL: "email", ContactWay.PHONE: "phone", ContactWay.POST: "address"}
        if not getattr(self, needed[self.preferred]):
            raise ValueError(f"they prefer {self.preferred}: give their {needed[self.preferred]}")
        return self
