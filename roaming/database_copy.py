"""Copying a node's whole database to another one, e.g. from SQLite to PostgreSQL.

The target must be empty. It is migrated to the code's latest revisions (core and enabled
plugins), emptied of rows the migrations seeded, filled table by table in dependency order, its
id sequences moved past the copied ids, and checked: every table must hold as many rows as the
source's. The rows are written in one transaction; if anything fails, the tables the copy
created are dropped again, so the target is left as empty as it was found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import MetaData, Table, func, insert, inspect, select, text
from sqlalchemy.engine import Connection, Engine

import roaming.models  # noqa: F401 - every core table on Base.metadata
from roaming import migrate
from roaming.db import Base, make_engine

BATCH = 1000


class CopyRefused(Exception):
    pass


@dataclass(frozen=True)
class CopiedTable:
    name: str
    rows: int


def copy_database(
    app: Flask, source: Engine, target_url: str, progress: Callable[[str, int], None] = lambda _table, _rows: None
) -> list[CopiedTable]:
    """Copy every table the node's models know from ``source`` to the empty database at
    ``target_url``; ``progress(table, rows)`` is called as rows are written. On any failure the
    target is left empty again."""
    behind = migrate.behind(app, source)
    if behind:
        raise CopyRefused(f"The node's database is not up to date ({'; '.join(behind)}): run 'roaming db upgrade'.")
    target = make_engine(target_url)
    try:
        if inspect(target).get_table_names():
            raise CopyRefused("The target database is not empty: copy into a new, empty database.")
        try:
            return _migrate_and_fill(app, source, target, progress)
        except Exception:
            _drop_all_tables(target)
            raise
    finally:
        target.dispose()


def count_rows(source: Engine) -> int:
    """Rows in the tables ``copy_database`` copies (for a progress bar)."""
    with source.connect() as reading:
        return sum(reading.scalar(select(func.count()).select_from(table)) for table in _model_tables(source))


def _model_tables(engine: Engine) -> list[Table]:
    """The tables of the node's models that ``engine``'s database holds, in dependency order."""
    present = set(inspect(engine).get_table_names())
    return [table for table in Base.metadata.sorted_tables if table.name in present]


def _migrate_and_fill(app: Flask, source: Engine, target: Engine, progress) -> list[CopiedTable]:
    migrate.upgrade_all(app, target)
    not_copied = set(inspect(source).get_table_names()) - set(inspect(target).get_table_names())
    if not_copied:  # e.g. tables of a plugin that is installed but not enabled now
        raise CopyRefused(
            f"The node's database has tables the copy would not hold ({', '.join(sorted(not_copied))}): "
            "enable their plugin again, or drop them with 'roaming db downgrade base --plugin NAME'."
        )
    tables = _model_tables(source)
    copied = []
    with source.connect() as reading, target.begin() as writing:
        for table in reversed(tables):
            writing.execute(table.delete())  # rows the migrations seeded (counters)
        for table in tables:
            copied.append(CopiedTable(table.name, _copy_table(table, reading, writing, progress)))
        if writing.dialect.name == "postgresql":
            _advance_sequences(writing, tables)
        _compare_counts(tables, reading, writing)
    return copied


def _drop_all_tables(target: Engine) -> None:
    """Leave the target as empty as it was found (the migrations' tables included)."""
    found = MetaData()
    found.reflect(target)
    found.drop_all(target)


def _copy_table(table, reading: Connection, writing: Connection, progress) -> int:
    rows = reading.execution_options(yield_per=BATCH).execute(select(table))
    count = 0
    for batch in rows.partitions(BATCH):
        writing.execute(insert(table), [row._asdict() for row in batch])
        count += len(batch)
        progress(table.name, len(batch))
    return count


def _advance_sequences(writing: Connection, tables) -> None:
    """Make PostgreSQL's id sequences continue after the copied ids."""
    for table in tables:
        for column in table.primary_key.columns:
            sequence = writing.scalar(
                text("SELECT pg_get_serial_sequence(:table, :column)"), {"table": table.name, "column": column.name}
            )
            if sequence:
                highest = writing.scalar(select(func.max(column)))
                writing.execute(
                    text("SELECT setval(:sequence, :value, :called)"),
                    {"sequence": sequence, "value": highest or 1, "called": highest is not None},
                )


def _compare_counts(tables, reading: Connection, writing: Connection) -> None:
    for table in tables:
        source_rows = reading.scalar(select(func.count()).select_from(table))
        target_rows = writing.scalar(select(func.count()).select_from(table))
        if source_rows != target_rows:
            raise CopyRefused(f"{table.name}: {source_rows} rows in the source but {target_rows} copied; nothing kept.")
