"""Creating a node's instance folder: settings, secret, keys, database, first admin."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from marshmallow import ValidationError

from federation.keys import generate_key, save_key
from roaming import migrate, reference
from roaming.accounts.models import Role
from roaming.accounts.operations import create_user
from roaming.app import create_app
from roaming.catalogue.operations import save_profile
from roaming.config import CONFIG_FILE, write_instance_files
from roaming.db import engine_for, session


class InstanceExists(Exception):
    pass


@dataclass(frozen=True)
class NewInstance:
    path: Path
    key_id: str
    admin_email: str
    admin_password: str


def create_instance(
    path: Path,
    *,
    name: str,
    country: str,
    base_url: str,
    admin_email: str | None = None,
    database_url: str | None = None,
    settings: dict | None = None,
) -> NewInstance:
    """Create a ready-to-run instance at ``path``; refuses a folder that holds one already.
    ``settings`` are further keys for its roaming.toml."""
    country = country.strip().upper()
    reference.validate_country(country)
    parsed = urlparse(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValidationError(f"'{base_url}' is not an http(s) base URL.", "url")
    if (path / CONFIG_FILE).exists():
        raise InstanceExists(f"{path} holds an instance already ({CONFIG_FILE} exists).")
    config = {
        "node_id": str(uuid.uuid4()),
        "node_name": name,
        "node_country": country,
        "base_url": base_url.rstrip("/"),
    }
    if database_url:
        config["database_url"] = database_url
    write_instance_files(path, {**config, **(settings or {})})
    node_key = generate_key()
    save_key(node_key, path)

    app = create_app({"INSTANCE_PATH": path})
    migrate.upgrade_all(app, engine_for(app))
    password = secrets.token_urlsafe(12)
    admin_email = admin_email or f"admin@{parsed.hostname}"
    with app.app_context():
        save_profile({"name": name, "country": country})
        # the account's name, shown in the menu whatever the page's language: the same in English,
        # German and French ("Node administrator" stayed English on German pages); admins rename it
        create_user(email=admin_email, name="Admin", role=Role.ADMIN, password=password)
        session.commit()
    engine_for(app).dispose()
    return NewInstance(path, node_key.key_id, admin_email.lower(), password)
