"""What a partner sends is mirrored only as far as it is safe to show: a link that is not http,
https or mailto is dropped from the copy (the rest of the item is kept), whatever node sent it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from roaming.db import session
from roaming.peers import mirror
from roaming.peers.models import MirroredItem, Peer, TrustSource

pytestmark = pytest.mark.one_database(reason="what is kept of a partner's item; a JSON column on either engine")

JS = "javascript:alert(document.cookie)"
CHANGES = [
    ("cluster", {"name": "Hostile", "country": "IE", "website": JS, "visitor_contact_email": "hi@hostile.example"}),
    ("event", {"title": "Meetup", "online_url": "data:text/html,<script>alert(1)</script>", "starts_at": None}),
    ("news", {"title": "News", "link": "java\tscript:alert(1)", "published_at": None}),
    ("news", {"title": "Good news", "link": "https://hostile.example/news", "published_at": None}),
]


def test_script_links_are_dropped_from_the_mirror_and_the_rest_is_kept(app, caplog):
    with app.app_context():
        peer = Peer(node_id="hostile", name="Hostile", base_url="http://127.0.0.1:9", trust=TrustSource.PINNED)
        session.add(peer)
        session.flush()
        for seq, (kind, item) in enumerate(CHANGES, start=1):
            mirror.apply_change(peer, {"seq": seq, "kind": kind, "uid": f"u{seq}", "deleted": False, "item": item})
        session.commit()
        kept = {row.uid: row.data for row in session.scalars(select(MirroredItem))}
    assert kept["u1"] == {**CHANGES[0][1], "website": None}
    assert kept["u2"]["online_url"] is None and kept["u2"]["title"] == "Meetup"
    assert kept["u3"]["link"] is None
    assert kept["u4"]["link"] == "https://hostile.example/news"
    assert "Hostile sent cluster u1 with website" in caplog.text and "javascript" not in caplog.text
