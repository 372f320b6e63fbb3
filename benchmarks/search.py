"""Federation search latency against mirrors of 10 and of 200 partner nodes, side by side.

Each partner node gets a realistic catalogue (profile, 2 locations, desks, rooms, services, events:
250 items), fed through the same code path a sync uses. The same query mix runs against both
mirrors through the HTTP API (test client, 50 results a page); the output is median and 95th
percentile per query and the ratio 200-node p95 / 10-node p95.

    python -m benchmarks.search [--items-per-node 250] [--rounds 30]
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from federation.keys import generate_key, save_key
from roaming import create_app, migrate
from roaming.accounts.models import Role
from roaming.accounts.operations import create_user, issue_token
from roaming.db import engine_for, session
from roaming.members.models import MemberCompany, Person
from roaming.peers import mirror
from roaming.peers.models import Peer, PeerStatus, TrustSource
from roaming.reference import SECTORS

COUNTRIES = ["DE", "FR", "IE", "ES", "IT", "NL", "BE", "AT", "SE", "DK", "PL", "PT", "FI", "EE", "RO"]
CITIES = ["Karlsruhe", "Paris", "Cork", "Barcelona", "Genoa", "The Hague", "Leuven", "Villach", "Malmo", "Aalborg"]
KINDS = ["desk", "meeting_room", "internet", "introductions", "matchmaking", "market_briefing"]
WORDS = ["cloud", "security", "breakfast", "pitch", "robotics", "fintech", "health", "energy", "mobility", "data"]
QUERIES = {
    "desks in a country": {"kind": "desk", "country": "FR"},
    "free text": {"q": "robotics breakfast"},
    "city": {"city": "Cork"},
    "service kind + language": {"service_kind": "matchmaking", "language": "de"},
    "events in a month": {"kind": "event", "date_from": "2027-03-01", "date_to": "2027-03-31"},
    "sector": {"sector": "Digital industries"},
}


def build(nodes: int, items_per_node: int, folder: Path):
    instance = folder / f"mirror-{nodes}"
    instance.mkdir()
    save_key(generate_key(), instance)
    app = create_app({"INSTANCE_PATH": instance, "SECRET_KEY": "bench", "WORKER_IN_PROCESS": False})
    migrate.upgrade(engine_for(app))
    with app.app_context():
        fill_mirror(nodes, items_per_node)
        company = MemberCompany(name="Bench GmbH", country="DE")
        person = Person(company=company, name="Bench", email="bench@example.org")
        session.add_all([company, person])
        session.commit()
        user = create_user(
            email=person.email, name="Bench", role=Role.MEMBER, password="bench-password", person_id=person.id
        )
        _, token = issue_token(user, "bench", 1)
    return app, {"Authorization": f"Bearer {token}"}


def fill_mirror(nodes: int, items_per_node: int) -> None:
    """Mirror ``nodes`` partner nodes' catalogues of about ``items_per_node`` items each into the
    database of the current app, through the code a sync uses (one commit per partner)."""
    rng = random.Random(nodes)
    seq = itertools.count(1)
    for n in range(nodes):
        peer = Peer(
            node_id=f"node-{n}",
            name=f"Cluster {n}",
            country=COUNTRIES[n % len(COUNTRIES)],
            base_url=f"http://cluster{n}.example",
            trust=TrustSource.REGISTRY,
            status=PeerStatus.ACTIVE,
        )
        session.add(peer)
        session.flush()
        for change in catalogue(peer, items_per_node, rng, seq):
            mirror.apply_change(peer, change)
        session.commit()


def catalogue(peer, count, rng, seq):
    """About ``count`` changes: a profile, two locations, then desks, rooms, services and events."""

    def change(kind, item):
        uid = f"{peer.node_id}-{kind}-{item['id']}"
        return {"seq": next(seq), "kind": kind, "uid": uid, "deleted": False, "item": {"uid": uid, **item}}

    languages = rng.sample(["en", "de", "fr", "es", "it"], 2)
    yield change(
        "cluster",
        {
            "id": 1,
            "name": peer.name,
            "country": peer.country,
            "city": rng.choice(CITIES),
            "languages": languages,
            "sectors": rng.sample(SECTORS, 3),
            "description": "A cluster",
        },
    )
    for location_id in (1, 2):
        yield change(
            "location",
            {
                "id": location_id,
                "name": f"Site {location_id}",
                "country": peer.country,
                "city": rng.choice(CITIES),
                "address": "1 Main Street",
            },
        )
    start = datetime(2027, 1, 1, tzinfo=UTC)
    for item_id in range(1, count - 2):
        kind = rng.choice(["desk", "room", "service", "service", "event"])
        text = " ".join(rng.sample(WORDS, 3))
        item = {"id": item_id, "location_id": rng.choice([1, 2]), "description": text, "languages": languages}
        if kind == "service":
            item |= {"name": f"{text} service", "kind": rng.choice(KINDS)}
        elif kind == "event":
            begins = start + timedelta(days=rng.randrange(365), hours=rng.randrange(8, 18))
            item |= {
                "title": f"{text} event",
                "starts_at": begins.isoformat(),
                "ends_at": (begins + timedelta(hours=2)).isoformat(),
            }
        else:
            item |= {"name": f"{text} {kind}", "seats": 2}
        yield change(kind, item)


def measure(app, headers, rounds):
    client = app.test_client()
    results = {}
    for name, filters in QUERIES.items():
        times = []
        for _ in range(rounds):
            began = time.perf_counter()
            response = client.get("/api/federation/search", query_string=filters, headers=headers)
            times.append(time.perf_counter() - began)
            assert response.status_code == 200, response.json
        times.sort()
        results[name] = (statistics.median(times), times[int(0.95 * (len(times) - 1))])
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items-per-node", type=int, default=250)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        runs = {}
        for nodes in (10, 200):
            began = time.perf_counter()
            app, headers = build(nodes, args.items_per_node, Path(folder))
            print(
                f"built a mirror of {nodes} nodes x {args.items_per_node} items in {time.perf_counter() - began:.1f} s"
            )
            runs[nodes] = measure(app, headers, args.rounds)
            engine_for(app).dispose()
    print(f"\n{'query':<26} {'10 nodes p50/p95 ms':>22} {'200 nodes p50/p95 ms':>22} {'p95 ratio':>10}")
    for name in QUERIES:
        (m10, p10), (m200, p200) = runs[10][name], runs[200][name]
        print(
            f"{name:<26} {m10 * 1000:>10.1f} / {p10 * 1000:<9.1f} {m200 * 1000:>10.1f} / {p200 * 1000:<9.1f} "
            f"{p200 / p10:>9.2f}x"
        )


if __name__ == "__main__":
    main()
