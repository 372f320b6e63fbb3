"""Which pass a test runs in (a pytest plugin, loaded with ``-p tests.support.passes``).

The suite runs on SQLite, then again on PostgreSQL (``ROAMING_TEST_DATABASE=postgresql``) over the
tests marked ``each_database`` only: those whose outcome can depend on the database engine (locks
and races, constraints, migrations, queries and their order, stored state). A test that uses the
suite's database (an instance or node from the fixtures and helpers, which call
``note_suite_database_use``) must say which it is:

- ``@pytest.mark.each_database``: it runs on SQLite and again on PostgreSQL;
- ``@pytest.mark.one_database(reason="...")``: the engine cannot change its outcome (pages,
  documents, command parsing, signatures), or it picks its databases itself (a race run on each
  by parameter); it runs once.

A test that uses the suite's database and says neither fails after its teardown, naming both.
Tests that use no database need no marker; the PostgreSQL pass leaves them out.
"""

from __future__ import annotations

import pytest

PASS_MARKERS = ("each_database", "one_database")

_suite_database_used = False


def note_suite_database_use() -> None:
    """Record that the running test uses the suite's database (the one that differs per pass)."""
    global _suite_database_used
    _suite_database_used = True


def take_suite_database_use() -> bool:
    """Whether the suite's database was used since the last call (which forgets it)."""
    global _suite_database_used
    used, _suite_database_used = _suite_database_used, False
    return used


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "each_database: the outcome can depend on the database: runs on SQLite and on PostgreSQL"
    )
    config.addinivalue_line(
        "markers", "one_database(reason): uses the suite's database, which cannot change the outcome: runs once"
    )


def pytest_collection_modifyitems(items):
    """A test declares at most one pass marker, and ``one_database`` says why."""
    for item in items:
        names = {mark.name for name in PASS_MARKERS for mark in item.iter_markers(name)}
        if len(names) > 1:
            raise pytest.UsageError(f"{item.nodeid} is marked both each_database and one_database")
        one = item.get_closest_marker("one_database")
        if one is not None and not one.kwargs.get("reason"):
            raise pytest.UsageError(f"{item.nodeid}: one_database needs reason='why the database cannot matter'")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    take_suite_database_use()  # forget what an earlier test used, before this one's fixtures


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """After its teardown, a test that used the suite's database without a pass marker fails."""
    outcome = yield
    report = outcome.get_result()
    if call.when != "teardown" or not take_suite_database_use() or not report.passed:
        return
    if not any(item.get_closest_marker(name) for name in PASS_MARKERS):
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} uses the suite's database but does not say whether its outcome can depend "
            "on it: mark it each_database (it runs on SQLite and on PostgreSQL) or "
            "one_database(reason=...) (it runs once). See tests/support/passes.py."
        )
