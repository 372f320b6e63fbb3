"""Findings about a node, in plain words: what readiness checks and ``roaming check`` report.

Each check returns ``Finding``s: ``ok`` (fine), ``warning`` (works, but not as it should in
production) or ``problem`` (the node cannot do its job), with a hint of what to do.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import make_url

from roaming import migrate
from roaming.db import database_url, engine_for, session
from roaming.identity.operations import key_ring
from roaming.peers import registry


class Level(enum.StrEnum):
    OK = "ok"
    WARNING = "warning"
    PROBLEM = "problem"


@dataclass(frozen=True)
class Finding:
    area: str
    level: Level
    message: str
    hint: str = ""

    @property
    def ok(self) -> bool:
        return self.level is not Level.PROBLEM


def redacted_database_url() -> str:
    """The database URL with its password replaced, fit for output and logs."""
    return make_url(database_url(current_app)).render_as_string(hide_password=True)


def check_database() -> list[Finding]:
    where = redacted_database_url()
    try:
        session.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means unreachable; say which
        session.rollback()
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0][:300]
        return [Finding("Database", Level.PROBLEM, f"{where} cannot be reached: {reason}", "Is the server running?")]
    findings = [Finding("Database", Level.OK, f"{where} is reachable")]
    behind = migrate.behind(current_app, engine_for(current_app))
    if behind:
        findings.append(Finding("Migrations", Level.PROBLEM, "; ".join(behind), "Run 'roaming db upgrade'."))
    else:
        findings.append(Finding("Migrations", Level.OK, "the database is at the code's latest migrations"))
    return findings


def check_signing_key() -> list[Finding]:
    try:
        key = key_ring().signing_key()
    except Exception as error:  # noqa: BLE001 - a missing or unreadable key file
        return [
            Finding(
                "Signing key",
                Level.PROBLEM,
                f"cannot be loaded: {error}",
                "Restore the keys/ folder from the backup (docs/operations.md). Without it partners "
                "cannot verify this node: a new key must be admitted again by the coordinator or partners.",
            )
        ]
    return [Finding("Signing key", Level.OK, f"{key.key_id} signs this node's messages")]


def check_registry() -> list[Finding]:
    if not registry.configured():
        return [Finding("Registry", Level.OK, "not used: this node trusts its partners bilaterally")]
    if current_app.config["COORDINATOR_ENABLED"]:
        return [Finding("Registry", Level.OK, "this node is the coordinator and signs the registry")]
    reason = registry.unusable_reason()
    if reason:
        return [Finding("Registry", Level.PROBLEM, reason, "Check coordinator_url and coordinator_key.")]
    return [Finding("Registry", Level.OK, "a valid signed registry is held")]


def readiness() -> list[Finding]:
    """What must hold for the node to serve requests: database, migrations, key, registry."""
    findings = check_database()
    if all(finding.ok for finding in findings):
        findings += check_registry()
    return findings + check_signing_key()
