"""Tables of the read model (SQLAlchemy 2, typed).

Dates are calendar dates in England; instants are UTC. Derived columns
(``t1_due``, ``t6_due``, ``plan_days``...) are written with the row so KPI
queries compare plain columns, the same SQL on SQLite and PostgreSQL, and
use indexes.
"""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from domain.person import (
    ADDRESS_LENGTH,
    EMAIL_LENGTH,
    LANGUAGE_LENGTH,
    NAME_LENGTH,
    PHONE_LENGTH,
    RELATIONSHIP_LENGTH,
)

REF = String(64)
TEAM = String(64)


class Base(DeclarativeBase):
    pass


class CaseRow(Base):
    """One assessment: its dates, its stage and its outcome (the SEN2 request row)."""

    __tablename__ = "cases"

    ref: Mapped[str] = mapped_column(REF, primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(80), unique=True)
    team: Mapped[str] = mapped_column(TEAM, index=True)
    request_source: Mapped[str] = mapped_column(String(16))
    year_group: Mapped[int | None] = mapped_column(Integer)
    day0: Mapped[date] = mapped_column(Date, index=True)
    t1_due: Mapped[date] = mapped_column(Date)
    t3_due: Mapped[date] = mapped_column(Date)
    t6_due: Mapped[date] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(16), index=True)
    decided_to_assess: Mapped[bool | None] = mapped_column(Boolean)
    decision_to_assess_on: Mapped[date | None] = mapped_column(Date, index=True)
    decided_to_issue: Mapped[bool | None] = mapped_column(Boolean)
    decision_to_issue_on: Mapped[date | None] = mapped_column(Date)
    draft_served_on: Mapped[date | None] = mapped_column(Date)
    family_response_on: Mapped[date | None] = mapped_column(Date)
    final_plan_on: Mapped[date | None] = mapped_column(Date, index=True)
    plan_days: Mapped[int | None] = mapped_column(Integer)  # day 0 to final plan, for K6/K7
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_on: Mapped[date | None] = mapped_column(Date, index=True)
    week20_exception: Mapped[bool] = mapped_column(Boolean, default=False)
    # 0007: SEN2 mediation and tribunal flags are read from the appeals (store/appeals.py)
    week20_legacy: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    transferred_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # CFA s.24
    original_received_date: Mapped[date | None] = mapped_column(
        Date
    )  # the first council's, if transferred in
    recorded_elsewhere: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    version: Mapped[int] = mapped_column(Integer)  # the last case event applied to this row
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # 0009: the worklist's next step (domain.deadlines.next_step): its deadline key and due date
    next_key: Mapped[str | None] = mapped_column(String(48))
    next_due: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        Index("ix_cases_open_next_due", "outcome", "next_due"),
        Index("ix_cases_outcome_on_outcome", "outcome_on", "outcome"),
        Index("ix_cases_final_plan_on_kpi", "final_plan_on", "week20_exception", "plan_days"),
        # 0002: covering indexes of the KPI queries (store/kpi_queries.py)
        Index(
            "ix_cases_open_kpi",
            "outcome_on",
            "day0",
            "decision_to_assess_on",
            "decision_to_issue_on",
            "draft_served_on",
        ),
        Index("ix_cases_no_plan_kpi", "outcome", "outcome_on", "t3_due"),
    )

    @classmethod
    def team_of(cls, session: Session, ref: str) -> str | None:
        """The team the case belongs to; None if the store has no such case."""
        return session.scalar(select(cls.team).where(cls.ref == ref))


