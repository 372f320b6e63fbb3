"""A ``roaming`` command run on a node in testing mode (cheap password hashes) says so on stderr,
once, whatever the log level; ``roaming init`` too when ``ROAMING_TESTING`` is set."""

from __future__ import annotations

import os
import subprocess
import sys

from roaming.instance import create_instance

WARNING = "Testing mode (setting testing, ROAMING_TESTING)"


def roaming(tmp_path, *args: str, **variables: str) -> subprocess.CompletedProcess:
    """``roaming ARGS`` in a fresh interpreter, logging errors only, with ``variables`` set."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("ROAMING_")}
    finished = subprocess.run(
        [sys.executable, "-m", "roaming", *args],
        cwd=tmp_path,
        env={**environment, "ROAMING_LOG_LEVEL": "ERROR", **variables},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    return finished


def test_a_command_on_a_node_in_testing_mode_warns_once_on_stderr(tmp_path):
    node = create_instance(
        tmp_path / "node", name="Test", country="DE", base_url="http://127.0.0.1:9", settings={"testing": True}
    )
    listed = roaming(tmp_path, "users", "list", "--instance", str(node.path))
    assert listed.stderr.count(WARNING) == 1 and "scrypt" in listed.stderr
    assert node.admin_email in listed.stdout and WARNING not in listed.stdout


def test_init_with_roaming_testing_warns(tmp_path):
    created = roaming(
        tmp_path,
        *("init", "--instance", "node", "--name", "Test", "--country", "DE", "--url", "http://127.0.0.1:9"),
        ROAMING_TESTING="true",
    )
    assert created.stderr.count(WARNING) == 1


def test_a_node_not_in_testing_mode_warns_nothing(tmp_path):
    node = create_instance(tmp_path / "node", name="Test", country="DE", base_url="http://127.0.0.1:9")
    assert roaming(tmp_path, "users", "list", "--instance", str(node.path)).stderr == ""
