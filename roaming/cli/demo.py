"""``roaming demo``: three real clusters' nodes on loopback ports, until interrupted."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click
import requests

from roaming.config import CONFIG_FILE
from roaming.demo import CLUSTERS, COORDINATOR, DEMO_PASSWORD, DemoNode, admit_members, build_node
from roaming.demo.history import play

STARTUP_TIMEOUT = 30.0


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to serve on.")
@click.option(
    "--folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the nodes' instances here (default: a temporary folder, removed at the end).",
)
@click.option(
    "--history/--no-history",
    default=True,
    show_default=True,
    help="Play a few visits, an event and a follow-up answer, so that the ledger has figures.",
)
@click.option(
    "--plugin",
    "plugins",
    multiple=True,
    metavar="NAME",
    help="Enable this installed plugin on every node (repeat for more).",
)
def demo_command(host, folder, history, plugins):
    """Start a demo federation of three cluster nodes (SQLite, loopback) until Ctrl+C.

    CyberForum coordinates; Systematic Paris-Region and it@cork are admitted members. Each node
    mirrors the others' catalogues, and a change at one shows at the others within seconds.
    """
    if folder is not None:
        _refuse_a_kept_demo(folder)
    for sig in (signal.SIGINT, signal.SIGTERM):  # also when a shell started us with SIGINT ignored
        signal.signal(sig, _interrupt)
    with tempfile.TemporaryDirectory(prefix="roaming-demo-") as scratch:
        base = folder or Path(scratch)
        base.mkdir(parents=True, exist_ok=True)
        ports = {slug: free_port(host) for slug in CLUSTERS}
        urls = {slug: f"http://{host}:{port}" for slug, port in ports.items()}
        steps = len(CLUSTERS) + 1 + history
        with click.progressbar(length=steps, label="Building the demo federation", file=sys.stderr) as bar:
            enabled = {"plugins": list(plugins)} if plugins else {}
            coordinator = build_node(COORDINATOR, base, urls[COORDINATOR], {"coordinator_enabled": True, **enabled})
            bar.update(1)
            member_settings = {"coordinator_url": coordinator.url, "coordinator_key": coordinator.key_id, **enabled}
            members = []
            for slug in CLUSTERS:
                if slug != COORDINATOR:
                    members.append(build_node(slug, base, urls[slug], member_settings))
                    bar.update(1)
            nodes = [coordinator, *members]
            processes = [_start(node, host, ports[node.slug]) for node in nodes]
            try:
                _wait_until_healthy(nodes, processes)
                admit_members(coordinator, members)
                bar.update(1)
                if history:
                    play(coordinator, *members)
                    bar.update(1)
            except BaseException:
                _stop_all(processes)
                raise
        try:
            _print_summary(nodes, coordinator)
            _wait_for_interrupt(processes)
        finally:
            _stop_all(processes)
    click.echo("Demo stopped.")


def _refuse_a_kept_demo(folder: Path) -> None:
    """A folder that holds a demo already is not built over: say how to go on."""
    kept = [slug for slug in CLUSTERS if (folder / slug / CONFIG_FILE).exists()]
    if kept:
        first = folder / kept[0]
        raise click.ClickException(
            f"{folder} holds a demo federation already ({', '.join(kept)}). Build a fresh one with another "
            f"--folder, or delete this one; or start a kept node on its own: roaming run --instance {first}"
        )


def _start(node: DemoNode, host: str, port: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "roaming",
        "run",
        "--instance",
        str(node.instance),
        "--host",
        host,
        "--port",
        str(port),
    ]
    # The log holds names and e-mail addresses: the node's user only may read it.
    fd = os.open(node.instance / "node.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "ab") as log:  # the child keeps its own copy
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_until_healthy(nodes: list[DemoNode], processes: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    for node, process in zip(nodes, processes, strict=True):
        while True:
            if process.poll() is not None:
                raise click.ClickException(f"{node.name} stopped at start-up; see {node.instance / 'node.log'}.")
            try:
                if requests.get(f"{node.url}/healthz", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise click.ClickException(f"{node.name} did not answer within {STARTUP_TIMEOUT:.0f} s.")
            time.sleep(0.1)


def _print_summary(nodes: list[DemoNode], coordinator: DemoNode) -> None:
    click.echo("\nThe demo federation is running:\n")
    for node in nodes:
        role = "coordinator and member" if node is coordinator else "member"
        click.echo(f"  {node.name} ({role})\n    {node.url}/")
        for role, email in node.logins.items():
            click.echo(f"    {role + ':':<12} {email}")
    click.echo(f"\n  Every demo login's password: {DEMO_PASSWORD}")
    first, second = nodes[0], nodes[-1]
    click.echo(f"  Try it: log in at {first.url}/login as {first.logins['member']}, find a desk abroad and ask for it;")
    click.echo(f"  requests that need approval wait on the host staff's dashboard ({second.url}/staff).")
    click.echo(f"  The network's map and newsletter: {first.url}/network   The API explorer: {first.url}/api/docs")
    click.echo("\nPress Ctrl+C to stop.", nl=True)


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


def _wait_for_interrupt(processes: list[subprocess.Popen]) -> None:
    """Return on Ctrl+C or SIGTERM; fail if a node dies meanwhile."""
    try:
        while True:
            if any(process.poll() is not None for process in processes):
                raise click.ClickException("A demo node stopped unexpectedly; stopping the others.")
            time.sleep(0.2)
    except KeyboardInterrupt:
        return


def _stop_all(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
