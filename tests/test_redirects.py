"""``next`` and other redirect targets that come with a request: only paths on this node pass."""

from __future__ import annotations

import pytest

from roaming.redirects import same_site_path

OFF_SITE_OR_GARBAGE = [
    "/\t/evil.example",  # /%09/evil.example: browsers drop the tab and read //evil.example
    "/\n/evil.example",
    "/\r\nSet-Cookie: stolen=1",  # a header of our own: was a 500
    "/%09/evil.example",  # the same, sent encoded twice (?next=/%2509/...)
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "https://evil.example/",
    "HTTP://evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    "evil.example",
    " /search",
    "/search\x00",
    "/search\x7f",
    "/search\u0085",
    "/search\u2028",
    "",
    None,
    "/" + "a" * 3000,
]
SAME_SITE = ["/", "/search?q=desk&kind=desk", "/me/visits", "/clusters/3f2a", "/search?q=caf%C3%A9", "/staff#visits"]


@pytest.mark.parametrize("target", OFF_SITE_OR_GARBAGE)
def test_anything_but_a_plain_path_here_is_refused(target):
    assert same_site_path(target) is None


@pytest.mark.parametrize("target", SAME_SITE)
def test_paths_on_this_node_pass_as_they_are(target):
    assert same_site_path(target) == target
