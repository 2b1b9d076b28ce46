"""The schema exists only through migrations: upgrade from empty, downgrade to nothing, and again."""

from __future__ import annotations

from sqlalchemy import inspect

from anju.core import migrate
from anju.core.types import metadata


def test_upgrade_creates_every_table_and_downgrade_removes_them(empty_engine):
    tables = set(inspect(empty_engine).get_table_names())
    assert set(metadata.tables) <= tables
    assert migrate.is_up_to_date(empty_engine)
    migrate.downgrade(empty_engine, "base")
    left = set(inspect(empty_engine).get_table_names()) - {"alembic_version"}
    assert left == set()
    assert migrate.current_revision(empty_engine) is None
    migrate.upgrade(empty_engine)
    assert set(metadata.tables) <= set(inspect(empty_engine).get_table_names())


def _every_context_s_tables() -> None:
    """Register every context's tables on the metadata (whatever the tests imported before: run alone,
    this test would otherwise see the tables of contexts nobody imported as "removed")."""
    import importlib
    import importlib.util

    from anju import contexts

    for c in contexts.CONTEXTS:
        if importlib.util.find_spec(f"anju.{c.name}.tables") is not None:
            importlib.import_module(f"anju.{c.name}.tables")


def test_migrated_schema_matches_the_table_definitions(empty_engine):
    """Autogenerate finds no difference between the migrations and the code's tables."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    _every_context_s_tables()

    with empty_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    # the search index is dialect-specific and created by the migration itself
    diff = [d for d in diff if "search" not in str(d) and "fts" not in str(d)]
    assert diff == []


def test_source_rules_are_seeded_as_data(empty_engine):
    from sqlalchemy import text

    with empty_engine.connect() as c:
        winner = c.execute(
            text("SELECT source FROM source_rules WHERE field = 'construction_area' ORDER BY rank LIMIT 1")
        ).scalar_one()
    assert winner == "survey"


def test_realname_migration_turns_declared_numbers_of_public_accounts_into_claims(city_engine):
    """0013: a public account's number no longer grants anything until verified; staff keep theirs."""
    from sqlalchemy import select

    from anju.security import accounts

    def state() -> dict[str, tuple[bool, bool]]:
        with city_engine.connect() as c:
            rows = c.execute(select(accounts.c.username, accounts.c.id_number_bidx, accounts.c.claimed_id_bidx))
            return {r.username: (r.id_number_bidx is not None, r.claimed_id_bidx is not None) for r in rows}

    assert state()["citizen"] == (True, True)  # seeded verified
    migrate.downgrade(city_engine, "0012")
    migrate.upgrade(city_engine)
    after = state()
    assert after["citizen"] == after["landlord"] == (False, True)  # a claim again, to verify
    assert after["agency"] == (False, False) and after["city"] == (False, False)
    with city_engine.connect() as c:
        verified = c.execute(select(accounts.c.identity_verified_at).where(accounts.c.username == "citizen")).scalar()
    assert verified is None