class AdviceRow(Base):
    """One request for advice and its 6-week clock (K5)."""

    __tablename__ = "advice_requests"

    case_ref: Mapped[str] = mapped_column(REF, ForeignKey("cases.ref", ondelete="CASCADE"), primary_key=True)
    advice_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    provider_team: Mapped[str] = mapped_column(TEAM, index=True)
    requested_on: Mapped[date] = mapped_column(Date)
    received_on: Mapped[date | None] = mapped_column(Date)  # 0007: the body received it (T2 start)
    due_on: Mapped[date | None] = mapped_column(Date)  # None: no clock (reg 6(4), family views, withdrawn)
    status: Mapped[str] = mapped_column(String(16))
    returned_on: Mapped[date | None] = mapped_column(Date, index=True)
    not_received_on: Mapped[date | None] = mapped_column(Date, index=True)
    existing_advice_date: Mapped[date | None] = mapped_column(Date)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)  # 0007: sent in error, withdrawn
    excepted: Mapped[bool] = mapped_column(Boolean, default=False)  # a reg 8(2) exception applies
    document_ref: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (  # 0002: K5
        Index("ix_advice_requests_returned_kpi", "returned_on", "excepted", "due_on", "kind"),
        Index("ix_advice_requests_not_received_kpi", "not_received_on", "excepted", "due_on", "kind"),
    )


