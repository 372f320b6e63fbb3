"""The OpenAPI document describes every API endpoint, and the docs page is served locally."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.one_database(reason="the API's description")


def test_every_api_route_is_documented(app, client):
    spec = client.get("/api/openapi.json").json
    documented = {(path, method.upper()) for path, operations in spec["paths"].items() for method in operations}
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint.startswith(("api-docs", "api_docs_assets")):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        routes |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes and routes <= documented, routes - documented


def test_secured_operations_declare_security_and_errors(client):
    spec = client.get("/api/openapi.json").json
    operation = spec["paths"]["/api/locations"]["post"]
    assert {"bearerToken": []} in operation["security"]
    assert {"401", "403", "422"} <= set(operation["responses"])
    assert "security" not in spec["paths"]["/api/locations"]["get"]


def test_docs_page_uses_no_external_resources(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "/api/docs/assets/swagger-ui-bundle.js" in page
    assert not re.search(r'(src|href)="https?://', page)
    with client.get("/api/docs/assets/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200 and len(asset.data) > 100_000
