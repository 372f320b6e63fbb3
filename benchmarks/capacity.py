"""What one node handles on this machine, SQLite against PostgreSQL, measured side by side.

For each database a host node runs as in production (gunicorn with ``roaming.gunicorn_conf``:
cores + 1 processes of 4 threads, and a ``roaming worker``) beside a home node on loopback; a
load generator in this process plays the home node's side with its real key:

- signed pings (``POST /federation/ping``: signature check, replay cache, signed answer, nothing
  else): the floor cost of any federation request;
- signed visit requests, each for a free seat (attestation checked, terms applied, seats
  allocated, the visit document signed), then 50 at once for one last seat: exactly one booked;
- partner catalogues mirrored through the code a sync uses (items applied per second);
- member searches over that mirror through the HTTP API.

    python -m benchmarks.capacity [--requests 600] [--concurrency 8] [--partners 40]

Needs the PostgreSQL server of ``.ci/postgres.sh`` (or ``ROAMING_TEST_POSTGRES``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import func, select

from benchmarks.search import QUERIES, fill_mirror
from federation.signing import sign_request
from roaming.db import session
from roaming.peers.models import MirroredItem
from roaming.visits.models import SeatAllocation
from tests.support.postgres import fresh_database
from tests.support.visits import (
    add_desk,
    add_member,
    home_and_host,
    next_monday,
    node_id_of,
    signed_visit_request,
    vary_terms,
)

DESKS = 50
CONTENDERS = 50
JSON = {"Content-Type": "application/json"}


@dataclass
class Load:
    """Requests answered per second and their latencies, with the statuses seen."""

    per_second: float
    median_ms: float
    p95_ms: float
    statuses: Counter


def run_load(requests_to_send: list, concurrency: int) -> Load:
    """Send each ``(method, url, body, key, headers)``, signed at send time with ``key`` (None:
    unsigned), ``concurrency`` at a time, each thread on its own keep-alive connection."""
    local = threading.local()

    def send(item):
        method, url, body, key, headers = item
        if key is not None:
            headers = sign_request(method, url, dict(headers), body, key.key.private_key, key.key_id)
        if not hasattr(local, "session"):
            local.session = requests.Session()
        began = time.perf_counter()
        answer = local.session.request(method, url, data=body, headers=headers, timeout=60)
        return time.perf_counter() - began, answer.status_code

    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(send, requests_to_send))
    elapsed = time.perf_counter() - began
    latencies = sorted(latency for latency, _ in results)
    return Load(
        per_second=len(results) / elapsed,
        median_ms=statistics.median(latencies) * 1000,
        p95_ms=latencies[int(0.95 * (len(latencies) - 1))] * 1000,
        statuses=Counter(status for _, status in results),
    )


def measure(folder: Path, database_url: str | None, args) -> dict:
    figures = {}
    web_processes = (os.cpu_count() or 1) + 1
    with home_and_host(folder, host_database=database_url, host_settings={"web_processes": web_processes}) as (
        home,
        host,
    ):
        vary_terms(host, home, desk_confirmation="instant")
        desks = [add_desk(host, seats=1, name=f"Desk {n}") for n in range(DESKS)]
        host_id, home_id, key = node_id_of(host), node_id_of(home), home.signing_key()
        first = next_monday()

        ping = f"{host.url}/federation/ping"
        figures["ping"] = run_load([("POST", ping, b"{}", key, JSON)] * args.requests, args.concurrency)

        visits = f"{host.url}/federation/visits"
        bodies = []
        for n in range(args.requests):
            week, weekday = divmod(n // DESKS, 5)  # the desks' default opening hours: weekdays
            day = (first + timedelta(weeks=week, days=weekday)).isoformat()
            dates = {"desk": desks[n % DESKS], "first_day": day, "last_day": day}
            bodies.append(("POST", visits, signed_visit_request(home, host_id, home_id, dates, n)[0], key, JSON))
        figures["visit"] = run_load(bodies, args.concurrency)

        last = add_desk(host, seats=1, name="Last seat")
        dates = {"desk": last, "first_day": first.isoformat(), "last_day": first.isoformat()}
        contenders = [
            ("POST", visits, signed_visit_request(home, host_id, home_id, dates, args.requests + n)[0], key, JSON)
            for n in range(CONTENDERS)
        ]
        figures["contested"] = run_load(contenders, CONTENDERS).statuses
        with host.app_context():
            figures["seats"] = session.scalar(select(func.count()).select_from(SeatAllocation))

        with host.app_context():
            began = time.perf_counter()
            fill_mirror(args.partners, args.items_per_partner)
            elapsed = time.perf_counter() - began
            figures["mirrored"] = session.scalar(select(func.count()).select_from(MirroredItem))
        figures["apply"] = figures["mirrored"] / elapsed

        bearer, _ = add_member(host, "searcher@itcork.example", company="Cork Search Ltd")
        searches = [
            ("GET", f"{host.url}/api/federation/search?{requests.compat.urlencode(query)}", None, None, bearer)
            for _ in range(args.searches // len(QUERIES))
            for query in QUERIES.values()
        ]
        figures["search"] = run_load(searches, args.concurrency)
    return figures


def report(runs: dict, args) -> None:
    sqlite, postgresql = runs["SQLite"], runs["PostgreSQL"]
    print(f"\n{'per second (p50 / p95 ms)':<34} {'SQLite':>24} {'PostgreSQL':>24} {'PG/SQLite':>10}")
    for name, label in (
        ("ping", "signed pings"),
        ("visit", "signed visit requests"),
        ("search", f"searches, {sqlite['mirrored']} items"),
    ):
        cells = [f"{r[name].per_second:7.1f} ({r[name].median_ms:5.1f} / {r[name].p95_ms:6.1f})" for r in runs.values()]
        ratio = postgresql[name].per_second / sqlite[name].per_second
        print(f"{label:<34} {cells[0]:>24} {cells[1]:>24} {ratio:>9.2f}x")
    print(
        f"{'mirror items applied':<34} {sqlite['apply']:>24.0f} {postgresql['apply']:>24.0f} "
        f"{postgresql['apply'] / sqlite['apply']:>9.2f}x"
    )
    print()
    for database, run in runs.items():
        statuses = {name: dict(run[name].statuses) for name in ("ping", "visit", "search")}
        print(
            f"{database}: visit requests / pings {run['visit'].per_second / run['ping'].per_second:.2f}; "
            f"statuses {statuses}; {CONTENDERS} requests for one last seat: {dict(run['contested'])}, "
            f"seats allocated {run['seats']} (expected {args.requests + 1})"
        )
        booked_once = run["contested"][201] == 1 and run["seats"] == args.requests + 1
        if run["visit"].statuses != {201: args.requests} or not booked_once:
            raise SystemExit(f"{database}: wrong outcome (above): a visit refused, or a seat booked twice")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600, help="signed pings, and visit requests (default 600)")
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--partners", type=int, default=40, help="partner catalogues mirrored (default 40)")
    parser.add_argument("--items-per-partner", type=int, default=250)
    args = parser.parse_args()
    runs = {}
    with tempfile.TemporaryDirectory() as folder, ExitStack() as databases:
        for database in ("SQLite", "PostgreSQL"):
            url = databases.enter_context(fresh_database()) if database == "PostgreSQL" else None
            began = time.perf_counter()
            (Path(folder) / database).mkdir()
            runs[database] = measure(Path(folder) / database, url, args)
            print(f"{database}: measured in {time.perf_counter() - began:.0f} s", flush=True)
    report(runs, args)


if __name__ == "__main__":
    main()
