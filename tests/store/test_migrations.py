"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pipeline.store.db import Store
from pipeline.store.models import Base


def test_migrated_database_matches_the_models(store_url):
    store = Store(store_url)
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == [], "a model changed without a migration: run alembic revision --autogenerate"


def test_every_migration_downgrades_cleanly(tmp_path):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect

    from pipeline.store.db import MIGRATIONS

    store = Store(f"sqlite:///{tmp_path / 'down.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    store.upgrade()
    assert "suggestions" in inspect(store.engine).get_table_names()
