"""Database access: the declarative base, one engine per app, one session per app context.

``session`` is a proxy to the current app context's SQLAlchemy session. Views and operations use
it; the session is closed (and anything uncommitted rolled back) when the context ends, so a
failed request never leaves half-written rows.

Nothing waits while holding a write: before a call to another node (or any other wait), the
session must have committed or rolled back what it wrote, or ``ensure_nothing_uncommitted``
refuses the wait. A write holds its locks until the transaction ends (on SQLite the whole
database's write lock), so a write left open across a network call stalls every other writer
for as long as the call takes.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Enum, MetaData, create_engine, event, select, update
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator
from werkzeug.local import LocalProxy

from roaming.config import ConfigurationError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MAX_ID = 2**63 - 1  # the largest id any supported database stores
EXAMPLE_DATABASE_URL = "postgresql+psycopg://roaming:PASSWORD@localhost/roaming"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored as UTC; naive datetimes are refused, not guessed."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: a timezone is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


def value_enum(enum_class: type[enum.Enum]) -> Enum:
    """A column type storing an enum's values as plain strings (portable, readable in SQL)."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
    )


def insert_if_absent(model, *, executor: Session | Connection | None = None, **values) -> bool:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the current transaction (of the app's session, or
    of ``executor``); True if the row was new.

    Used instead of savepoints: Python's sqlite3 driver does not begin a transaction before a
    SAVEPOINT, so releasing one would commit everything before it. On PostgreSQL a conflicting
    row that another transaction has not committed yet makes this wait for that transaction.
    """
    executor = session if executor is None else executor
    dialect = executor.dialect if isinstance(executor, Connection) else executor.get_bind().dialect
    if dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(model).values(**values).on_conflict_do_nothing().returning(*model.__table__.primary_key)
    return executor.execute(statement).first() is not None


def lock_row(model, row_id: int, *, against_references: bool = False) -> None:
    """Take the row ``model[row_id]`` for the rest of the current transaction, so that a count made
    after it cannot be passed by another transaction taking the same row (a check-then-insert
    becomes exclusive). It is a no-op UPDATE: on PostgreSQL it takes the row's lock (others wait for
    this transaction to end, then see what it wrote); on SQLite, as the transaction's first write,
    the database's write lock (later reads see everything committed before it).

    ``against_references``: also hold off rows being added that refer to this one (PostgreSQL's
    ``SELECT ... FOR UPDATE``, which waits for transactions adding such rows and makes new ones
    wait), as a check before deleting the row, or shrinking what it offers, needs."""
    key = next(iter(model.__table__.primary_key.columns))
    if against_references and session.get_bind().dialect.name == "postgresql":
        session.execute(select(key).where(key == row_id).with_for_update())
        return
    column = next(  # a plain column: setting it to itself touches no key or index
        column
        for column in model.__table__.columns
        if not (column.primary_key or column.unique or column.index or column.foreign_keys)
    )
    session.execute(
        update(model.__table__).where(key == row_id).values({column.name: column}),
        execution_options={"synchronize_session": False},
    )


def lock_fresh(row: Base) -> None:
    """Take ``row``'s lock (``lock_row``) and read it, with everything the session holds, as it is
    now; before comparing a row with an incoming change and applying it (read-check-write made
    exclusive). What the transaction changed so far is written first, so the reload loses
    nothing; a change applied meanwhile by another transaction is seen, not overwritten."""
    session.flush()
    lock_row(type(row), row.id)  # type: ignore[attr-defined]
    session.expire_all()


@contextmanager
def savepoint():
    """A SAVEPOINT in the current transaction: what the block writes is rolled back if it raises
    (and the error re-raised); what was written before stays. On SQLite the transaction is begun
    first if it was not yet, as the driver would not (see ``insert_if_absent``)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")
    with session.begin_nested():
        yield


class UncommittedWrites(RuntimeError):
    """A wait (a network call) was about to begin while the session held uncommitted writes: a
    programming error, refused before it can stall the node."""


def has_uncommitted_writes() -> bool:
    """Whether the app's session holds changes it has not committed: rows written in its open
    transaction, or changed objects it has not flushed yet."""
    return bool(
        session.info.get("wrote")
        or session.new
        or session.deleted
        or any(session.is_modified(row) for row in session.dirty)
    )


def ensure_nothing_uncommitted(what: str) -> None:
    """Raise ``UncommittedWrites`` naming ``what`` when the session holds uncommitted changes."""
    if has_uncommitted_writes():
        raise UncommittedWrites(
            f"{what} while the database session holds uncommitted changes: commit or roll back first, "
            "so that no lock is held while waiting."
        )


def before_commit(key: object, callback: Callable[[], object]) -> None:
    """Run ``callback()`` when the current transaction commits, just before its last flush (what
    it adds is committed too). Registered again under the same ``key``, it runs once, the last
    registration's. Forgotten when the transaction rolls back. For work that needs everything the
    transaction did, whoever did it (``roaming.signals``)."""
    session.info.setdefault("before_commit", {})[key] = callback


