"""Reading another node's metadata and keys (``roaming peers add``, the coordinator's admission):
a hostile node cannot make this node fetch from any other address, internal ones included."""

from __future__ import annotations

import pytest
from flask import Flask, Response, redirect, request

from federation.keys import generate_key
from roaming.cli import cli
from roaming.errors import DomainError
from roaming.peers.discovery import MAX_ANSWER_BYTES, discover
from tests.support.server import LoopbackServer

METADATA = "/.well-known/roaming-node"
KEYS = "/.well-known/jwks.json"


class Recorder(LoopbackServer):
    """A server that notes every request it gets: an "internal" address nobody should reach."""

    def __init__(self):
        self.hits: list[str] = []
        app = Flask(__name__)

        @app.route("/<path:path>")
        def anything(path):
            self.hits.append(path)
            return {"keys": []}

        super().__init__(app)


class HostileNode(LoopbackServer):
    """Answers the well-known addresses as told: ``metadata`` and ``keys`` are functions of its
    own URL giving a response (a dict as JSON)."""

    def __init__(self, key):
        self.metadata = lambda url: _metadata(url)
        self.keys = lambda url: {"keys": [key.public_jwk()]}
        app = Flask(__name__)
        app.add_url_rule(METADATA, "metadata", lambda: self.metadata(request.host_url.rstrip("/")))
        app.add_url_rule(KEYS, "keys", lambda: self.keys(request.host_url.rstrip("/")))
        super().__init__(app)


def _metadata(url: str, **fields) -> dict:
    return {
        "node_id": "hostile",
        "name": "Hostile",
        "country": "DE",
        "base_url": url,
        "jwks_uri": url + KEYS,
        "protocol_versions": ["1"],
        **fields,
    }


@pytest.fixture
def key():
    return generate_key()


@pytest.fixture
def internal():
    with Recorder() as server:
        yield server


@pytest.fixture
def hostile(key):
    with HostileNode(key) as server:
        yield server


def test_a_node_on_its_own_address_is_read(hostile, key):
    remote = discover(hostile.url + "/")
    assert remote.metadata["base_url"] == hostile.url and list(remote.keys) == [key.key_id]


def test_the_same_origin_spelt_otherwise_is_the_same(hostile, key):
    hostile.metadata = lambda url: _metadata(url.replace("http://", "HTTP://") + "/", jwks_uri=url + KEYS)
    assert list(discover(hostile.url).keys) == [key.key_id]


def test_a_redirected_metadata_request_is_refused_and_not_followed(hostile, internal):
    hostile.metadata = lambda url: redirect(internal.url + METADATA, 302)
    with pytest.raises(
        DomainError, match=r"302 from the peer: it redirects to http://127\.0\.0\.1:\d+/\.well-known/roaming-node"
    ):
        discover(hostile.url)
    assert internal.hits == []


def test_metadata_naming_another_base_url_is_refused(hostile, internal):
    """The forgery: fetch what it names, and keep it as the peer's address for later requests."""
    hostile.metadata = lambda url: _metadata(internal.url, jwks_uri=internal.url + KEYS)
    with pytest.raises(DomainError, match=f"base_url {internal.url} is not on {hostile.url}"):
        discover(hostile.url)
    assert internal.hits == []


def test_a_key_set_elsewhere_is_refused_and_not_fetched(hostile, internal):
    hostile.metadata = lambda url: _metadata(url, jwks_uri=internal.url + "/admin/delete-everything")
    with pytest.raises(DomainError, match=f"jwks_uri {internal.url}/admin/delete-everything is not on {hostile.url}"):
        discover(hostile.url)
    assert internal.hits == []


def test_a_redirected_key_set_is_refused_and_not_followed(hostile, internal):
    hostile.keys = lambda url: redirect(internal.url + KEYS, 307)
    with pytest.raises(DomainError, match="redirect"):
        discover(hostile.url)
    assert internal.hits == []


def test_an_endless_answer_is_cut_off(hostile):
    chunk = b" " * 65536
    hostile.metadata = lambda url: Response((chunk for _ in range(10_000)), mimetype="application/json")
    with pytest.raises(DomainError, match=f"larger than {MAX_ANSWER_BYTES} bytes"):
        discover(hostile.url)


@pytest.mark.one_database(reason="what the command says; the peer is refused before anything is stored")
def test_peers_add_says_why_it_refuses(app, hostile, internal, key):
    hostile.metadata = lambda url: _metadata(internal.url, jwks_uri=internal.url + KEYS)
    result = app.test_cli_runner().invoke(cli, ["peers", "add", hostile.url, "--fingerprint", key.key_id])
    assert result.exit_code == 1 and f"its base_url {internal.url} is not on {hostile.url}" in result.output
    assert internal.hits == []
