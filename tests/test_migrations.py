"""The Alembic migrations build exactly the schema the models describe, and can be undone."""
from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from migrations import alembic_config, upgrade
from workflows.orm import Base


def test_migrated_schema_matches_the_models(database_url):
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
            limits = conn.execute(sa.text("select step, tier, \"limit\" from sla_limits where region_id is null")).all()
        assert ("verify", "", "3WD") in limits and ("reporter_reply", "", "10WD") in limits
    finally:
        engine.dispose()


def test_downgrade_to_base_and_back(database_url):
    command.downgrade(alembic_config(database_url), "base")
    engine = sa.create_engine(database_url)
    try:
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    upgrade(database_url)
    engine = sa.create_engine(database_url)
    try:
        assert "deadlines" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()