def _run_before_commit(db_session: Session) -> None:
    if db_session.get_nested_transaction() is not None:
        return  # a savepoint is released, not the transaction committed
    while pending := db_session.info.pop("before_commit", None):
        for callback in pending.values():
            callback()


def _note_flush(db_session: Session, _context) -> None:
    db_session.info["wrote"] = True


def _note_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["wrote"] = True


def _note_transaction_end(db_session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction committed or rolled back
        db_session.info.pop("wrote", None)
        db_session.info.pop("before_commit", None)


def database_url(app: Flask) -> str:
    return app.config["DATABASE_URL"] or f"sqlite:///{app.instance_path}/roaming.db"


def make_engine(url: str, lock_wait_seconds: float = 30) -> Engine:
    """An engine; SQLite gets WAL mode, foreign keys and a busy timeout on every connection.
    ``lock_wait_seconds``: how long a statement waits for a lock held by another connection
    before failing (SQLite's busy timeout, PostgreSQL's ``lock_timeout``)."""
    if url.startswith("sqlite"):
        _create_private_file(make_url(url).database)
        engine = create_engine(url, connect_args={"timeout": lock_wait_seconds})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    options = f"-c lock_timeout={int(lock_wait_seconds * 1000)}"
    given = make_url(url).query.get("options")  # the URL's own ?options=... are kept
    if given:
        options = f"{given} {options}"
    return create_engine(url, pool_pre_ping=True, connect_args={"options": options})


def _create_private_file(path: str | None) -> None:
    """Create a new SQLite database file readable by the node's user only (it holds password
    hashes and members' personal data; SQLite gives its -wal and -shm files the same mode). An
    existing file, or an in-memory database, is left as it is: ``roaming check`` names a readable one."""
    if not path or path == ":memory:" or os.path.exists(path):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:  # created meanwhile by another process
        pass
    except OSError:  # no such folder, say: the first connection reports it as before
        pass


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(app: Flask) -> None:
    """Give ``app`` its engine and sessions. Raises ``ConfigurationError`` naming the setting,
    never showing its value (it may hold a password), when ``database_url`` is no URL or names a
    database SQLAlchemy does not know."""
    url = database_url(app)
    try:
        drivername = make_url(url).drivername
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise ConfigurationError(
            "database_url: must be a SQLAlchemy URL, dialect+driver://user:password@host:port/database, "
            f"such as {EXAMPLE_DATABASE_URL} (the value is a secret and not shown)"
        ) from None
    try:
        engine = make_engine(url, app.config["DATABASE_LOCK_WAIT_SECONDS"])
    except NoSuchModuleError:
        raise ConfigurationError(
            f"database_url: SQLAlchemy knows no database {drivername} (is it spelt as in {EXAMPLE_DATABASE_URL}?)"
        ) from None
    app.extensions["roaming.engine"] = engine
    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "after_flush", _note_flush)
    event.listen(factory, "do_orm_execute", _note_statement)
    event.listen(factory, "after_transaction_end", _note_transaction_end)
    event.listen(factory, "before_commit", _run_before_commit)
    app.extensions["roaming.sessionmaker"] = factory
    app.teardown_appcontext(_close_session)


def commit_each_request(app: Flask) -> None:
    """The request is the transaction: what it wrote is committed once its answer is ready, if it
    succeeded (a status below 400) and nothing in it was refused (a ``DomainError``, even one a
    page caught to show it), before the answer leaves; otherwise it is rolled back, and only what
    it asked to keep whatever happens is written (``keep_whatever_happens``: the audit of reads).
    Operations change and flush; they commit only where they must (docs/architecture.md, "One
    transaction boundary"). Registered last, so that it runs before the other after-request steps
    (Flask runs them in reverse): a commit that fails answers 500, not the view's success."""
    app.after_request(_commit_if_answered)


def keep_whatever_happens(make_row: Callable[[], Base]) -> None:
    """Write the row ``make_row()`` makes even if the request fails or is refused: it is added
    again, on its own, after the request's writes are rolled back."""
    g.setdefault("kept_rows", []).append(make_row)


def _commit_if_answered(response):
    db_session = g.get("db_session")
    if db_session is None:
        return response
    if response.status_code < 400 and not g.get("refused"):
        db_session.commit()
        return response
    db_session.rollback()
    kept = g.pop("kept_rows", [])
    if kept:
        db_session.add_all([make_row() for make_row in kept])
        db_session.commit()
    return response


def engine_for(app: Flask) -> Engine:
    return app.extensions["roaming.engine"]


def _get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["roaming.sessionmaker"]()
    return g.db_session


def _close_session(_exc) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


session: Session = LocalProxy(_get_session)  # type: ignore[assignment]
