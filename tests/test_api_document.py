"""The OpenAPI document is written when first read, not at start-up (roaming.api.RoamingApi)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.one_database(reason="the API's description")


def test_building_the_app_documents_no_view_until_the_document_is_read(app):
    api = next(iter(app.extensions["flask-smorest"]["blp_name_to_api"].values()))
    assert api._undocumented, "the views were documented while the app was built"
    assert "/api/desks" in api.spec.to_dict()["paths"]
    assert not api._undocumented


def test_readers_at_once_get_one_complete_document(app):
    """Eight threads read the document at the same moment: each sees every path, tagged once."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        documents = list(pool.map(lambda _: app.test_client().get("/api/openapi.json").json, range(8)))
    assert all(document == documents[0] for document in documents)
    tags = [tag["name"] for tag in documents[0]["tags"]]
    assert len(tags) == len(set(tags)) and "/api/desks" in documents[0]["paths"]
