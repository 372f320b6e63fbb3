"""``roaming check``: diagnose a node's configuration, files, database, keys, registry and partners."""

from __future__ import annotations

import click

from roaming.cli import instance_option, node_app
from roaming.config import ConfigurationError
from roaming.db import engine_for
from roaming.monitoring.diagnosis import diagnose
from roaming.monitoring.health import Finding, Level
from roaming.plugins import PluginError

LABELS = {Level.OK: "[ok]     ", Level.WARNING: "[warning]", Level.PROBLEM: "[PROBLEM]"}


@click.command("check")
@instance_option
@click.option("--offline", is_flag=True, help="Do not contact the partners.")
def check_command(offline):
    """Diagnose this node in plain words; exits with status 1 when something must be fixed."""
    try:
        app = node_app()
    except (ConfigurationError, PluginError) as error:
        hint = "Do what the message above says, then run the command again."
        _report([Finding("Configuration", Level.PROBLEM, str(error), hint)])
        raise SystemExit(1) from None
    try:
        click.echo(f"Checking {app.config['NODE_NAME']} ({app.instance_path})")
        with app.app_context():
            findings = diagnose(contact_peers=not offline)
    finally:
        engine_for(app).dispose()
    _report(findings)
    if any(finding.level is Level.PROBLEM for finding in findings):
        raise SystemExit(1)


def _report(findings: list[Finding]) -> None:
    for finding in findings:
        click.echo(f"{LABELS[finding.level]} {finding.area}: {finding.message}")
        if finding.hint and finding.level is not Level.OK:
            click.echo(f"{' ' * 10}fix: {finding.hint}")
    problems = sum(finding.level is Level.PROBLEM for finding in findings)
    warnings = sum(finding.level is Level.WARNING for finding in findings)
    click.echo(f"{problems} problem(s), {warnings} warning(s).")
