"""Catalogue sync: a delta against a full fetch, and how fast a change reaches many peers.

1. Delta against full fetch: a publishing node (a real node process) holds a catalogue of
   ``--items`` items (default 10,000). A partner fetches the whole change feed from the start, as
   a new partner does, then 1% of the items change and it fetches only what is new since its
   cursor, as every later sync does. Both through the federation client (signed requests, signed
   answers verified), the feed's own page size; bytes are the answers' bodies.
2. Propagation: one origin node and ``--peers`` partner nodes (default 20), each a real node
   process (``roaming run`` with its worker) on loopback, all pairs pinned. A desk is renamed on
   the origin ``--rounds`` times; each round measures, for every partner, the time from the
   commit to the new name in that partner's mirror (its database read directly, every 20 ms).

    python -m benchmarks.sync [--items 10000] [--peers 20] [--rounds 5]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import requests

from federation.client import FederationClient
from roaming.catalogue.models import Desk, Location, Service
from roaming.db import session
from roaming.peers.operations import PAGE_SIZE
from tests.support.nodes import running_node, wait_for
from tests.support.visits import home_and_host

CHANGED_SHARE = 0.01


def publish(node, items: int) -> list[int]:
    """Fill ``node``'s catalogue with about ``items`` items (10 locations, then desks and services
    in turn); returns the desks' ids."""
    with node.app_context():
        locations = [
            Location(name=f"Site {n}", address=f"{n} Quay", city="Cork", country="IE", timezone="Europe/Dublin")
            for n in range(10)
        ]
        session.add_all(locations)
        session.flush()
        rows = []
        for n in range(items - len(locations)):
            location = locations[n % len(locations)]
            if n % 2:
                rows.append(Desk(name=f"Desk {n}", seats=2, location_id=location.id, description="A quiet desk"))
            else:
                rows.append(Service(kind="internet", name=f"Wi-Fi {n}", location_id=location.id, languages=["en"]))
        session.add_all(rows)
        session.commit()
        return [row.id for row in rows if isinstance(row, Desk)]


def fetch_feed(client: FederationClient, base_url: str, since: int, peer_keys) -> tuple[int, int, int, float]:
    """Every change after ``since``, page by page as a sync reads it: (changes, cursor, bytes, seconds)."""
    received = []
    client.session.hooks["response"] = [lambda response, *_args, **_kwargs: received.append(len(response.content))]
    changes, began = 0, time.perf_counter()
    while True:
        answer = client.get(f"{base_url}/federation/catalogue/changes?since={since}&limit={PAGE_SIZE}", peer_keys)
        changes += len(answer.data["changes"])
        since = answer.data["cursor"]
        if not answer.data["more"]:
            return changes, since, sum(received), time.perf_counter() - began


def delta_against_full(folder: Path, items: int) -> dict:
    with home_and_host(folder) as (partner, publisher):
        desks = publish(publisher, items)
        partner.stop()  # the benchmark is the partner now (its key), so its own pulls do not interfere
        client = FederationClient(partner.signing_key, requests.Session())
        public = publisher.signing_key()

        def peer_keys(key_id):
            return public.key.public_key if key_id == public.key_id else None

        full = fetch_feed(client, publisher.url, 0, peer_keys)
        changed = int(items * CHANGED_SHARE)
        with publisher.app_context():
            for desk_id in desks[:changed]:
                session.get(Desk, desk_id).description = "Now with a standing desk"
            session.commit()
        delta = fetch_feed(client, publisher.url, full[1], peer_keys)
    if delta[0] != changed:
        raise SystemExit(f"The delta held {delta[0]} changes, not the {changed} made")
    return {"full": full, "delta": delta, "changed": changed}


def propagation(folder: Path, peers: int, rounds: int) -> list[list[float]]:
    with ExitStack() as nodes:
        origin = nodes.enter_context(running_node(folder, "Origin", "IE"))
        # one at a time: creating an instance runs Alembic, which is not thread-safe
        partners = [nodes.enter_context(running_node(folder, f"Partner {n}", "DE")) for n in range(peers)]

        def pair(partner):
            for here, there in ((partner, origin), (origin, partner)):
                added = here.cli("peers", "add", there.url, "--fingerprint", there.key_id)
                if added.returncode:
                    raise SystemExit(added.stderr)

        with ThreadPoolExecutor(4) as pairing:
            list(pairing.map(pair, partners))
        desk_id = publish(origin, 12)[0]
        databases = [sqlite3.connect(f"file:{p.instance / 'roaming.db'}?mode=ro", uri=True) for p in partners]
        with origin.app_context():
            uid = session.get(Desk, desk_id).uid
        wait_for(lambda: all(_mirrored_name(db, uid) for db in databases), timeout=120)
        timings = []
        for round_number in range(rounds):
            name = f"Harbour desk {round_number}"
            with origin.app_context():
                session.get(Desk, desk_id).name = name
                session.commit()
            changed_at, arrived = time.monotonic(), {}
            while len(arrived) < len(databases) and time.monotonic() - changed_at < 60:
                for index, db in enumerate(databases):
                    if index not in arrived and _mirrored_name(db, uid) == name:
                        arrived[index] = time.monotonic() - changed_at
                time.sleep(0.02)
            if len(arrived) < len(databases):
                raise SystemExit(f"Round {round_number}: {len(databases) - len(arrived)} partner(s) never got it")
            timings.append(sorted(arrived.values()))
            median, last = statistics.median(timings[-1]), timings[-1][-1]
            print(f"round {round_number + 1}: median {median:.2f} s, last {last:.2f} s", flush=True)
        for db in databases:
            db.close()
        return timings


def _mirrored_name(db: sqlite3.Connection, uid: str) -> str | None:
    row = db.execute("SELECT json_extract(data, '$.name') FROM mirrored_item WHERE uid = ?", (uid,)).fetchone()
    return row[0] if row else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--peers", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "delta").mkdir()
        (Path(folder) / "propagation").mkdir()
        sync = delta_against_full(Path(folder) / "delta", args.items)
        timings = propagation(Path(folder) / "propagation", args.peers, args.rounds)
    (full_changes, _, full_bytes, full_seconds), (delta_changes, _, delta_bytes, delta_seconds) = (
        sync["full"],
        sync["delta"],
    )
    print(f"\n{'':<28} {'changes':>8} {'bytes':>12} {'seconds':>9}")
    print(f"{'full fetch (new partner)':<28} {full_changes:>8} {full_bytes:>12,} {full_seconds:>9.3f}")
    print(f"{'delta after a 1% change':<28} {delta_changes:>8} {delta_bytes:>12,} {delta_seconds:>9.3f}")
    print(
        f"delta / full: bytes {delta_bytes / full_bytes:.2%}, time {delta_seconds / full_seconds:.2%} "
        f"(target: bytes under 2%)"
    )
    every = [seconds for round_times in timings for seconds in round_times]
    medians = [statistics.median(round_times) for round_times in timings]
    print(
        f"\na change at {args.peers} partners, {args.rounds} rounds: median {statistics.median(every):.2f} s "
        f"(round medians {', '.join(f'{m:.2f}' for m in medians)}), slowest {max(every):.2f} s "
        f"(target: median within 2 s)"
    )


if __name__ == "__main__":
    main()
