"""The OpenAPI document is written when first read, not at start-up (roaming.api.RoamingApi)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from roaming import create_app
from roaming.db import engine_for
from tests.conftest import TEST_CONFIG

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


def test_a_read_after_a_failed_one_documents_each_blueprint_once(app, instance_path, monkeypatch):
    """Documenting one blueprint fails once: the next read goes on from it, and the document is
    the one an app that never failed serves: each blueprint's tag once, every path."""
    api = next(iter(app.extensions["flask-smorest"]["blp_name_to_api"].values()))
    names = [name for _, name, _ in api._undocumented]
    failing, _, _ = api._undocumented[len(names) // 2]
    document_views = failing.register_views_in_doc

    def fail_once(*args, **kwargs):
        monkeypatch.setattr(failing, "register_views_in_doc", document_views)
        raise RuntimeError("documenting failed once")

    monkeypatch.setattr(failing, "register_views_in_doc", fail_once)
    with pytest.raises(RuntimeError, match="documenting failed once"):
        api.spec  # noqa: B018 - the read documents the views
    document = app.test_client().get("/api/openapi.json").json
    assert [tag["name"] for tag in document["tags"]] == names and not api._undocumented
    unfailing = create_app({"INSTANCE_PATH": instance_path, **TEST_CONFIG})
    try:
        assert document == unfailing.test_client().get("/api/openapi.json").json
    finally:
        engine_for(unfailing).dispose()
