"""The KPI queries' indexes (migration 0002) are in the database and in the models alike."""

import sqlalchemy as sa

from ehcna.store.models import Base

KPI_INDEXES = {
    "ix_cases_open_kpi",
    "ix_cases_no_plan_kpi",
    "ix_decisions_kpi",
    "ix_advice_requests_returned_kpi",
    "ix_advice_requests_not_received_kpi",
    "ix_breaches_kpi",
}


def test_the_migrated_schema_has_the_kpi_indexes_of_the_models(db):
    inspector = sa.inspect(db.engine)
    for table in Base.metadata.sorted_tables:
        modelled = {i.name: [c.name for c in i.columns] for i in table.indexes if i.name in KPI_INDEXES}
        migrated = {i["name"]: i["column_names"] for i in inspector.get_indexes(table.name)}
        for name, columns in modelled.items():
            assert migrated.get(name) == columns, (table.name, name)
    assert KPI_INDEXES <= {i.name for t in Base.metadata.sorted_tables for i in t.indexes}
