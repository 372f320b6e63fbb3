"""``roaming check``: everything readiness checks, plus what a node's IT person should know about
its settings, files and partners, each as a finding in plain words."""

from __future__ import annotations

import stat
from pathlib import Path
from urllib.parse import urlparse

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from federation.client import DeliveryError
from federation.keys import KEYS_DIR
from roaming.attention import operations as attention
from roaming.config import CONFIG_FILE, SECRET_KEY_FILE, read_instance_file
from roaming.db import database_url, session
from roaming.errors import DomainError
from roaming.monitoring.health import Finding, Level, check_database, check_registry, check_signing_key
from roaming.peers.discovery import fetch_json
from roaming.peers.models import OutboxMessage, Peer, PeerStatus
from roaming.peers.operations import client
from roaming.peers.trust import resolver_for
from roaming.settings import BY_KEY

MIN_SECRET_LENGTH = 32
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
PING_PATH = "/federation/ping"


def diagnose(contact_peers: bool = True) -> list[Finding]:
    """All findings, settings first; ``contact_peers`` asks each active partner whether it answers."""
    findings = check_settings() + check_files() + check_database()
    if all(finding.ok for finding in findings if finding.area == "Database"):
        findings += check_registry()
        findings += check_peers(contact_peers)
        findings += check_attention()
    return findings + check_signing_key()


def check_settings() -> list[Finding]:
    config = current_app.config
    findings = []
    url = urlparse(str(config["BASE_URL"]))
    if url.scheme not in ("http", "https") or not url.hostname:
        findings.append(
            Finding("Base URL", Level.PROBLEM, f"'{config['BASE_URL']}' is not an http(s) URL", "Set base_url.")
        )
    elif url.scheme == "http" and url.hostname not in LOOPBACK_HOSTS:
        findings.append(
            Finding(
                "Base URL",
                Level.WARNING,
                f"{config['BASE_URL']} is plain HTTP",
                "Serve the node over HTTPS behind a proxy and set base_url to its https:// address.",
            )
        )
    else:
        findings.append(Finding("Base URL", Level.OK, f"partners reach this node at {config['BASE_URL']}"))
    if config["TESTING"]:
        findings.append(
            Finding(
                "Testing mode",
                Level.PROBLEM,
                "passwords are hashed cheaply; never serve real accounts so",
                "Remove testing from roaming.toml and ROAMING_TESTING.",
            )
        )
    if len(str(config["SECRET_KEY"])) < MIN_SECRET_LENGTH:
        findings.append(
            Finding(
                "Secret key",
                Level.PROBLEM,
                f"the session secret is shorter than {MIN_SECRET_LENGTH} characters",
                "Use the secret_key file 'roaming init' writes, or a long random ROAMING_SECRET_KEY.",
            )
        )
    else:
        findings.append(Finding("Secret key", Level.OK, "set"))
    if url.scheme == "https" and not config["TRUSTED_PROXIES"]:
        findings.append(
            Finding(
                "Proxies",
                Level.WARNING,
                "no trusted_proxies: behind a TLS-terminating proxy, partners' signatures will not verify",
                "Set trusted_proxies to your proxy's address (see docs/operations.md).",
            )
        )
    if str(database_url(current_app)).startswith("sqlite"):
        findings.append(
            Finding(
                "Database engine",
                Level.OK,
                "SQLite: one server process and one worker; 'roaming db copy' moves the node to PostgreSQL",
            )
        )
    if str(config["RATELIMIT_STORAGE_URI"]).startswith("memory"):
        findings.append(
            Finding("Rate limits", Level.OK, "counted per server process; a redis:// storage counts across them")
        )
    return findings


def check_files() -> list[Finding]:
    """The instance folder and its ``keys/`` must be open to the node's user only (mode 0700), and
    ``secret_key``, the keys, a SQLite database (password hashes, personal data) and
    ``roaming.toml`` readable by it only (0600): a problem each, except a ``roaming.toml`` that
    holds no secret (a warning). Each finding names the path and the ``chmod`` that fixes it."""
    instance = Path(current_app.instance_path)
    keys = instance / KEYS_DIR
    findings = [
        finding
        for folder, name in ((instance, f"the instance folder {instance}"), (keys, KEYS_DIR))
        for finding in _open_folder(folder, name)
    ]
    private = {instance / SECRET_KEY_FILE: "", **{path: "" for path in sorted(keys.glob("*.pem"))}}  # path: holds
    url = make_url(database_url(current_app))
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        private[Path(url.database)] = ""
    secrets = _secrets_in_config_file(instance)
    config = instance / CONFIG_FILE
    private[config] = f" and holds secrets: {', '.join(secrets)}" if secrets else ""
    for path, holds in private.items():
        mode = _mode(path)
        if mode is not None and mode & 0o077:
            shown = path.relative_to(instance) if path.is_relative_to(instance) else path
            level = Level.PROBLEM if path != config or secrets else Level.WARNING
            message = f"{shown} can be read by other users (mode {mode:o}){holds}"
            findings.append(Finding("File permissions", level, message, f"chmod 600 {path}"))
    return findings or [Finding("File permissions", Level.OK, "the instance folder and its files are private")]


