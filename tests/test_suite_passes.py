"""The suite's own rule: a test that uses the suite's database says whether it runs on both
databases (tests/support/passes.py); the PostgreSQL pass selects ``-m each_database``."""

from __future__ import annotations

from pathlib import Path

pytest_plugins = ["pytester"]

PROJECT = Path(__file__).resolve().parent.parent

INNER = """
import pytest
from tests.support.passes import note_suite_database_use

def test_unmarked():
    note_suite_database_use()

@pytest.mark.each_database
def test_each():
    note_suite_database_use()

@pytest.mark.one_database(reason="pages")
def test_once():
    note_suite_database_use()

def test_without_a_database():
    pass
"""


def _run(pytester, monkeypatch, *args):
    monkeypatch.setenv("PYTHONPATH", str(PROJECT))
    pytester.makepyfile(test_inner=INNER)
    return pytester.runpytest_subprocess("-p", "tests.support.passes", "-p", "no:cacheprovider", *args)


def test_an_unmarked_test_that_uses_the_suite_database_fails_naming_the_markers(pytester, monkeypatch):
    result = _run(pytester, monkeypatch)
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(["*test_unmarked uses the suite's database*each_database*one_database(reason=...)*"])


def test_the_postgresql_pass_selects_only_the_tests_marked_each_database(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, "-m", "each_database")
    result.assert_outcomes(passed=1, deselected=3)


def test_one_database_without_a_reason_is_refused(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(PROJECT))
    pytester.makepyfile(test_inner="import pytest\n\n@pytest.mark.one_database\ndef test_x():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "tests.support.passes", "-p", "no:cacheprovider")
    result.stderr.fnmatch_lines(["*one_database needs reason=*"])
    assert result.ret != 0