class ExceptionRow(Base):
    """An exception recorded on a case (E-*) or on one advice request (A-*)."""

    __tablename__ = "case_exceptions"

    case_ref: Mapped[str] = mapped_column(REF, ForeignKey("cases.ref", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # order recorded on the case
    code: Mapped[str] = mapped_column(String(8))
    recorded_on: Mapped[date] = mapped_column(Date)
    advice_id: Mapped[str | None] = mapped_column(String(32))
    start: Mapped[date | None] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    requested_on: Mapped[date | None] = mapped_column(Date)
    appointment_on: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)


class DecisionRow(Base):
    """The decision whether to assess (T1) and whether to issue a plan (T3)."""

    __tablename__ = "decisions"

    case_ref: Mapped[str] = mapped_column(REF, ForeignKey("cases.ref", ondelete="CASCADE"), primary_key=True)
    decision: Mapped[str] = mapped_column(String(16), primary_key=True)  # TO_ASSESS | TO_ISSUE
    yes: Mapped[bool] = mapped_column(Boolean)
    decided_on: Mapped[date] = mapped_column(Date, index=True)
    due_on: Mapped[date] = mapped_column(Date)  # T1 or T3

    __table_args__ = (Index("ix_decisions_kpi", "decision", "decided_on", "due_on"),)  # 0002: K3


class BreachRow(Base):
    """A deadline breached, as raised when it happened (K10)."""

    __tablename__ = "breaches"

    case_ref: Mapped[str] = mapped_column(REF, primary_key=True)
    deadline_key: Mapped[str] = mapped_column(String(48), primary_key=True)  # T6, T2:HEALTH-1...
    duty: Mapped[str] = mapped_column(String(4))
    advice_kind: Mapped[str | None] = mapped_column(String(16))
    due_on: Mapped[date] = mapped_column(Date)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    raised_on: Mapped[date] = mapped_column(Date, index=True)  # the date in England
    team: Mapped[str] = mapped_column(TEAM)
    holder: Mapped[str] = mapped_column(TEAM)
    excepted: Mapped[bool] = mapped_column(Boolean, default=False)
    # 0007: implied by imported dates, not raised live (K10 for a council's migrated history)
    derived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (Index("ix_breaches_kpi", "raised_on", "duty", "advice_kind", "holder"),)  # 0002: K10


class AppealRow(Base):
    """Mediation or a tribunal appeal about one of the case's decisions (0007; SEN2 *Mediation, *Tribunal).

    Recorded after the decision it disputes, so usually after the workflow has ended: the store,
    not the workflow, holds it.
    """

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_ref: Mapped[str] = mapped_column(REF, ForeignKey("cases.ref", ondelete="CASCADE"), index=True)
    route: Mapped[str] = mapped_column(String(16))  # MEDIATION or TRIBUNAL
    disputes: Mapped[str] = mapped_column(String(16))  # REQUEST, ASSESSMENT or PLAN
    started_on: Mapped[date | None] = mapped_column(Date)  # None: a legacy flag imported without a date
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    """Append-only: who did what, when, through which action. Never updated or deleted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)  # idempotency key of the event
    case_ref: Mapped[str | None] = mapped_column(REF, index=True)
    seq: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    actor_user: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(16))
    actor_team: Mapped[str | None] = mapped_column(TEAM)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    detail: Mapped[dict] = mapped_column(JSON)


class PersonRow(Base):
    """The child or young person (0008). Personal data: here only, never in Temporal, logs or mails."""

    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # opaque (a UUID)
    forename: Mapped[str] = mapped_column(String(NAME_LENGTH))
    surname: Mapped[str] = mapped_column(String(NAME_LENGTH), index=True)
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))
    ethnicity: Mapped[str | None] = mapped_column(String(4))
    postcode: Mapped[str | None] = mapped_column(String(8))
    upn: Mapped[str | None] = mapped_column(String(13))
    uln: Mapped[str | None] = mapped_column(String(10))
    upn_unknown: Mapped[str | None] = mapped_column(String(4))
    nhs_number: Mapped[str | None] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # 0009: where the child is now, and the surname in lower case for prefix search
    setting_urn: Mapped[str | None] = mapped_column(String(6))
    setting_ukprn: Mapped[str | None] = mapped_column(String(8))
    setting_type: Mapped[str | None] = mapped_column(String(4))
    surname_key: Mapped[str | None] = mapped_column(String(NAME_LENGTH))  # Person checks it fits

    __table_args__ = (
        Index("ix_people_birth_date", "birth_date"),
        # on PostgreSQL a prefix LIKE uses it whatever the database's collation
        Index("ix_people_surname_key", "surname_key", postgresql_ops={"surname_key": "varchar_pattern_ops"}),
        UniqueConstraint("upn", name="uq_people_upn"),  # a second record of one child is not made
        UniqueConstraint("nhs_number", name="uq_people_nhs_number"),
    )


class CasePersonRow(Base):
    """Which child a case is about (0008): beside the case row, which its workflow writes."""

    __tablename__ = "case_people"

    case_ref: Mapped[str] = mapped_column(REF, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("people.id"), index=True)


class NamedSettingRow(Base):
    """A school or setting consulted and named in the plan (0008; SEN2 module 4b)."""

    __tablename__ = "named_settings"

    case_ref: Mapped[str] = mapped_column(REF, primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)  # SEN2 PlacementRank: 1 primary, 2 secondary
    urn: Mapped[str | None] = mapped_column(String(6))
    ukprn: Mapped[str | None] = mapped_column(String(8))
    sen_setting: Mapped[str | None] = mapped_column(String(4))  # when no URN or UKPRN (SEN2 SENsetting)
    consulted_on: Mapped[date | None] = mapped_column(Date)  # T5: the school consulted (CFA s.39)


class ContactRow(Base):
    """A parent or carer of a child (0009). Personal data: here only."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("people.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # the order the officer gave them
    # the lengths domain.person checks: a Contact that validates fits
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    relationship: Mapped[str] = mapped_column(String(RELATIONSHIP_LENGTH))
    email: Mapped[str | None] = mapped_column(String(EMAIL_LENGTH))
    phone: Mapped[str | None] = mapped_column(String(PHONE_LENGTH))
    address: Mapped[str | None] = mapped_column(String(ADDRESS_LENGTH))
    preferred: Mapped[str] = mapped_column(String(8))
    interpreter_language: Mapped[str | None] = mapped_column(String(LANGUAGE_LENGTH))

    __table_args__ = (UniqueConstraint("person_id", "position", name="uq_contacts_person_position"),)


class CaseOfficerRow(Base):
    """The named case officer of a case (0009); each assignment is audited."""

    __tablename__ = "case_officers"

    case_ref: Mapped[str] = mapped_column(REF, primary_key=True)
    officer: Mapped[str] = mapped_column(String(64), index=True)  # the account's username
    assigned_on: Mapped[date] = mapped_column(Date)
    assigned_by: Mapped[str] = mapped_column(String(64))
