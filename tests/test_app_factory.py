"""The factory's configuration layers and the instance folder."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from roaming import create_app
from roaming.config import write_instance_files
from roaming.db import engine_for
from roaming.instance import create_instance

pytestmark = pytest.mark.one_database(reason="how the app is built from its settings")


def test_layers_defaults_file_environment_overrides(tmp_path, monkeypatch):
    write_instance_files(
        tmp_path, {"node_name": "From file", "base_url": "https://file.example", "max_content_length": 1000}
    )
    monkeypatch.setenv("ROAMING_BASE_URL", "https://env.example")
    monkeypatch.setenv("ROAMING_MAX_CONTENT_LENGTH", "2000")
    app = create_app({"INSTANCE_PATH": tmp_path, "MAX_CONTENT_LENGTH": 3000})
    assert app.config["API_TITLE"] == "Roaming node API"  # default
    assert app.config["NODE_NAME"] == "From file"  # file
    assert app.config["BASE_URL"] == "https://env.example"  # environment beats file
    assert app.config["MAX_CONTENT_LENGTH"] == 3000  # override beats environment
    assert app.config["SESSION_COOKIE_SECURE"] is True  # https base URL
    assert len(app.config["SECRET_KEY"]) > 40  # from the instance's secret_key file


def test_instance_from_environment(tmp_path, monkeypatch):
    write_instance_files(tmp_path, {"node_name": "Env instance"})
    monkeypatch.setenv("ROAMING_INSTANCE", str(tmp_path))
    assert create_app().config["NODE_NAME"] == "Env instance"


def test_missing_secret_key_is_a_clear_error(tmp_path):
    with pytest.raises(RuntimeError, match="roaming init"):
        create_app({"INSTANCE_PATH": tmp_path})


def test_broken_config_file_is_a_clear_error(tmp_path):
    (tmp_path / "roaming.toml").write_text("node_name = \n")
    with pytest.raises(RuntimeError, match="not valid TOML"):
        create_app({"INSTANCE_PATH": tmp_path, "SECRET_KEY": "x"})


def test_sqlite_database_in_wal_mode(tmp_path):
    node = create_instance(tmp_path / "node", name="Test", country="DE", base_url="http://127.0.0.1:9")
    app = create_app({"INSTANCE_PATH": node.path})
    with engine_for(app).connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert str(engine_for(app).url).endswith("node/roaming.db")
    engine_for(app).dispose()