def _open_folder(folder: Path, name: str) -> list[Finding]:
    mode = _mode(folder)
    if mode is None or not mode & 0o077:
        return []
    message = f"{name} is open to other users (mode {mode:o})"
    return [Finding("File permissions", Level.PROBLEM, message, f"chmod 700 {folder}")]


def _mode(path: Path) -> int | None:
    """The permission bits of ``path``, or None when it does not exist."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None


def _secrets_in_config_file(instance: Path) -> list[str]:
    """The secret settings roaming.toml gives a value (``database_url`` only with a password)."""
    found = []
    for key, value in read_instance_file(instance).items():
        setting = BY_KEY.get(key)
        if setting is None or not setting.secret or not value:
            continue
        if key == "DATABASE_URL" and not _has_password(str(value)):
            continue
        found.append(setting.name)
    return found


def _has_password(url: str) -> bool:
    """Whether ``url`` holds a password; a URL that does not parse (one the environment
    overrides, say) may, as far as anyone can tell."""
    try:
        return make_url(url).password is not None
    except (ArgumentError, ValueError):
        return True


def check_peers(contact: bool) -> list[Finding]:
    peers = session.scalars(select(Peer).where(Peer.status == PeerStatus.ACTIVE).order_by(Peer.name)).all()
    if not peers:
        return [Finding("Partners", Level.WARNING, "none yet", "Join a federation or add a partner ('roaming peers').")]
    failed_counts = dict(
        session.execute(
            select(OutboxMessage.peer_id, func.count())
            .where(OutboxMessage.failed_at.is_not(None))
            .group_by(OutboxMessage.peer_id)
        ).all()
    )
    findings = []
    for peer in peers:
        problems = []
        if contact:
            problems += _contact(peer)
        if peer.breaker_open_until or peer.unavailable_since:
            problems.append(f"deliveries failing: {peer.last_delivery_error or 'no answer'}")
        if failed_counts.get(peer.id):
            problems.append(f"{failed_counts[peer.id]} message(s) set aside (see Needs attention)")
        synced = f"last synced {peer.last_synced_at:%Y-%m-%d %H:%M} UTC" if peer.last_synced_at else "never synced"
        if problems:
            joined = "; ".join(problem.rstrip(". ") for problem in problems)  # a quoted error may end a sentence
            findings.append(Finding(f"Partner {peer.name}", Level.WARNING, f"{joined} ({synced})"))
        else:
            findings.append(Finding(f"Partner {peer.name}", Level.OK, f"answers; {synced}"))
    return findings


def check_attention() -> list[Finding]:
    """Items the node stopped trying on its own: how many of each kind, and where staff see them."""
    counts = attention.counts()
    if not counts:
        return [Finding("Needs attention", Level.OK, "nothing set aside")]
    names = {"message": "message(s) to partners", "visit": "visit request(s)", "registration": "event registration(s)"}
    what = ", ".join(f"{number} {names.get(kind, 'e-mail(s)')}" for kind, number in counts.items())
    return [
        Finding(
            "Needs attention",
            Level.WARNING,
            f"{what} set aside after failing",
            "Retry or drop them on the staff page Needs attention (/staff/attention) or with GET /api/attention.",
        )
    ]


def _contact(peer: Peer) -> list[str]:
    try:
        node = fetch_json(f"{peer.base_url}/.well-known/roaming-node").get("node_id")
    except DomainError as error:
        return [f"does not answer at {peer.base_url} ({error.message})"]
    if node != peer.node_id:
        return [f"{peer.base_url} answers as another node ({node})"]
    try:
        client().post(f"{peer.base_url}{PING_PATH}", {}, resolver_for(peer))
    except DeliveryError as error:
        return [f"refuses our signed requests: {error}" if error.status == 401 else f"signed ping failed: {error}"]
    return []
