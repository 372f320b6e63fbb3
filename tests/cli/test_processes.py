"""``roaming run`` and ``roaming demo`` as real processes on loopback ports."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import date, timedelta

import pytest
import requests

from roaming.cli.demo import free_port
from tests.support.nodes import wait_for

pytestmark = pytest.mark.one_database(
    reason="starting and stopping processes; 'roaming init' makes its own SQLite database"
)

TIMEOUT = 60


def _start(*args, env=None):
    return subprocess.Popen(
        [sys.executable, "-m", "roaming", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env={**os.environ, **(env or {})},
    )


def _stop(process):
    """Ctrl+C: SIGINT to the command alone (the demo stops its own nodes)."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGINT)
    try:
        return process.wait(timeout=20)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.stdout.close()


def _wait_for(url):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        try:
            response = requests.get(url, timeout=1)
            if response.ok:
                return response
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


def test_init_then_run_serves_the_node(tmp_path):
    instance = tmp_path / "node"
    port = free_port("127.0.0.1")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "roaming",
            "init",
            "--instance",
            str(instance),
            "--name",
            "Silicon Saxony",
            "--country",
            "DE",
            "--url",
            f"http://127.0.0.1:{port}",
        ],
        check=True,
        capture_output=True,
    )
    process = _start("run", "--port", str(port), env={"ROAMING_INSTANCE": str(instance)})
    try:
        health = _wait_for(f"http://127.0.0.1:{port}/healthz").json()
        assert health == {"status": "ok", "node": "Silicon Saxony", "version": health["version"]}
        assert requests.get(f"http://127.0.0.1:{port}/api/cluster", timeout=5).json()["name"] == "Silicon Saxony"
    finally:
        assert _stop(process) == 0


