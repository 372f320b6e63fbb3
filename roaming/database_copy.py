"""Copying a node's whole database to another one, e.g. from SQLite to PostgreSQL.

The target must be empty. It is migrated to the code's latest revisions (core and enabled
plugins), emptied of rows the migrations seeded, filled table by table in dependency order, its
id sequences moved past the copied ids, and checked: every table must hold as many rows as the
source's. The copy runs in one transaction on the target, so a failure leaves it as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import func, insert, inspect, select, text
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
    ``target_url``; ``progress(table, rows)`` is called as rows are written."""
    behind = migrate.behind(app, source)
    if behind:
        raise CopyRefused(f"The node's database is not up to date ({'; '.join(behind)}): run 'roaming db upgrade'.")
    target = make_engine(target_url)
    try:
        if inspect(target).get_table_names():
            raise CopyRefused("The target database is not empty: copy into a new, empty database.")
        migrate.upgrade_all(app, target)
        in_source, in_target = set(inspect(source).get_table_names()), set(inspect(target).get_table_names())
        not_copied = in_source - in_target
        if not_copied:  # tables of a plugin that is installed but not enabled now
            raise CopyRefused(
                f"The node's database has tables the copy would not hold ({', '.join(sorted(not_copied))}): "
                "enable their plugin again, or drop them with 'roaming db downgrade base --plugin NAME'."
            )
        tables = [table for table in Base.metadata.sorted_tables if table.name in in_source]
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
    finally:
        target.dispose()


def count_rows(source: Engine) -> int:
    """Rows in the tables ``copy_database`` copies (for a progress bar)."""
    with source.connect() as reading:
        return sum(
            reading.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
            if inspect(source).has_table(table.name)
        )


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
