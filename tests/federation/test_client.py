"""The federation client against a hostile peer: whatever it answers, a success counts only when
it is a 2xx signed by that peer, and no answer holds the caller longer than the deadline or fills
its memory. Each peer here is a raw socket server answering exactly the bytes under test."""

from __future__ import annotations

import json
import socket
import socketserver
import time
from collections.abc import Callable

import pytest

from federation import client as client_module
from federation.client import BadAnswer, FederationClient, PermanentFailure, TemporaryFailure, Unreachable
from federation.keys import generate_key
from federation.signing import sign_response
from tests.support.server import BackgroundServer

OUR_KEY, PEER_KEY = generate_key(), generate_key()


def peer_keys(key_id):
    return PEER_KEY.key.public_key if key_id == PEER_KEY.key_id else None


class RawPeer(BackgroundServer):
    """Reads a request (headers and body) and hands the socket to ``answer``."""

    def __init__(self, answer: Callable[[socket.socket, str], None]):
        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                url = _read_request(self.request)
                try:
                    answer(self.request, url)
                except OSError:  # the client gave up and closed: what the test wanted
                    pass

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/federation/notices"


def _read_request(sock: socket.socket) -> str:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    length = next((int(line.split(":")[1]) for line in lines if line.lower().startswith("content-length")), 0)
    while len(body) < length:
        body += sock.recv(65536)
    host = next(line.split(":", 1)[1].strip() for line in lines if line.lower().startswith("host:"))
    return f"http://{host}{lines[0].split()[1]}"


def _http(status: int, headers: dict, body: bytes) -> bytes:
    head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return head.encode() + b"\r\n" + body


def _signed(status: int, body: bytes, url: str, content_type="application/json") -> bytes:
    headers = sign_response(
        status, {"Content-Type": content_type}, body, "POST", url, PEER_KEY.key.private_key, PEER_KEY.key_id
    )
    return _http(status, {**headers, "Content-Length": str(len(body)), "Connection": "close"}, body)


def _post(url: str):
    return FederationClient(lambda: OUR_KEY).post(url, {"message_id": "m-000001"}, peer_keys)


def test_a_signed_json_answer_is_a_success():
    with RawPeer(lambda sock, url: sock.sendall(_signed(202, b'{"accepted": true}', url))) as peer:
        answer = _post(peer.url)
    assert (answer.status, answer.data) == (202, {"accepted": True})


def test_a_redirect_is_never_followed():
    followed = []

    def redirect(sock, url):
        if "elsewhere" in url:
            followed.append(url)
        sock.sendall(_http(307, {"Location": url + "/elsewhere", "Content-Length": "0", "Connection": "close"}, b""))

    with RawPeer(redirect) as peer, pytest.raises(BadAnswer, match="never redirected"):
        _post(peer.url)
    assert followed == []


def test_a_signed_answer_that_is_not_json_is_a_bad_answer():
    with RawPeer(lambda sock, url: sock.sendall(_signed(201, b"<html>ok</html>", url, "text/html"))) as peer:
        with pytest.raises(BadAnswer, match="not JSON"):
            _post(peer.url)


def test_a_signed_answer_nested_too_deeply_is_a_bad_answer():
    body = b"[" * 100_000 + b"]" * 100_000
    with RawPeer(lambda sock, url: sock.sendall(_signed(201, body, url))) as peer:
        with pytest.raises(BadAnswer, match="not JSON"):
            _post(peer.url)


def test_an_answer_larger_than_the_limit_is_refused_unread(monkeypatch):
    monkeypatch.setattr(client_module, "MAX_ANSWER_BYTES", 1000)
    sent = []

    def endless(sock, _url):  # says nothing of its length, and never ends
        sock.sendall(_http(202, {"Content-Type": "application/json", "Connection": "close"}, b"[" + b"1," * 100))
        for _ in range(10_000):
            sock.sendall(b"1," * 1000)
            sent.append(1)

    with RawPeer(endless) as peer, pytest.raises(BadAnswer, match="larger than 1000 bytes"):
        _post(peer.url)

    declared = _http(202, {"Content-Length": str(10**12), "Connection": "close"}, b"")
    with RawPeer(lambda sock, url: sock.sendall(declared)) as peer, pytest.raises(BadAnswer, match="larger than"):
        _post(peer.url)
    assert len(sent) < 10_000


def test_an_answer_trickling_in_is_given_up_at_the_deadline(monkeypatch):
    monkeypatch.setattr(client_module, "ANSWER_DEADLINE_SECONDS", 1.0)

    def trickle(sock, _url):  # a byte of the headers every 0.2 s: each read is quick, the answer endless
        for byte in b"HTTP/1.1 202 Accepted\r\nX-Slow: " + b"x" * 1000:
            sock.sendall(bytes([byte]))
            time.sleep(0.2)

    with RawPeer(trickle) as peer, pytest.raises(BadAnswer, match="did not answer within 1 s"):
        _post(peer.url)


def test_an_answer_that_never_comes_is_a_bad_answer(monkeypatch):
    monkeypatch.setattr(client_module, "TIMEOUT", (5, 0.5))
    with RawPeer(lambda sock, _url: time.sleep(3)) as peer, pytest.raises(BadAnswer, match="could not be read"):
        _post(peer.url)


def test_an_answer_broken_off_is_a_bad_answer_and_a_closed_port_unreachable():
    with RawPeer(lambda sock, _url: sock.sendall(b"HTTP/1.1 202 Acc")) as peer, pytest.raises(BadAnswer):
        _post(peer.url)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(Unreachable):
        _post(f"http://127.0.0.1:{port}/federation/notices")


@pytest.mark.parametrize(("status", "error"), [(503, TemporaryFailure), (422, PermanentFailure)])
def test_an_error_answer_is_classified_by_its_status_signed_or_not(status, error):
    body = json.dumps({"message": "no"}).encode()
    answer = _http(status, {"Content-Type": "application/json", "Content-Length": str(len(body))}, body)
    with RawPeer(lambda sock, url: sock.sendall(answer)) as peer, pytest.raises(error, match=f"{status} from the peer"):
        _post(peer.url)