def test_run_refuses_an_unmigrated_database(tmp_path):
    from roaming.config import write_instance_files

    write_instance_files(tmp_path, {"node_name": "Empty"})
    result = subprocess.run(
        [sys.executable, "-m", "roaming", "run", "--instance", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 1 and "roaming db upgrade" in result.stderr


def test_demo_starts_a_federation_and_stops_cleanly(tmp_path):
    process = _start("demo", "--folder", str(tmp_path / "demo"))
    output = ""
    try:
        deadline = time.monotonic() + TIMEOUT
        while "Press Ctrl+C" not in output and time.monotonic() < deadline and process.poll() is None:
            output += process.stdout.readline()
        urls = re.findall(r"^    (http://127\.0\.0\.1:\d+)/$", output, flags=re.MULTILINE)
        assert len(urls) == 3, output
        names = {requests.get(f"{url}/healthz", timeout=5).json()["node"] for url in urls}
        assert names == {"CyberForum", "Systematic Paris-Region", "it@cork European Tech Cluster"}
        karlsruhe, paris, cork = urls

        visitor = _logged_in(paris, "camille.martin@lutece-logiciels.example")
        partners = {"CyberForum", "it@cork European Tech Cluster"}
        wait_for(lambda: {row["host"]["name"] for row in _search(visitor, paris, kind="desk")} == partners, timeout=30)

        staff = _logged_in(cork, "staff@itcork.example")
        created = staff.post(
            f"{cork}/api/services",
            json={"kind": "matchmaking", "name": "Harbour pitch clinic"},
            headers={"X-CSRF-Token": staff.csrf},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        started = time.monotonic()
        wait_for(lambda: _search(visitor, paris, q="harbour pitch"), timeout=20)
        assert time.monotonic() - started < 20  # typically a second or two: notice, then pull

        _book_a_desk_abroad(visitor, paris, staff, cork, tmp_path / "demo")
        _the_history_shows_in_every_ledger(karlsruhe, paris, cork)
        logs = list((tmp_path / "demo").glob("*/node.log"))
        assert len(logs) == 3 and {log.stat().st_mode & 0o777 for log in logs} == {0o600}  # names, e-mails
    finally:
        code = _stop(process)
    assert code == 0
    for url in urls:
        try:
            requests.get(f"{url}/healthz", timeout=1)
        except requests.ConnectionError:
            continue
        raise AssertionError(f"{url} still answers after the demo stopped")


def _book_a_desk_abroad(visitor, paris, staff, cork, folder):
    """The issue's "done when": a Systematic member books a desk at it@cork through the API, the
    host approves, both nodes show the same visit and history, the visitor has mail and calendar."""
    desk = next(row for row in _search(visitor, paris, kind="desk") if row["host"]["name"].startswith("it@cork"))
    day = date.today() + timedelta(days=14 + (7 - date.today().weekday()))  # a Monday two weeks ahead
    plan = {"host": desk["host"]["node_id"], "desk": desk["uid"], "first_day": day.isoformat()}
    plan["last_day"] = (day + timedelta(days=2)).isoformat()
    csrf = {"X-CSRF-Token": visitor.csrf}
    quote = visitor.post(f"{paris}/api/visits/quote", json=plan, headers=csrf, timeout=10).json()
    assert quote["free_days_left"] == 2 and quote["confirmation"] == "approval" and not quote["problems"]
    asked = visitor.post(f"{paris}/api/visits", json={**plan, "message": "Meeting partners"}, headers=csrf, timeout=10)
    assert asked.status_code == 201 and asked.json()["state"] == "requested", asked.text
    uid = asked.json()["visit_id"]
    pending = staff.get(f"{cork}/api/visits", params={"state": "requested"}, timeout=10).json()
    assert [row["visit_id"] for row in pending] == [uid]
    approved = staff.post(f"{cork}/api/visits/{uid}/approve", headers={"X-CSRF-Token": staff.csrf}, timeout=10)
    assert approved.status_code == 200

    def at_home():
        return visitor.get(f"{paris}/api/visits/{uid}", timeout=10).json()

    wait_for(lambda: at_home()["state"] == "confirmed", timeout=20)
    assert at_home()["history"] == staff.get(f"{cork}/api/visits/{uid}", timeout=10).json()["history"]

    def calendar_mail():
        """the visitor's e-mail with the calendar entry was written"""
        mails = [path.read_bytes() for path in (folder / "systematic" / "mail").glob("*.eml")]
        return any(b"text/calendar" in mail and b"camille.martin@lutece-logiciels.example" in mail for mail in mails)

    wait_for(calendar_mail, timeout=20)


def _the_history_shows_in_every_ledger(karlsruhe, paris, cork):
    """The issue's "done when": after the demo's visits and event, both clusters and the coordinator
    show the same ledger, and the follow-up answer is a connection and a case study."""
    staff = {
        url: _logged_in(url, f"staff@{name}.example")
        for url, name in ((karlsruhe, "cyberforum"), (paris, "systematic"), (cork, "itcork"))
    }
    figures = ("visits", "desk_days", "event_seats", "confirmed", "declined", "expired")

    def add(table, pair, row):
        totals = table.setdefault(pair, dict.fromkeys(figures, 0))
        for name in figures:
            totals[name] += row[name]

    paris_name, cork_name = "Systematic Paris-Region", "it@cork European Tech Cluster"
    # the demo's history, and the booking this test just had approved (its receipt travels on to the coordinator)
    expected = {"visits": 1, "desk_days": 2, "event_seats": 1, "confirmed": 2, "declined": 0, "expired": 0}

    def coordinator_figures():
        """the coordinator counted the history and the new confirmation"""
        table = {}
        for row in staff[karlsruhe].get(f"{karlsruhe}/api/coordinator/ledger", timeout=10).json():
            add(table, (row["host_name"], row["home_name"]), row)
        return table.get((cork_name, paris_name)) == expected and table

    federation, shown = wait_for(coordinator_figures, timeout=20), {}
    assert federation[(paris_name, "CyberForum")]["declined"] == 1
    for url, me in ((paris, paris_name), (cork, cork_name), (karlsruhe, "CyberForum")):
        for row in staff[url].get(f"{url}/api/ledger", timeout=10).json():
            pair = (me, row["partner"]["name"]) if row["direction"] == "hosted_for" else (row["partner"]["name"], me)
            add(shown.setdefault(me, {}), pair, row)
        assert shown[me] == {pair: totals for pair, totals in federation.items() if me in pair}, me
    [connection] = staff[karlsruhe].get(f"{karlsruhe}/api/followup/connections?scope=federation", timeout=10).json()
    assert connection["new_contacts"] == 4
    [study] = requests.get(f"{karlsruhe}/api/followup/case-studies?scope=federation", timeout=10).json()
    assert "first Irish customer" in study["text"]


def _logged_in(url, email):
    browser = requests.Session()
    response = browser.post(f"{url}/api/auth/login", json={"email": email, "password": "roaming-demo"}, timeout=10)
    assert response.status_code == 200
    browser.csrf = response.json()["csrf_token"]
    return browser


def _search(browser, url, **filters):
    response = browser.get(f"{url}/api/federation/search", params=filters, timeout=10)
    assert response.status_code == 200
    return response.json()
